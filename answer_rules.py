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


def slug_problem(slug: str) -> str | None:
    """project_slug is the folder name (cookiecutter creates it) and the distribution name."""
    if not DISTRIBUTION.fullmatch(slug):
        return (
            "must be a distribution name: ASCII letters, digits, '.', '_' and '-', starting"
            " and ending with a letter or digit (PEP 508)"
        )
    return None


def package_name_problem(name: str) -> str | None:
    if not PACKAGE.fullmatch(name):
        return "must be a lower-case Python identifier that starts with a letter (a-z, 0-9, '_')"
    if keyword.iskeyword(name):
        return "is a Python keyword"
    if name in sys.stdlib_module_names:
        return "would shadow the standard-library module of that name"
    if name in TAKEN:
        return "would shadow a dependency or tool of the generated project (taken_names.txt)"
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


def folder_problem(answers: dict) -> str | None:
    """A project folder that exists already (`cookiecutter -f`) must not hold a `_layers/`
    folder: the post-generation hook lays the template's layers from that folder, then deletes
    it. Checked once cookiecutter knows the output folder (`_output_dir`), before it writes."""
    output_dir = answers.get("_output_dir")
    if output_dir is None:
        return None
    layers = Path(output_dir) / answers["project_slug"] / "_layers"
    if layers.exists():
        return (
            f"{layers} is in the way: this template lays its options out of a folder of that "
            "name and then deletes it; move it elsewhere first."
        )
    return None


def problems(answers: dict) -> list[str]:
    """One message per invalid answer, naming the field, the value and the rule. An answer not
    given is not checked: cookiecutter asks every prompt before the checks run. With valid
    answers, the project folder is checked too (folder_problem)."""
    found = []
    for field, rule in RULES.items():
        if field in answers and (why := rule(field, answers[field])) is not None:
            found.append(f"Invalid {field} {answers[field]!r}: it {why}.")
    if not found and (why := folder_problem(answers)) is not None:
        found.append(why)
    return found
