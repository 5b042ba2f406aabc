"""The rules for the answers (stdlib only): one message per invalid answer, naming the field,
the value and the rule. local_extensions.py applies them while cookiecutter renders the answers
and again just before it creates the project folder, in its own process, so a bad answer stops
with one line and leaves nothing on disk. Answers are data here: nothing in them is evaluated.
docs/reliability.md lists what the rules guarantee and the tests that check it.
"""

import json
import keyword
import re
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
# the prompts: choice answers must be among the choices offered here (a replay file skips
# cookiecutter's own check of them)
PROMPTS = json.loads((HERE / "cookiecutter.json").read_text(encoding="utf-8"))

# The longest answers accepted, in characters. Names: far below the 255-byte file-name limit of
# common file systems, with room for `<slug>-evaluate`. Free text: a title, a one-line summary
# (PyPI shows one line; its hard limit is 512), a person's name, an address (RFC 5321: 254).
MAX_LENGTH = {
    "project_name": 100,
    "project_slug": 64,
    "package_name": 64,
    "description": 200,
    "author_name": 100,
    "author_email": 254,
    "version": 64,
}

# PEP 440, appendix B (the canonical public version regex).
PEP440 = re.compile(
    r"""
    v?
    (?:(?P<epoch>[0-9]+)!)?
    (?P<release>[0-9]+(?:\.[0-9]+)*)
    (?P<pre>[-_.]?(?P<pre_l>a|b|c|rc|alpha|beta|pre|preview)[-_.]?(?P<pre_n>[0-9]+)?)?
    (?P<post>(?:-(?P<post_n1>[0-9]+))|(?:[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>[0-9]+)?))?
    (?P<dev>[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>[0-9]+)?)?
    (?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?
    """,
    re.VERBOSE | re.IGNORECASE | re.ASCII,  # ASCII: no 'ſ' for 's', no 'K' (Kelvin) for 'k'
)
# PEP 508 names (pip and PyPI accept nothing else); ASCII only, so also a portable folder name
DISTRIBUTION = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
PACKAGE = re.compile(r"[a-z][a-z0-9_]*")
# name@domain.tld in the plain form that packaging tools parse back unchanged (setuptools reads
# pyproject's authors with email.headerregistry.Address): a dot-separated local part of ASCII
# letters, digits and _ % + ' -, then domain labels of letters, digits and inner hyphens
LOCAL_PART = r"[A-Za-z0-9_%+'-]+(?:\.[A-Za-z0-9_%+'-]+)*"
LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
EMAIL = re.compile(rf"{LOCAL_PART}@{LABEL}(?:\.{LABEL})+")

# What a character that is not printable text is, by Unicode category: the characters that
# str.isprintable() refuses, less the spaces (no-break, ideographic, ...), which are harmless.
NOT_TEXT = {
    "Cc": "a control character",
    "Cf": "an invisible format character",
    "Cs": "a surrogate",
    "Co": "a private-use character",
    "Cn": "an unassigned code point",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
}


def read_taken_names(path: Path = HERE / "taken_names.txt") -> frozenset[str]:
    """The names in taken_names.txt: one a line, `#` starts a comment."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(name for line in lines if (name := line.split("#")[0].strip()))


# Import names of the generated project's dependencies, dev and build tools, and Hydra plugins:
# a package with one of these names would shadow the real module.
TAKEN = read_taken_names()


def python_key(python: str) -> tuple[int, ...]:
    """A Python version as a tuple, for sorting and comparing: '3.10' -> (3, 10)."""
    return tuple(int(part) for part in python.split("."))


def read_stdlib_names(path: Path = HERE / "stdlib_names.txt") -> dict[str, frozenset[str]]:
    """{Python version: its standard library's top-level module names}, from stdlib_names.txt
    (`name version version ...` a line, `#` starts a comment), oldest Python first."""
    names_of: dict[str, set[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, *pythons = line.split("#")[0].split() or [""]
        for python in pythons:
            names_of.setdefault(python, set()).add(name)
    return {python: frozenset(names_of[python]) for python in sorted(names_of, key=python_key)}


# The standard library of each Python from the lowest python_version on offer to the newest
# release known (devtools/stdlib_names.py writes the file from the stdlib-list package), and the
# Python running cookiecutter, which knows its own modules best, even when it is newer.
RUNNING_PYTHON = "{}.{}".format(*sys.version_info[:2])
STDLIB = read_stdlib_names()

# Names Windows gives to devices: no file or folder can have one, in any case, even followed by
# an extension (`nul.txt` is NUL). Microsoft's "Naming Files, Paths, and Namespaces" lists them,
# the superscript digits too.
WINDOWS_DEVICES = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"{port}{digit}" for port in ("COM", "LPT") for digit in "0123456789\u00b9\u00b2\u00b3"]
)


def not_text(value: str) -> str | None:
    """'U+XXXX, <what it is>' for the first character that is not printable text, else None."""
    for char in value:
        what = NOT_TEXT.get(unicodedata.category(char))
        if what is not None:
            return f"U+{ord(char):04X}, {what}"
    return None


def free_text_problem(value: str) -> str | None:
    """Text written into pyproject.toml, the README, the LICENSE and the first git commit."""
    if not value.strip():
        return "must not be empty"
    if (found := not_text(value)) is not None:
        return f"must be one line of printable text (it holds {found})"
    return None


def email_problem(email: str) -> str | None:
    if (found := not_text(email)) is not None:
        return f"must be one line of printable text (it holds {found})"
    if not EMAIL.fullmatch(email):
        return (
            "must look like name@example.com (ASCII letters, digits and . _ % + ' - before"
            " the @; letters, digits, '-' and at least one '.' after it)"
        )
    return None


def windows_device_problem(name: str) -> str | None:
    """A name that becomes a file or folder must not be one of Windows' device names, which
    it takes for the device (CON, NUL, COM1, ...) whatever the case and whatever follows the
    first dot."""
    if name.split(".")[0].upper() in WINDOWS_DEVICES:
        return (
            "is a device name on Windows (CON, PRN, AUX, NUL, COM0-COM9, LPT0-LPT9, in any case,"
            " also before an extension), which no file or folder can have there"
        )
    return None


def slug_problem(slug: str) -> str | None:
    """project_slug is the folder name (cookiecutter creates it) and the distribution name."""
    if not DISTRIBUTION.fullmatch(slug):
        return (
            "must be a distribution name: ASCII letters, digits, '.', '_' and '-', starting"
            " and ending with a letter or digit (PEP 508)"
        )
    return windows_device_problem(slug)


def package_name_problem(name: str) -> str | None:
    """package_name is the import name and the folder `src/<package_name>/`. The standard
    library is checked against python_version, in `stdlib_problem`."""
    if not PACKAGE.fullmatch(name):
        return "must be a lower-case Python identifier that starts with a letter (a-z, 0-9, '_')"
    if keyword.iskeyword(name):
        return "is a Python keyword"
    if name in TAKEN:
        return "would shadow a dependency or tool of the generated project (taken_names.txt)"
    return windows_device_problem(name)


def stdlib_pythons(name: str, python_version: str) -> list[str]:
    """The Pythons from `python_version` on (those of stdlib_names.txt, and the one running
    cookiecutter) whose standard library has a top-level module `name`."""
    names_of = {python: set(names) for python, names in STDLIB.items()}
    names_of.setdefault(RUNNING_PYTHON, set()).update(sys.stdlib_module_names)
    lowest = python_key(python_version)
    return [
        python
        for python in sorted(names_of, key=python_key)
        if python_key(python) >= lowest and name in names_of[python]
    ]


def stdlib_problem(name: str, python_version: str) -> str | None:
    """A package named after a standard-library module shadows it on every Python that has
    one (`import tomllib` in a dependency would import the project): every Python the project
    supports is checked, not only the one running cookiecutter."""
    pythons = ", ".join(stdlib_pythons(name, python_version))
    if pythons:
        return f"would shadow the standard-library module of that name on Python {pythons}"
    return None


def version_problem(version: str) -> str | None:
    if not PEP440.fullmatch(version):
        return "must be a PEP 440 version such as 0.1.0"
    return None


def text_rule(rule):
    """`rule` for one text field, after the checks every text answer gets: a string (a replay
    file can hold anything JSON holds) no longer than its field's MAX_LENGTH."""

    def check(field: str, value) -> str | None:
        if not isinstance(value, str):
            return "must be text"
        if len(value) > MAX_LENGTH[field]:
            return f"must be at most {MAX_LENGTH[field]} characters long (it has {len(value)})"
        return rule(value)

    return check


def choice_problem(field: str, value) -> str | None:
    """Choice prompts offer a list in cookiecutter.json, boolean ones true or false."""
    offered = PROMPTS[field]
    if isinstance(offered, bool):
        return None if isinstance(value, bool) else "must be true or false"
    if value not in offered:
        return "must be one of " + ", ".join(repr(choice) for choice in offered)
    return None


# Every prompt of cookiecutter.json and its rule, in the order of the prompts.
RULES = {
    "project_name": text_rule(free_text_problem),
    "project_slug": text_rule(slug_problem),
    "package_name": text_rule(package_name_problem),
    "description": text_rule(free_text_problem),
    "author_name": text_rule(free_text_problem),
    "author_email": text_rule(email_problem),
    "version": text_rule(version_problem),
    "python_version": choice_problem,
    "framework": choice_problem,
    "launcher": choice_problem,
    "hparam_search": choice_problem,
    "tracker": choice_problem,
    "license": choice_problem,
    "ci": choice_problem,
    "pre_commit": choice_problem,
    "docker": choice_problem,
    "init_git": choice_problem,
}


def stdlib_answer_problem(answers: dict, wrong: set[str]) -> str | None:
    """package_name against the standard library of every Python from python_version on, once
    both answers have passed their own rules (`wrong`: the fields that have not)."""
    fields = ("package_name", "python_version")
    if any(field not in answers or field in wrong for field in fields):
        return None
    name = answers["package_name"]
    why = stdlib_problem(name, answers["python_version"])
    return None if why is None else f"Invalid package_name {name!r}: it {why}."


# the framework layers: which files each framework's projects get
FRAMEWORK_LAYERS = HERE / "{{cookiecutter.project_slug}}" / "_layers" / "framework"


def framework_files() -> dict[str, list[str]]:
    """{a framework layer's file, as a glob pattern in a project: the frameworks that get it},
    read from the layer folders (`pytorch+lightning` serves both), the package folder as `*`."""
    owners: dict[str, list[str]] = {}
    for layer in sorted(FRAMEWORK_LAYERS.iterdir()):
        for path in sorted(p for p in layer.rglob("*") if p.is_file()):
            relative = path.relative_to(layer).as_posix()
            pattern = relative.replace("{{cookiecutter.package_name}}", "*")
            owners.setdefault(pattern, []).extend(layer.name.split("+"))
    return owners


def framework_problem(project: Path, framework: str) -> str | None:
    """A project folder that exists already (`cookiecutter -f`) must not hold a file that only
    other frameworks' layers give (`lit_module.py`, `loaders.py`, `configs/model/
    random_forest.yaml`, ...): the hook keeps the files that are there, so the project would mix
    two frameworks' code and break."""
    for pattern, owners in framework_files().items():
        if framework in owners:
            continue
        found = sorted(path for path in project.glob(pattern) if path.is_file())
        if found:
            return (
                f"Refusing framework={framework} over {project}: it holds "
                f"{found[0].relative_to(project).as_posix()}, a file of "
                f"{' and '.join(owners)} projects only, and the frameworks would mix; "
                "bake into a new folder instead."
            )
    return None


def folder_problem(answers: dict) -> str | None:
    """A project folder that exists already (`cookiecutter -f`) must not hold a `_layers/`
    folder: the post-generation hook lays the template's layers from that folder, then deletes
    it; nor another framework's files (framework_problem). Checked once cookiecutter knows the
    output folder (`_output_dir`), before it writes."""
    output_dir = answers.get("_output_dir")
    if output_dir is None:
        return None
    project = Path(output_dir) / answers["project_slug"]
    layers = project / "_layers"
    if layers.exists():
        return (
            f"{layers} is in the way: this template lays its options out of a folder of that "
            "name and then deletes it; move it elsewhere first."
        )
    return framework_problem(project, answers["framework"])


def problems(answers: dict) -> list[str]:
    """One message per invalid answer, naming the field, the value and the rule. An answer not
    given is not checked: cookiecutter asks every prompt before the checks run. package_name
    is checked against the standard library of python_version and later once both pass their
    own rules. With valid answers, the project folder is checked too (folder_problem)."""
    found, wrong = [], set()
    for field, rule in RULES.items():
        if field in answers and (why := rule(field, answers[field])) is not None:
            found.append(f"Invalid {field} {answers[field]!r}: it {why}.")
            wrong.add(field)
    if (why := stdlib_answer_problem(answers, wrong)) is not None:
        found.append(why)
    if not found and (why := folder_problem(answers)) is not None:
        found.append(why)
    return found
