"""stdlib_names.txt: the top-level module names of the standard library of every Python from the
lowest `python_version` on offer to the newest release that stdlib-list knows.

answer_rules.py refuses a package_name that is a standard-library module on any Python the
project supports (python_version and later). It runs inside cookiecutter's process with the
standard library only, and that Python may be older or newer than the project's, so the names
of the other Pythons come from this file, written once from the stdlib-list package (each
Python's module index) by `python -m devtools.stdlib_names`. tests/test_stdlib_names.py checks
the file against the stdlib-list that the `test` group installs.
"""

import json
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAMES = ROOT / "stdlib_names.txt"
HEADER = """\
# The standard library's top-level module names, one a line, with the Pythons whose standard
# library has it. answer_rules.py refuses a package_name listed here for a Python that the
# project supports (python_version and later). Written by `python -m devtools.stdlib_names` from
# {source}; do not edit by hand (tests/test_stdlib_names.py compares the two).
"""


def key(python: str) -> tuple[int, ...]:
    """A Python version as a tuple, for sorting and comparing: '3.10' -> (3, 10)."""
    return tuple(int(part) for part in python.split("."))


def pythons() -> list[str]:
    """The Pythons stdlib-list knows, from the lowest python_version that cookiecutter.json
    offers on, oldest first."""
    import stdlib_list

    prompts = json.loads((ROOT / "cookiecutter.json").read_text(encoding="utf-8"))
    lowest = min(prompts["python_version"], key=key)
    return sorted((v for v in stdlib_list.short_versions if key(v) >= key(lowest)), key=key)


def top_level_names(python: str) -> set[str]:
    """The top-level module names of one Python's standard library, as stdlib-list lists it."""
    import stdlib_list

    return {module.split(".")[0] for module in stdlib_list.stdlib_list(python)}


def text() -> str:
    """stdlib_names.txt as the installed stdlib-list gives it."""
    names_of = {python: top_level_names(python) for python in pythons()}
    lines = [HEADER.format(source=f"stdlib-list {version('stdlib-list')}")]
    for name in sorted(set().union(*names_of.values())):
        having = [python for python, names in names_of.items() if name in names]
        lines.append(" ".join([name, *having]) + "\n")
    return "".join(lines)


def main() -> None:
    NAMES.write_text(text(), encoding="utf-8")
    print(f"wrote {NAMES.relative_to(ROOT)} for Python {', '.join(pythons())}")


if __name__ == "__main__":
    main()
