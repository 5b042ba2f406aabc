"""Validate the answers before any file is written (stdlib only).

cookiecutter renders this file first: the answers arrive as one JSON document inside a raw
string, so quotes, backslashes and newlines in them are data, never code. A bad answer stops
generation with one line naming the field, the value and the rule; cookiecutter then removes
the project folder it had created. `project_slug` is checked earlier, by the `folder_name`
filter in local_extensions.py, because cookiecutter creates the folder before this hook runs.
"""

import json
import keyword
import re
import sys

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
PACKAGE = re.compile(r"[a-z_][a-z0-9_]*")

# Import names the generated project depends on or that tools treat specially: a package
# with one of these names would shadow the real module.
TAKEN = set(
    "hydra omegaconf torch lightning pytorch_lightning sklearn numpy scipy pandas joblib yaml"
    " colorlog matplotlib rich optuna mlflow wandb tensorboard submitit pytest setuptools pip"
    " src test tests conftest configs".split()
)


def package_name_problem(name: str) -> str | None:
    if not PACKAGE.fullmatch(name):
        return "must be a lower-case Python identifier (a-z, 0-9, '_'; no leading digit)"
    if keyword.iskeyword(name):
        return "is a Python keyword"
    if name in sys.stdlib_module_names:
        return "would shadow the standard-library module of that name"
    if name in TAKEN:
        return "would shadow a dependency or tool of the generated project"
    return None


def problems(answers: dict) -> list[str]:
    """One message per invalid answer, naming the field, the value and the rule."""
    found = []
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


def main() -> int:
    # ''' cannot occur inside: tojson writes every ' as \u0027
    answers = json.loads(r'''{{ cookiecutter | tojson }}''')  # fmt: skip
    found = problems(answers)
    if found:
        print(f"ERROR: {found[0]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
