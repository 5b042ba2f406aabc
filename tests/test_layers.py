"""The template source as it stands: layers that mean what their names say, Python that is
Python (parses, ruff-clean, Jinja only inside strings), docs that list the layers."""

import ast
import io
import itertools
import subprocess
import sys
import tokenize

import pytest
from conftest import PROMPTS, ROOT, TEMPLATE, load_hook

from devtools import layers
from devtools.compat import tomllib

LAYERS = TEMPLATE / "_layers"
RUFF_CONFIG = ROOT / "devtools" / "ruff-template.toml"
# string literals; f-strings are split into parts from Python 3.12 on
STRING_TOKENS = {tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}


def choices(option: str) -> list[str]:
    """The values a prompt offers, as layer folders name them (booleans as yes/no)."""
    default = PROMPTS[option]
    return ["yes", "no"] if isinstance(default, bool) else list(default)


def test_every_layer_folder_names_an_option_and_some_of_its_values():
    for option in LAYERS.iterdir():
        assert option.name in PROMPTS and not option.name.startswith("_"), option.name
        for layer in option.iterdir():
            values = layer.name.split("+")
            assert set(values) <= set(choices(option.name)), layer
            assert len(values) == len(set(values)), layer


def test_layers_chosen_together_never_share_a_path():
    """For every combination of answers, the project's own files and those of the chosen
    layers are disjoint: laying a layer never replaces a file."""
    hook = load_hook("post_gen_project")
    base = {p.relative_to(TEMPLATE) for p in TEMPLATE.rglob("*") if p.is_file()}
    base = {p for p in base if p.parts[0] != "_layers"}
    options = sorted(option.name for option in LAYERS.iterdir())
    for combination in itertools.product(*(choices(option) for option in options)):
        answers = dict(zip(options, combination, strict=True))
        seen = set(base)
        for layer in hook.chosen_layers(answers, LAYERS):
            files = {p.relative_to(layer) for p in layer.rglob("*") if p.is_file()}
            assert not files & seen, (answers, layer, files & seen)
            seen |= files


def template_python_files() -> list:
    return sorted([*TEMPLATE.rglob("*.py"), *(ROOT / "hooks").glob("*.py")])


def test_template_python_parses_with_jinja_only_inside_strings():
    """No `{% ... %}` at all, and `{{ ... }}` only inside string literals: the template's Python
    is the generated Python, save the names filled into strings."""
    for path in template_python_files():
        source = path.read_text()
        ast.parse(source, filename=str(path))
        assert "{%" not in source, path
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if "{{" in token.string:
                assert token.type in STRING_TOKENS, (path, token)


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]])
def test_ruff_passes_on_the_template_source(command):
    done = subprocess.run(
        [sys.executable, "-m", "ruff", *command, "--config", RUFF_CONFIG, TEMPLATE, ROOT / "hooks"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_template_ruff_settings_are_the_generated_projects(default_project):
    generated = tomllib.loads((default_project / "pyproject.toml").read_text())["tool"]["ruff"]
    template = tomllib.loads(RUFF_CONFIG.read_text())
    assert template["line-length"] == generated["line-length"]
    assert template["lint"] == generated["lint"]
    assert template["target-version"] == "py" + min(choices("python_version")).replace(".", "")


def test_architecture_doc_lists_the_layers_as_they_are():
    doc = (ROOT / "docs" / "architecture.md").read_text()
    assert layers.table() in doc, "docs/architecture.md is stale: run `make docs`"
