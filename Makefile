# cookiecutter-hydra-ml: `make demo` bakes and trains the default project, `make test` runs all tests.
PYTHON ?= python3
VENV ?= .venv
# torch goes in first, at the version the tests were run with. On Linux, PyPI's torch is a
# multi-GB CUDA build: CI passes the CPU one, TORCH="torch==2.13.0 --index-url <CPU index>"
TORCH ?= torch==2.13.0
DEMO_DIR ?= build/demo
BIN := $(VENV)/bin
LINTED := answer_rules.py local_extensions.py hooks tests benchmarks devtools
# the project folder as it stands in the template, with the generated project's ruff settings
TEMPLATE := {{cookiecutter.project_slug}}
TEMPLATE_RUFF := --config devtools/ruff-template.toml

.PHONY: demo test bench mutation docs names lint clean

# What `make demo` needs: torch and cookiecutter (the `demo` group)
$(VENV)/.base: pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(TORCH)
	$(BIN)/python -m pip install --quiet --group demo
	touch $@

# Everything else: the `test` group
$(VENV)/.installed: $(VENV)/.base
	$(BIN)/python -m pip install --quiet --group test
	touch $@

# Bake the template with its default answers, then use the generated project's own Makefile to
# install it and train on the digits data set. Its .venv sees this one's torch (devtools/venv.py),
# so `make install` keeps that torch instead of downloading another.
demo: $(VENV)/.base
	rm -rf $(DEMO_DIR)
	$(BIN)/cookiecutter --no-input --output-dir $(DEMO_DIR) .
	$(BIN)/python -m devtools.venv $(DEMO_DIR)/my-project/.venv
	$(MAKE) -C $(DEMO_DIR)/my-project install train

test: $(VENV)/.installed lint
	$(BIN)/python -m pytest -n auto --dist loadgroup

$(VENV)/.bench: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --group bench
	touch $@

# Every figure of docs/benchmarks.md, side by side in one run (about 40 minutes on 2 cores).
bench: $(VENV)/.bench
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

$(VENV)/.mutation: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --group mutation
	touch $@

# The semantic mutants of devtools/semantic_mutants.toml and mutmut, over each framework's
# generated project; writes docs/mutation.md (hours on 2 cores: it says how long). One mutant:
# make mutation MUTATION_ARGS="--semantic-only --mutants <id> --frameworks <framework>"
mutation: $(VENV)/.mutation
	$(BIN)/python -m devtools.mutation $(MUTATION_ARGS)

# docs/architecture.md's table of option layers, from the template's _layers/ folder
docs: $(VENV)/.installed
	$(BIN)/python -m devtools.layers

# The names a package_name must not take, from their sources (needs PyPI; devtools/closure.py
# takes about 15 minutes the first time): stdlib_names.txt from stdlib-list, and
# devtools/dependency_closure.json, the generated projects' dependency closures at the lowest
# and the newest versions their pins allow. `make test` reads both and fails when they are stale.
names: $(VENV)/.installed
	$(BIN)/python -m devtools.stdlib_names
	$(BIN)/python -m devtools.closure

lint: $(VENV)/.installed
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/ruff check $(TEMPLATE_RUFF) "$(TEMPLATE)" hooks
	$(BIN)/ruff format --check $(TEMPLATE_RUFF) "$(TEMPLATE)" hooks

clean:
	rm -rf $(VENV) build
