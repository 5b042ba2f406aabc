"""`make mutation`: mutmut over each framework's generated package; writes docs/mutation.md.

Usage: python -m devtools.mutation [--frameworks pytorch lightning sklearn]

Each framework is baked into build/mutation/<framework>/ and installed (editable) into a venv that
sees this environment's packages; `mutmut run` mutates the package's functions one at a time and
runs the tests that reach each one. A mutant is killed when a test fails. The report gives the
score per module and every mutant that survived, with its diff and, where
devtools/mutation_notes.toml explains it, why no test can kill it (an equivalent mutant).
Not part of `make test`: a full run takes about 15 minutes on 2 cores.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
from collections import Counter
from pathlib import Path

from cookiecutter.main import cookiecutter

from devtools.compat import tomllib
from devtools.venv import make_venv, pip_install

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "build" / "mutation"
NOTES = Path(__file__).with_name("mutation_notes.toml")
FRAMEWORKS = ["pytorch", "lightning", "sklearn"]
PACKAGE = "my_project"
# the modules that hold logic, held to the goal; the others are reported too
LOGIC = {"train", "evaluate", "predict", "engine", "data", "paths", "results"}
LOGIC |= {"checkpoints", "errors", "run_folder", "config_schemas"}  # safety (docs/reliability.md)
LOGIC |= {"record", "tracking", "summary", "curves"}  # what a run leaves behind
GOAL = 0.80
# mutmut's statuses that mean a test caught the mutant (a timeout: the mutant hung the tests)
CAUGHT = {"killed", "timeout"}
# mutmut's settings, added to the baked project's pyproject.toml (the template does not ship them)
MUTMUT_SETTINGS = f"""
[tool.mutmut]
source_paths = ["src/{PACKAGE}"]
pytest_add_cli_args_test_selection = ["tests/"]
# the tests marked slow start other processes (joblib workers, torchrun, submitit) that import
# the package without mutmut's set-up and fail there, whatever the mutant
pytest_add_cli_args = ["-m", "not slow"]
"""
# mutmut runs, for each mutant, the tests that called the mutated function. A session fixture
# (one training run that several tests read) runs during the first test that asks for it, so
# mutmut would credit that test alone and never run the others against the mutant. Added to the
# baked project's tests/conftest.py: every test runs the project's session fixtures afresh.
FRESH_SESSION_FIXTURES = """

@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):  # added by devtools/mutation.py for mutmut's test selection
    for fixturedefs in item._fixtureinfo.name2fixturedefs.values():
        for fixturedef in fixturedefs:
            if fixturedef.scope == "session" and fixturedef.func.__module__ == "conftest":
                fixturedef.finish(item._request)  # forget the value: the next use runs it again
"""


def prepare(framework: str) -> tuple[Path, Path]:
    """A fresh bake of `framework` with mutmut's settings, installed editable: (project, python).
    Editable, so that tests which start `python -m <package>...` run the same source."""
    where = WORK / framework
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    project = Path(
        cookiecutter(
            str(ROOT),
            no_input=True,
            output_dir=str(where),
            extra_context={"framework": framework, "init_git": False},
        )
    )
    with open(project / "pyproject.toml", "a") as pyproject:
        pyproject.write(MUTMUT_SETTINGS)
    with open(project / "tests" / "conftest.py", "a") as conftest:
        conftest.write(FRESH_SESSION_FIXTURES)
    venv = make_venv(where / "venv")
    pip_install(venv, "--no-deps", "-e", str(project))
    return project, venv / "bin" / "python"


def mutmut(python: Path, project: Path, *args: str) -> str:
    # torch's OpenMP threads do not survive mutmut's fork: one thread, or mutants hang
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [python, "-m", "mutmut", *args], cwd=project, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"mutmut {' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr}")
    return done.stdout


def run(framework: str) -> dict:
    """Mutate one framework's package: the status counts per module, and the survivors."""
    project, python = prepare(framework)
    mutmut(python, project, "run", "--max-children", str(os.cpu_count() or 2))
    statuses = {}
    for line in mutmut(python, project, "results", "--all", "true").splitlines():
        key, _, status = line.strip().partition(": ")
        if key.startswith(f"{PACKAGE}."):
            statuses[key] = status
    modules: dict[str, Counter] = {}
    for key, status in statuses.items():
        module = key.removeprefix(f"{PACKAGE}.").split(".")[0]
        modules.setdefault(module, Counter())[status] += 1
    survivors = [
        {"mutant": key, "status": status, "diff": diff(mutmut(python, project, "show", key))}
        for key, status in sorted(statuses.items())
        if status not in CAUGHT
    ]
    return {"modules": {name: dict(count) for name, count in sorted(modules.items())},
            "survivors": survivors}  # fmt: skip


def diff(shown: str) -> str:
    """The changed lines of `mutmut show`'s unified diff."""
    lines = shown.splitlines()
    return "\n".join(
        line for line in lines if line[:1] in "+-" and not line.startswith(("+++", "---"))
    )


def score(counts: dict) -> tuple[int, int]:
    return sum(n for status, n in counts.items() if status in CAUGHT), sum(counts.values())


def equivalent(notes: dict, framework: str, mutant: str) -> str | None:
    """Why `mutant` cannot be killed, from devtools/mutation_notes.toml (None: it can)."""
    reason = notes.get(framework, {}).get(mutant) or notes["all"].get(mutant)
    return notes["reasons"][reason] if reason else None


def report(results: dict, notes: dict) -> str:
    lines = [
        "# Mutation testing",
        "",
        "Written by `make mutation` (`devtools/mutation.py`, mutmut "
        f"{results['mutmut']}); do not edit by hand. {results['machine']}.",
        "",
        "mutmut changes one thing in a function of the generated package (an operator, a",
        "constant, a call's argument) and runs the tests that reach that function: the mutant is",
        "killed when a test fails. The score is the share of mutants killed. mutmut mutates",
        "function bodies only (not module-level code, and not functions under a decorator such",
        "as `main` under `@hydra.main`, which the generated tests run through `train`/`evaluate`",
        "and the command line). For these runs the generated tests' session fixtures (one",
        "training run that several tests read) run afresh in every test, so that mutmut runs",
        "each of those tests against the mutants of the code the run calls.",
        "",
        f"Goal: >= {GOAL:.0%} killed in each module that holds logic ("
        + ", ".join(f"`{m}`" for m in sorted(LOGIC))
        + ").",
        "",
        "| framework | module | killed | mutants | score | goal |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for framework, result in results["frameworks"].items():
        for module, counts in result["modules"].items():
            killed, total = score(counts)
            verdict = "-"
            if module in LOGIC:
                verdict = "yes" if killed >= GOAL * total else "**no**"
            lines.append(
                f"| {framework} | `{module}` | {killed} | {total} | {killed / total:.0%} | "
                f"{verdict} |"
            )
    lines += [
        "",
        "## Mutants that survive",
        "",
        "Each one with its change and the reason no test here can kill it: it behaves like the",
        "original for every input the code can get (an *equivalent* mutant), or differs only",
        "where these tests do not run (Windows line endings, a GPU). A mutant marked *not yet",
        "killed* is a gap in the tests.",
        "",
    ]
    for framework, result in results["frameworks"].items():
        lines += [f"### {framework}", ""]
        if not result["survivors"]:
            lines += ["None.", ""]
        for survivor in result["survivors"]:
            name = survivor["mutant"]
            why = equivalent(notes, framework, name)
            kind = why if why else f"**{survivor['status']}**: not yet killed"
            lines += [f"- `{name}`: {kind}", "", "  ```diff"]
            lines += [f"  {line}" for line in survivor["diff"].splitlines()]
            lines += ["  ```", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frameworks", nargs="+", default=FRAMEWORKS, choices=FRAMEWORKS)
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="rewrite docs/mutation.md from docs/mutation.json with the current notes",
    )
    args = parser.parse_args()
    notes = tomllib.loads(NOTES.read_text())
    if args.report_only:
        results = json.loads((ROOT / "docs" / "mutation.json").read_text())
        args.frameworks = list(results["frameworks"])
    else:
        results = run_all(args.frameworks)
    (ROOT / "docs" / "mutation.md").write_text(report(results, notes))
    print("wrote docs/mutation.md")
    survivors = {
        (framework, survivor["mutant"])
        for framework, result in results["frameworks"].items()
        for survivor in result["survivors"]
    }
    for framework in args.frameworks:
        for mutant in {**notes["all"], **notes.get(framework, {})}:
            if (framework, mutant) not in survivors:
                print(f"{framework}: {mutant} is killed now; drop it from {NOTES.name}")


def run_all(frameworks: list[str]) -> dict:
    """mutmut over each framework's package; the results are also saved as docs/mutation.json."""
    from importlib.metadata import version

    results = {
        "mutmut": version("mutmut"),
        "machine": f"CPython {platform.python_version()}, {os.cpu_count()} CPU cores, "
        f"{platform.machine()}, {datetime.date.today().isoformat()}",
        "frameworks": {},
    }
    for framework in frameworks:
        print(f"mutating the {framework} project ...", flush=True)
        results["frameworks"][framework] = run(framework)
    (ROOT / "docs" / "mutation.json").write_text(json.dumps(results, indent=2) + "\n")
    return results


if __name__ == "__main__":
    main()
