# cookiecutter-hydra-ml: `make demo` bakes and trains the default project, `make test` runs all tests.
PYTHON ?= python3
VENV ?= .venv
# torch goes in first and pinned: a looser spec can pull a multi-GB CUDA build
TORCH ?= torch==2.13.0
DEMO_DIR ?= build/demo
BIN := $(VENV)/bin

.PHONY: demo test lint clean

$(VENV)/.installed: pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet --group test
	touch $@

# Bake the template with its default answers, then use the generated project's own Makefile
# (its own .venv) to install it and train on the digits data set.
demo: $(VENV)/.installed
	rm -rf $(DEMO_DIR)
	$(BIN)/cookiecutter --no-input --output-dir $(DEMO_DIR) .
	$(MAKE) -C $(DEMO_DIR)/my-project install train TORCH="$(TORCH)"

test: $(VENV)/.installed
	$(BIN)/python -m pytest -n auto --dist loadgroup

lint: $(VENV)/.installed
	$(BIN)/ruff check hooks tests local_extensions.py
	$(BIN)/ruff format --check hooks tests local_extensions.py

clean:
	rm -rf $(VENV) build
