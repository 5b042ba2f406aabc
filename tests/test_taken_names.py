"""taken_names.txt covers every import name that a generated project's dependencies, dev tools and
build tools bring: a package named after one of them would shadow it (the bake works, `train`
breaks). Two closures are checked. The installed one is walked through the metadata of this
environment, which `make test` fills with the generated projects' dependencies (the `test`
group). The lowest and the newest versions the pins allow, on every platform and Python, are
read from devtools/dependency_closure.json, which `python -m devtools.closure` resolves with uv
(network and minutes, so not here): the tests below fail when the template's pins no longer
match the requirements recorded there."""

import json
from importlib.metadata import (
    PackageNotFoundError,
    distribution,
    distributions,
    packages_distributions,
)

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from answer_rules import HERE, PACKAGE, PROMPTS, TAKEN, problems, read_taken_names
from devtools.closure import BAKES, RECORD, RESOLUTIONS, bake_name, pin_of, requirements_of
from devtools.compat import tomllib


def possible_package_name(name: str) -> bool:
    """Whether the rules would take `name` as package_name for some python_version on offer
    (the other rules refuse a leading '_', upper case, the standard library, ...)."""
    return any(
        not problems({"package_name": name, "python_version": python})
        for python in PROMPTS["python_version"]
    )


def distribution_closure(requirements: list[str]) -> set[str]:
    """Every installed distribution that `requirements` pull in, recursively, with their extras;
    markers are evaluated for this interpreter. A requirement not installed fails the test: the
    closure would be incomplete."""
    extras_of: dict[str, set[str]] = {}
    todo = [Requirement(text) for text in requirements]
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        if name in extras_of and set(requirement.extras) <= extras_of[name]:
            continue
        extras = extras_of[name] = extras_of.get(name, set()) | set(requirement.extras)
        try:
            requires = distribution(name).requires or []
        except PackageNotFoundError:
            pytest.fail(f"{name} is not installed: install the `test` group (make test does)")
        for text in requires:
            needed = Requirement(text)
            marker = needed.marker
            if marker is None or any(marker.evaluate({"extra": e}) for e in extras | {""}):
                todo.append(needed)
    return set(extras_of)


def import_names(distributions: set[str]) -> set[str]:
    """The top-level import names that `distributions` install."""
    return {
        name
        for name, owners in packages_distributions().items()
        if any(canonicalize_name(owner) in distributions for owner in owners)
    }


@pytest.fixture(scope="session")
def baked_requirements(bake) -> dict[str, list[str]]:
    """{bake: its requirements} for the answers of devtools.closure.BAKES: each framework with
    the default launcher (joblib) and search (optuna), the other launcher, each tracker, and
    mlflow without optuna."""
    found = {}
    for answers in BAKES:
        pyproject = (bake(**answers) / "pyproject.toml").read_text()
        found[bake_name(answers)] = requirements_of(tomllib.loads(pyproject))
    return found


@pytest.fixture(scope="session")
def closure_names(baked_requirements) -> set[str]:
    requirements = [text for listed in baked_requirements.values() for text in listed]
    return import_names(distribution_closure(requirements))


@pytest.fixture(scope="session")
def recorded() -> dict:
    """devtools/dependency_closure.json, read."""
    return json.loads(RECORD.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def recorded_names(recorded) -> set[str]:
    """The import names of every distribution of the recorded lowest and newest closures."""
    return set(" ".join(recorded["import_names"].values()).split())


def test_taken_names_cover_the_dependency_closure(closure_names):
    """Names the rules would let through (editable finders `__editable__...` and other names
    with a leading '_' are refused by the identifier rule) must all be in taken_names.txt."""
    assert {"hydra", "omegaconf", "torch", "lightning", "sklearn", "pytest"} <= closure_names
    missing = sorted(name for name in closure_names if possible_package_name(name))
    assert missing == [], f"add to taken_names.txt: {' '.join(missing)}"


def test_the_recorded_closures_are_those_of_the_template_s_pins(baked_requirements, recorded):
    """The record resolves the requirements that the template's pyproject.toml gives today."""
    assert recorded["bakes"] == baked_requirements, (
        "the generated projects' requirements changed: run `python -m devtools.closure`"
    )


def test_taken_names_cover_the_lowest_and_newest_closures(recorded_names):
    """Every import name of what the pins allow, oldest to newest, on every platform and
    Python (the record's), that the rules would let through is in taken_names.txt."""
    assert {"hydra", "torch", "sklearn", "greenlet", "tomli", "colorama"} <= recorded_names
    missing = sorted(name for name in recorded_names if possible_package_name(name))
    assert missing == [], f"add to taken_names.txt: {' '.join(missing)}"


def test_every_recorded_distribution_has_its_import_names(recorded):
    """Each resolution holds its strategy's pins, and each pin's names were read."""
    assert list(recorded["resolutions"]) == list(RESOLUTIONS)
    pins = {pin_of(line)[0] for lines in recorded["resolutions"].values() for line in lines}
    assert pins == set(recorded["import_names"])
    names = recorded["import_names"]
    assert names["torch==2.2.0"] == "functorch torch torchgen"
    assert {names[pin] for pin in names if pin.startswith("sqlalchemy==")} == {"sqlalchemy"}
    assert all("win32api" in names[pin] for pin in names if pin.startswith("pywin32=="))
    # a distribution without modules (a meta package such as cuda-toolkit) is the exception
    assert sum(not listed for listed in names.values()) < len(names) / 50
    lowest = {pin_of(line)[0] for line in recorded["resolutions"]["lowest"]}
    assert {"torch==2.2.0", "hydra-core==1.3.2", "pytest==8.0.0"} <= lowest  # the lower bounds


def test_recorded_import_names_agree_with_the_installed_metadata(recorded):
    """The record's names of a distribution installed here at the same version hold every
    name importlib.metadata finds for it: the same reading of the same files."""
    installed = {
        f"{canonicalize_name(dist.metadata['Name'])}=={dist.version}": dist.metadata["Name"]
        for dist in distributions()
    }
    owners = packages_distributions()
    compared = 0
    for pin, names in recorded["import_names"].items():
        if pin in installed:
            found = {n for n, dists in owners.items() if installed[pin] in dists and "." not in n}
            assert found <= set(names.split()), pin
            compared += 1
    assert compared >= 10  # much of the closures is what the `test` group installs, not all


def test_taken_names_file_is_sorted_and_holds_only_possible_package_names():
    lines = [line for line in (HERE / "taken_names.txt").read_text().splitlines()]
    names = [line.split("#")[0].strip() for line in lines if not line.startswith("#")]
    assert names == sorted(set(names)) and all(names)
    assert set(names) == TAKEN == read_taken_names()
    assert all(PACKAGE.fullmatch(name) for name in names)  # another rule refuses the others


def test_names_the_closures_miss_say_why(closure_names, recorded_names):
    """A name that neither closure holds is in the file by hand: its line says why."""
    for line in (HERE / "taken_names.txt").read_text().splitlines():
        name = line.split("#")[0].strip()
        if name and name not in closure_names | recorded_names:
            assert "#" in line, f"taken_names.txt: say why {name!r} is taken"
