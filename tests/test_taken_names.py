"""taken_names.txt covers every import name that a generated project's dependencies, dev tools and
build tools bring: a package named after one of them would shadow it (the bake works, `train`
breaks). The closure is walked through the installed metadata of this environment, which
`make test` fills with the generated projects' dependencies (the `test` group)."""

from importlib.metadata import PackageNotFoundError, distribution, packages_distributions

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from answer_rules import HERE, PACKAGE, TAKEN, package_name_problem, read_taken_names
from devtools.compat import tomllib

FRAMEWORKS = ["pytorch", "lightning", "sklearn"]


def project_requirements(pyproject: dict) -> list[str]:
    """What installing a baked project with its dev tools pulls in: dependencies, the `dev`
    extra and the build backend."""
    project = pyproject["project"]
    return [
        *project["dependencies"],
        *project["optional-dependencies"]["dev"],
        *pyproject["build-system"]["requires"],
    ]


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
def closure_names(bake) -> set[str]:
    requirements = []
    # each framework with the default launcher (joblib) and search (optuna), the other launcher
    # and each tracker
    bakes = [{"framework": framework} for framework in FRAMEWORKS] + [{"launcher": "slurm"}]
    bakes += [{"tracker": tracker} for tracker in ("tensorboard", "mlflow", "wandb")]
    for answers in bakes:
        pyproject = (bake(**answers) / "pyproject.toml").read_text()
        requirements += project_requirements(tomllib.loads(pyproject))
    return import_names(distribution_closure(requirements))


def test_taken_names_cover_the_dependency_closure(closure_names):
    """Names the rules would let through (editable finders `__editable__...` and other names
    with a leading '_' are refused by the identifier rule) must all be in taken_names.txt."""
    assert {"hydra", "omegaconf", "torch", "lightning", "sklearn", "pytest"} <= closure_names
    missing = sorted(name for name in closure_names if package_name_problem(name) is None)
    assert missing == [], f"add to taken_names.txt: {' '.join(missing)}"


def test_taken_names_file_is_sorted_and_holds_only_possible_package_names():
    lines = [line for line in (HERE / "taken_names.txt").read_text().splitlines()]
    names = [line.split("#")[0].strip() for line in lines if not line.startswith("#")]
    assert names == sorted(set(names)) and all(names)
    assert set(names) == TAKEN == read_taken_names()
    assert all(PACKAGE.fullmatch(name) for name in names)  # another rule refuses the others


def test_names_the_closure_misses_say_why(closure_names):
    """A name the walk above does not find is in the file by hand: its line says why."""
    for line in (HERE / "taken_names.txt").read_text().splitlines():
        name = line.split("#")[0].strip()
        if name and name not in closure_names:
            assert "#" in line, f"taken_names.txt: say why {name!r} is taken"
