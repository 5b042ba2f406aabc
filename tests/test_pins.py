"""Every pin says why. A requirement with an upper bound or an exact version (<, <=, ==, ~=, !=,
===) in the template's pyproject.toml, or in a generated one (every Jinja branch of it baked),
has a comment after it on its line, or in the comment lines right above it naming the package;
both Makefiles' exact torch has a comment above it. Plain lower bounds need none: each file says
once, at the top of its list, what they are."""

import re

import pytest
from conftest import ROOT, TEMPLATE
from packaging.requirements import InvalidRequirement, Requirement

from devtools.compat import tomllib

PIN_OPERATORS = {"<", "<=", "==", "~=", "!=", "==="}

# Answers whose generated pyproject.toml files, together, hold every requirement line of the
# template's (test_the_bakes_below_hold_every_requirement_of_the_template checks it).
BRANCHES = [
    {},  # pytorch, joblib, optuna, csv
    {"framework": "sklearn", "launcher": "slurm", "tracker": "tensorboard", "license": "none"},
    {"framework": "lightning", "launcher": "basic", "hparam_search": "none", "tracker": "mlflow"},
    {"tracker": "mlflow"},  # beside optuna: held below 3.17
    {"tracker": "wandb"},
]


def requirements(pyproject: dict) -> list[str]:
    """Every requirement of a pyproject.toml: build system, dependencies, extras and groups."""
    found = list(pyproject.get("build-system", {}).get("requires", []))
    project = pyproject.get("project", {})
    found += project.get("dependencies", [])
    for extra in project.get("optional-dependencies", {}).values():
        found += extra
    for group in pyproject.get("dependency-groups", {}).values():
        found += [item for item in group if isinstance(item, str)]  # not {include-group = ...}
    return found


def is_pin(requirement: str) -> bool:
    return any(spec.operator in PIN_OPERATORS for spec in Requirement(requirement).specifier)


def words(text: str) -> str:
    """Lower case, with runs of '-', '_' and '.' as one '-': package names compare as in PEP 503."""
    return re.sub(r"[-_.]+", "-", text.lower())


def comments_above(lines: list[str], index: int) -> str:
    """The comment lines right above lines[index], joined."""
    above = []
    while index > 0 and lines[index - 1].lstrip().startswith("#"):
        index -= 1
        above.append(lines[index])
    return "\n".join(above)


def unexplained_pins(text: str) -> list[str]:
    """The pins of a pyproject.toml's text that carry no reason: no comment after them on their
    line, and none right above them that names the package."""
    lines = text.splitlines()
    missing = []
    for requirement in filter(is_pin, requirements(tomllib.loads(text))):
        quoted = re.compile(r"""(["'])""" + re.escape(requirement) + r"\1")
        name = words(Requirement(requirement).name)
        for index, line in enumerate(lines):
            if (found := quoted.search(line)) is None:
                continue
            if "#" not in line[found.end() :] and name not in words(comments_above(lines, index)):
                missing.append(requirement)
    return missing


def test_an_unexplained_pin_is_found():
    text = "\n".join(
        [
            "[project]",
            "dependencies = [",
            '    "a<2",',
            '    "b==1",  # why',
            "    # c 3 breaks the thing",
            '    "c<3",',
            "    # a comment about something else",
            '    "d!=2",',
            '    "e>=1",',
            "    \"f; python_version < '3.11'\",",  # a marker, not a pin
            "]",
            "[dependency-groups]",
            'dev = [{ include-group = "x" }, "g~=1.0"]',
        ]
    )
    assert unexplained_pins(text) == ["a<2", "d!=2", "g~=1.0"]


def test_the_templates_own_pins_say_why():
    assert unexplained_pins((ROOT / "pyproject.toml").read_text()) == []


@pytest.mark.parametrize("answers", BRANCHES, ids=lambda answers: "-".join(answers.values()))
def test_a_generated_projects_pins_say_why(bake, answers):
    assert unexplained_pins((bake(**answers) / "pyproject.toml").read_text()) == []


def test_the_bakes_below_hold_every_requirement_of_the_template(bake):
    """A requirement line added under a new Jinja branch must be baked by BRANCHES above."""
    template = set()
    for line in (TEMPLATE / "pyproject.toml").read_text().splitlines():
        if quoted := re.match(r'\s*"([^"{}]+)",', line):
            try:
                template.add(str(Requirement(quoted[1])))
            except InvalidRequirement:  # filterwarnings' entries are strings in a list too
                continue
    baked = set()
    for answers in BRANCHES:
        pyproject = tomllib.loads((bake(**answers) / "pyproject.toml").read_text())
        baked |= {str(Requirement(text)) for text in requirements(pyproject)}
    assert template, "no requirement found in the template's pyproject.toml"
    assert template <= baked, f"bake these too: {sorted(template - baked)}"


@pytest.mark.parametrize("where", ["template", "generated"])
def test_the_makefiles_torch_says_why(default_project, where):
    makefile = (ROOT if where == "template" else default_project) / "Makefile"
    lines = makefile.read_text().splitlines()
    (index,) = [i for i, line in enumerate(lines) if re.match(r"TORCH \?= torch==", line)]
    assert comments_above(lines, index), lines[index]
