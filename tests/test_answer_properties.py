"""Property-based tests (hypothesis): arbitrary text into every free-text and name prompt is
either refused with exactly one line naming the field, or every file that holds it still parses
(TOML, YAML, Python, JSON) and holds the value unchanged. Fast: each example renders only the
files that use the field, with cookiecutter's own Jinja environment and the template's
extensions; two real bakes follow."""

import ast
import json
import subprocess
import sys
from email.headerregistry import Address
from functools import cache
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, TEMPLATE, answers, cookiecutter_config
from cookiecutter.environment import StrictEnvironment
from hypothesis import example, given, settings
from hypothesis import strategies as st
from jinja2 import Environment, FileSystemLoader, Template
from packaging.requirements import Requirement

from answer_rules import EMAIL, problems
from devtools.compat import tomllib
from local_extensions import jinja_string

DEFAULTS = answers()
FREE_TEXT = ["project_name", "description", "author_name", "author_email"]
NAMES = ["project_slug", "package_name"]
HOOKS = ROOT / "hooks"

# Pieces that break one format or another when written unescaped, mixed with any character.
PIECES = ['"', "'", "\\", "'''", '"""', "{{", "}}", "{%", "#", ":", "${x}", "\n", "\r", "\t"]
PIECES += ["\x00", "\x7f", "\x85", "\u2028", "\u2029", "\u00a0", "\u202e", "\ufeff", "🚀", "日本"]
TEXT = st.text() | st.lists(st.sampled_from(PIECES) | st.characters(), max_size=30).map("".join)
QUICK = settings(max_examples=150, deadline=None)


@cache
def environment() -> StrictEnvironment:
    """cookiecutter's environment for generate_files (the template's extensions loaded through
    `_extensions`), its loader rooted at the project folder as it stands in the template."""
    return StrictEnvironment(
        context={"cookiecutter": DEFAULTS},
        keep_trailing_newline=True,
        loader=FileSystemLoader(str(TEMPLATE)),
    )


@cache
def templates_using(field: str) -> tuple[tuple[str, Template], ...]:
    """(file name, compiled template) for every template file that holds `field`: those that name
    it, and the hooks that embed every answer (`cookiecutter | tojson`)."""
    found = []
    for path in sorted(p for p in TEMPLATE.rglob("*") if p.is_file()):
        if f"cookiecutter.{field}" in path.read_text():
            name = path.relative_to(TEMPLATE).as_posix()
            found.append((name, environment().get_template(name)))
    for path in sorted(HOOKS.glob("*.py")):
        source = path.read_text()
        if f"cookiecutter.{field}" in source or "cookiecutter | tojson" in source:
            found.append((f"hooks/{path.name}", environment().from_string(source)))
    return tuple(found)


def strings_in(data) -> set[str]:
    """Every string in parsed data (dict keys and values, list items), recursively."""
    if isinstance(data, str):
        return {data}
    if isinstance(data, dict):
        return set().union(*(strings_in(k) | strings_in(v) for k, v in data.items()))
    if isinstance(data, list):
        return set().union(*(strings_in(item) for item in data))
    return set()


def python_strings(source: str, name: str) -> set[str]:
    """Every string literal of a Python file, and the strings of those that hold JSON."""
    found = set()
    for node in ast.walk(ast.parse(source, filename=name)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.add(node.value)
            try:
                found |= strings_in(json.loads(node.value))
            except ValueError:
                pass  # not JSON
    return found


def parsed_strings(name: str, text: str) -> set[str] | None:
    """The strings of a rendered file, parsed by its kind; None for plain text (Markdown, ...)."""
    if name.endswith(".toml"):
        return strings_in(tomllib.loads(text))
    if name.endswith((".yaml", ".yml")):
        return strings_in(yaml.safe_load(text))
    if name.endswith(".json"):
        return strings_in(json.loads(text))
    if name.endswith(".py"):
        compile(text, name, "exec")
        return python_strings(text, name)
    return None


def assert_refused_with_one_line(field: str, value, found: list[str]) -> None:
    assert len(found) == 1, found
    assert found[0].startswith(f"Invalid {field} {value!r}: it "), found
    assert len(found[0].splitlines()) == 1, found


def rendered(field: str, given: dict) -> list[tuple[str, str]]:
    files = [
        (name, template.render(cookiecutter=given)) for name, template in templates_using(field)
    ]
    assert files, f"no template file uses {field}"
    return files


@pytest.mark.parametrize("field", FREE_TEXT)
@QUICK
@given(value=TEXT)
@example(value="a\x7fb")
@example(value="line one\u2028line two")
@example(value="back\\slash ''' \"\"\" \\u0027 {{ x }} ${x} # : 🚀")
def test_free_text_is_refused_with_one_line_or_kept_in_every_file(field, value):
    given = {**DEFAULTS, field: value}
    found = problems(given)
    if found:
        assert_refused_with_one_line(field, value, found)
        return
    for name, text in rendered(field, given):
        strings = parsed_strings(name, text)
        if strings is None:
            assert value in text, name
        else:
            assert value in strings, name


@QUICK
@given(value=TEXT | st.from_regex(EMAIL, fullmatch=True))
@example(value="first.last+ml@sub.example.co.uk")
def test_accepted_email_is_read_back_unchanged_by_packaging_tools(value):
    """setuptools turns pyproject's authors into metadata with email.headerregistry.Address."""
    if problems({**DEFAULTS, "author_email": value}):
        return
    address = Address(display_name=DEFAULTS["author_name"], addr_spec=value)
    assert address.addr_spec == value


@QUICK
@given(value=TEXT)
def test_accepted_author_name_becomes_an_address_display_name(value):
    if problems({**DEFAULTS, "author_name": value}):
        return
    address = Address(display_name=value, addr_spec=DEFAULTS["author_email"])
    assert address.display_name == value


NAME_TEXT = TEXT | st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,70}", fullmatch=True)


@pytest.mark.parametrize("field", NAMES)
@QUICK
@given(value=NAME_TEXT)
@example(value="../x")
@example(value="a" * 65)
def test_name_is_refused_with_one_line_or_valid_where_it_is_used(field, value):
    given = {**DEFAULTS, field: value}
    found = problems(given)
    if found:
        assert_refused_with_one_line(field, value, found)
        return
    if field == "project_slug":
        assert Requirement(value).name == value  # a name pip reads as it is
    else:
        assert value.isidentifier() and value.isascii() and value == value.lower()
    for name, text in rendered(field, given):
        parsed_strings(name, text)  # parses


@QUICK
@given(value=TEXT)
def test_jinja_string_is_a_literal_of_the_text(value):
    """What preprocess gives Jinja in place of an answer that is not valid Jinja."""
    assert Environment().from_string("{{ " + jinja_string(value) + " }}").render() == value


# Two real bakes. Text that needs no Jinja escaping, given as key=value on the command line
# (cookiecutter renders such answers as Jinja), in every free-text field at once.
NASTY = "Ünï \"q\" 'single' ''' \"\"\" back\\slash \\u0027 # : ${x} {curly} 🚀 日本\u00a0x"


def test_nasty_free_text_round_trips_through_the_command_line(tmp_path):
    config = cookiecutter_config(tmp_path / "cookiecutter")
    given = {"project_name": NASTY, "description": NASTY, "author_name": NASTY}
    arguments = [f"{field}={value}" for field, value in given.items()]
    done = subprocess.run(
        [sys.executable, "-m", "cookiecutter", "--no-input", "--config-file", config, ROOT]
        + [*arguments, "project_slug=nasty", "author_email=o'brien+ml@example.co.uk"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    project = tmp_path / "nasty"
    metadata = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert metadata["description"] == NASTY
    assert metadata["authors"] == [{"name": NASTY, "email": "o'brien+ml@example.co.uk"}]
    assert (project / "README.md").read_text().startswith(f"# {NASTY}\n\n{NASTY}\n")
    assert NASTY in (project / "LICENSE").read_text()
    author = subprocess.run(
        ["git", "log", "--format=%an"], cwd=project, capture_output=True, text=True, check=True
    )
    assert author.stdout == NASTY + "\n"


def test_replayed_text_that_looks_like_jinja_is_kept_as_written(tmp_path):
    """A replay file's answers are not rendered (nor are answers typed at the prompt): text that
    cookiecutter would evaluate as key=value is kept as written."""
    config = cookiecutter_config(tmp_path / "cookiecutter")
    looks_like_jinja = "{{ 7*7 }} a{{b {% if %} {# c"
    replay = tmp_path / "replay.json"
    written = {**DEFAULTS, "description": looks_like_jinja, "init_git": False}
    replay.write_text(json.dumps({"cookiecutter": written}))
    done = subprocess.run(
        [sys.executable, "-m", "cookiecutter", "--replay-file", replay, "--config-file", config]
        + [ROOT],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    pyproject = tomllib.loads((tmp_path / "my-project" / "pyproject.toml").read_text())
    assert pyproject["project"]["description"] == looks_like_jinja
    assert Path(tmp_path / "my-project" / "src" / "my_project" / "train.py").is_file()
