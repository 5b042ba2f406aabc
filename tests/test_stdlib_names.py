"""stdlib_names.txt, which answer_rules.py reads to refuse a package_name that is a
standard-library module on a Python the project supports, is what the stdlib-list package (each
Python's module index; the `test` group installs it) says, for every Python from the lowest
python_version on offer to the newest release it knows (3.14 included)."""

import json

import stdlib_list

from answer_rules import HERE, STDLIB, python_key, read_stdlib_names
from devtools import stdlib_names


def test_the_file_is_what_stdlib_list_gives():
    """`python -m devtools.stdlib_names` rewrites it after stdlib-list is updated."""
    assert (HERE / "stdlib_names.txt").read_text(encoding="utf-8") == stdlib_names.text()


def test_the_file_covers_every_python_a_project_supports():
    """Every python_version on offer and every later Python that stdlib-list knows."""
    offered = json.loads((HERE / "cookiecutter.json").read_text())["python_version"]
    newest = max(stdlib_list.short_versions, key=python_key)
    assert set(offered) <= set(STDLIB)
    assert max(STDLIB, key=python_key) == newest and python_key(newest) >= (3, 14)
    assert list(STDLIB) == sorted(STDLIB, key=python_key) == stdlib_names.pythons()


def test_the_rules_read_each_python_s_names_as_stdlib_list_lists_them():
    for python, names in read_stdlib_names().items():
        assert names == {module.split(".")[0] for module in stdlib_list.stdlib_list(python)}
    assert "tomllib" not in STDLIB["3.10"] and "tomllib" in STDLIB["3.11"]
    assert {"annotationlib", "compression"} <= STDLIB["3.14"] - STDLIB["3.13"]
    assert "asynchat" in STDLIB["3.11"] and "asynchat" not in STDLIB["3.12"]
