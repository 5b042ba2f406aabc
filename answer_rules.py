"""The rules for the answers (stdlib only): one message per invalid answer, naming the field,
the value and the rule. local_extensions.py applies them while cookiecutter renders the answers,
in its own process and before any folder exists, so a bad answer stops with one line and leaves
nothing on disk. Answers are data here: nothing in them is evaluated.
"""

import keyword
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

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
    re.VERBOSE | re.IGNORECASE,
)
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
PACKAGE = re.compile(r"[a-z][a-z0-9_]*")


def read_taken_names(path: Path = HERE / "taken_names.txt") -> frozenset[str]:
    """The names in taken_names.txt: one a line, `#` starts a comment."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(name for line in lines if (name := line.split("#")[0].strip()))


# Import names of the generated project's dependencies, dev and build tools, and Hydra plugins:
# a package with one of these names would shadow the real module.
TAKEN = read_taken_names()


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


def slug_problem(slug: str) -> str | None:
    """project_slug becomes a folder name: cookiecutter creates it before any hook runs."""
    if not slug.strip():
        return "must not be empty"
    if slug in (".", ".."):
        return "must not be '.' or '..'"
    if "/" in slug or "\\" in slug:
        return "must be a folder name, without '/' or '\\'"
    if slug != slug.strip():
        return "must not start or end with a space"
    if not slug.isprintable():
        return "must not contain control characters"
    return None


def problems(answers: dict) -> list[str]:
    """One message per invalid answer, naming the field, the value and the rule."""
    found = []
    slug = answers["project_slug"]
    if (why := slug_problem(slug)) is not None:
        found.append(f"Invalid project_slug {slug!r}: it {why}.")
    name = answers["package_name"]
    if (why := package_name_problem(name)) is not None:
        found.append(f"Invalid package_name {name!r}: it {why}.")
    email = answers["author_email"]
    if not EMAIL.fullmatch(email):
        found.append(f"Invalid author_email {email!r}: it must look like name@example.com.")
    version = answers["version"]
    if not PEP440.fullmatch(version.strip()) or version != version.strip():
        found.append(f"Invalid version {version!r}: it must be a PEP 440 version such as 0.1.0.")
    return found
