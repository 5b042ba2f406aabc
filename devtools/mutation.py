"""`make mutation`: two catalogues of bugs planted in each framework's generated project, and the
tests that catch them; writes docs/mutation.md (and docs/mutation.json, what it is written from).

    python -m devtools.mutation                          both, every framework
    python -m devtools.mutation --semantic-only          the semantic catalogue only
    python -m devtools.mutation --semantic-only --mutants best-mode-inverted --frameworks pytorch
    python -m devtools.mutation --mutmut-only --frameworks sklearn --modules harness.results
    python -m devtools.mutation --list                   the semantic catalogue, one line each
    python -m devtools.mutation --report-only            docs/mutation.md again from the JSON

The semantic mutants (devtools/semantic_mutants.toml, run by devtools/semantic.py) are bugs as a
person writes them: a split swapped, a mode inverted, a state not restored, columns reordered.
Each is applied alone to a bake of each framework it names (or to a copy of this repository),
and the whole generated suite runs against it. mutmut changes one token at a time in every
function of the generated package (an operator, a constant) and runs the tests that reach it.
A mutant is killed when a test fails. Survivors are explained in devtools/mutation_notes.toml:
an equivalent mutant, or a gap in the tests.

A run of every framework (and, for the semantic catalogue, of every mutant) rewrites its part of
docs/mutation.md; a partial run (--frameworks, --mutants, --modules) prints its results only.
Not part of `make test`: the semantic catalogue takes hours on 2 busy cores (the report says how
long the last run took), mutmut about as long.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from devtools import semantic
from devtools.compat import tomllib
from devtools.venv import make_venv, pip_install

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "build" / "mutation"
NOTES = Path(__file__).with_name("mutation_notes.toml")
RESULTS = ROOT / "docs" / "mutation.json"
REPORT = ROOT / "docs" / "mutation.md"
FRAMEWORKS = ["pytorch", "lightning", "sklearn"]
PACKAGE = "my_project"
# the modules that hold logic, held to the goal; the others are reported too
LOGIC = {"train", "evaluate", "predict", "engine", "data", "paths", "harness.results"}
LOGIC |= {f"harness.{name}" for name in ("checkpoints", "errors", "run_folder", "config_schemas")}
LOGIC |= {f"harness.{name}" for name in ("contract", "resume", "run_state", "tables", "features")}
LOGIC |= {f"harness.{name}" for name in ("record", "tracking", "summary", "curves")}
LOGIC |= {f"harness.{name}" for name in ("report", "sweep", "distributed")}
GOAL = 0.80
# the semantic catalogue's goal, over each framework and over all
SEMANTIC_GOAL = 0.90
# mutmut's statuses that mean a test caught the mutant (a timeout: the mutant hung the tests)
CAUGHT = {"killed", "timeout"}
# mutmut's settings, added to the baked project's pyproject.toml (the template does not ship them)
MUTMUT_SETTINGS = f"""
[tool.mutmut]
source_paths = ["src/{PACKAGE}"]
pytest_add_cli_args_test_selection = ["tests/"]
# what the tests read besides src/ and tests/ (test_cli checks the imports the READMEs show)
also_copy = ["README.md", "data/"]
# the tests marked `processes` start other processes (joblib workers, torchrun, submitit) that
# import the package without mutmut's set-up and fail there, whatever the mutant
pytest_add_cli_args = ["-m", "not processes"]
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


# -- mutmut ---------------------------------------------------------------------------------


def prepare(framework: str) -> tuple[Path, Path]:
    """A fresh bake of `framework` with mutmut's settings, installed editable: (project, python).
    Editable, so that tests which start `python -m <package>...` run the same source."""
    from cookiecutter.main import cookiecutter

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


def module_of(mutant: str) -> str:
    """The module of a mutmut mutant's name, below the package: `harness.results` for
    my_project.harness.results.x_append_row__mutmut_3."""
    return mutant.removeprefix(f"{PACKAGE}.").rsplit(".", 1)[0]


def run(framework: str, modules: list[str] | None = None) -> dict:
    """Mutate one framework's package (or only `modules` of it): the status counts per module,
    and the survivors."""
    project, python = prepare(framework)
    names = [f"{PACKAGE}.{module}.*" for module in modules or []]
    mutmut(python, project, "run", "--max-children", str(os.cpu_count() or 2), *names)
    statuses = {}
    for line in mutmut(python, project, "results", "--all", "true").splitlines():
        key, _, status = line.strip().partition(": ")
        if key.startswith(f"{PACKAGE}.") and (not modules or module_of(key) in modules):
            statuses[key] = status
    counts: dict[str, Counter] = {}
    for key, status in statuses.items():
        counts.setdefault(module_of(key), Counter())[status] += 1
    survivors = [
        {"mutant": key, "status": status, "diff": diff(mutmut(python, project, "show", key))}
        for key, status in sorted(statuses.items())
        if status not in CAUGHT
    ]
    return {"modules": {name: dict(count) for name, count in sorted(counts.items())},
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


def run_mutmut(frameworks: list[str], modules: list[str] | None) -> dict:
    from importlib.metadata import version

    started = time.monotonic()
    results = {"version": version("mutmut"), **when(), "frameworks": {}}
    for framework in frameworks:
        print(f"mutmut: mutating the {framework} project ...", flush=True)
        results["frameworks"][framework] = run(framework, modules)
    results["duration_s"] = round(time.monotonic() - started)
    results["source"] = semantic.checkout(None)[1]
    return results


def when() -> dict:
    return {
        "date": datetime.date.today().isoformat(),
        "machine": f"CPython {platform.python_version()}, {os.cpu_count()} CPU cores, "
        f"{platform.machine()}",
    }


# -- the report -------------------------------------------------------------------------------


def duration(seconds: float) -> str:
    hours, rest = divmod(round(seconds), 3600)
    return f"{hours} h {rest // 60:02d} min" if hours else f"{rest // 60} min"


def origin(results: dict) -> str:
    source = results.get("source") or {}
    commit = f"commit {source['commit']}" if source.get("commit") else "an unknown commit"
    return commit + (" with uncommitted changes" if source.get("changed") else "")


def percent(caught: int, total: int) -> str:
    return f"{caught / total:.0%}" if total else "-"


def semantic_note(notes: dict, mutant_id: str, framework: str) -> str | None:
    """Why a semantic mutant survives (mutation_notes.toml, [semantic]): by `id/framework`, or
    by `id` for every framework it applies to."""
    table = notes.get("semantic", {})
    return table.get(f"{mutant_id}/{framework}") or table.get(mutant_id)


def semantic_report(results: dict, notes: dict) -> list[str]:
    mutants = semantic.by_key(semantic.load())
    outcomes = results["results"]
    rates = semantic.rates(outcomes)
    lines = [
        "## Semantic mutants",
        "",
        f"{len(outcomes)} mutants of the catalogue `devtools/semantic_mutants.toml` on "
        f"{origin(results)}, {results['date']}: {results['machine']}, "
        f"{results['workers']} xdist workers, {duration(results['duration_s'])} in all.",
        "",
        "Each one is a bug as a person writes it (a split swapped, a mode inverted, a state not",
        "restored on resume, columns reordered, a refusal skipped), applied alone to a fresh bake",
        "of each framework it names, with the default answers. The generated project's whole",
        "suite runs against it, slow tests included, with `-x`: the test that killed it last",
        "time first, then the tests the catalogue names for it, then the rest. A failing test",
        "kills the mutant; a test that hangs (pytest-timeout) or a run past its time limit",
        "catches it (a timeout). A *template* mutant changes a file of this repository (a CI",
        "workflow, the generated Makefile) and runs the template tests the catalogue names.",
        "",
        f"Goal: >= {SEMANTIC_GOAL:.0%} caught in each framework and overall.",
        "",
        "| framework | caught | mutants | rate | goal | baseline suite |",
        "| --- | ---: | ---: | ---: | --- | ---: |",
    ]
    baselines = results.get("baselines", {})
    for name in [*FRAMEWORKS, semantic.TEMPLATE, "all"]:
        if name not in rates:
            continue
        caught, total = rates[name]
        goal = "yes" if caught >= SEMANTIC_GOAL * total else "**no**"
        suite = baselines.get(name, {}).get("seconds")
        suite_text = duration(suite) if suite else "-"
        lines.append(
            f"| {name} | {caught} | {total} | {percent(caught, total)} | {goal} | {suite_text} |"
        )
    kinds: dict[str, list[int]] = {}
    for outcome in outcomes:
        counts = kinds.setdefault(outcome["class"], [0, 0])
        counts[0] += outcome["status"] in semantic.CAUGHT
        counts[1] += 1
    lines += ["", "| class | caught | mutants |", "| --- | ---: | ---: |"]
    lines += [f"| {kind} | {c} | {t} |" for kind, (c, t) in sorted(kinds.items())]
    lines += [
        "",
        "### Every mutant",
        "",
        "| mutant | framework | class | result | by |",
        "| --- | --- | --- | --- | --- |",
    ]
    for outcome in outcomes:
        by = f"`{outcome['killer']}`" if outcome.get("killer") else outcome.get("message") or ""
        status = outcome["status"] if outcome["status"] != "survived" else "**survived**"
        lines.append(
            f"| `{outcome['id']}` | {outcome['framework']} | {outcome['class']} | {status} | "
            f"{by.replace('|', '/')} |"
        )
    lines += [
        "",
        "### Semantic mutants that survive",
        "",
        "Each with what a user would see, its change, and why no test kills it: an *equivalent*",
        "mutant (it behaves as the code does for every input these projects can get), or a",
        "*gap* in the tests, with the test that should kill it.",
        "",
    ]
    survivors = [outcome for outcome in outcomes if outcome["status"] not in semantic.CAUGHT]
    if not survivors:
        lines += ["None.", ""]
    for outcome in survivors:
        mutant = mutants.get(f"{outcome['id']}/{outcome['framework']}")
        why = semantic_note(notes, outcome["id"], outcome["framework"])
        lines.append(f"- `{outcome['id']}` ({outcome['framework']}, {outcome['class']}): "
                     + (mutant.symptom if mutant else "(no longer in the catalogue)"))  # fmt: skip
        lines += ["", f"  {why}" if why else "  **not yet explained**", ""]
        if mutant:
            lines += ["  ```diff", f"  # {mutant.file}"]
            lines += [f"  {line}" for line in semantic.diff_lines(mutant)]
            lines += ["  ```", ""]
    left_out = {name: base["left_out"] for name, base in baselines.items() if base["left_out"]}
    if left_out:
        lines += [
            "### Tests that failed without a mutant",
            "",
            "Left out of every mutant's run of that bake (they fail on the code as it is):",
            "",
        ]
        for name, tests in left_out.items():
            lines += [f"- {name}: `{test}`: {message}" for test, message in sorted(tests.items())]
        lines.append("")
    return lines


def mutmut_report(results: dict | None, notes: dict) -> list[str]:
    lines = [
        "## mutmut",
        "",
    ]
    if not results:
        return lines + [
            "mutmut has not run on the current layout of the generated package (its user code",
            "at the top, the run machinery in `harness/`) yet: its scores appear here with the",
            "next `make mutation MUTATION_ARGS=--mutmut-only`.",
            "",
        ]
    lines += [
        f"mutmut {results['version']} on {origin(results)}, {results['date']}: "
        f"{results['machine']}, {duration(results.get('duration_s', 0))} in all.",
        "",
        "mutmut changes one thing in a function of the generated package (an operator, a",
        "constant, a call's argument) and runs the tests that reach that function: the mutant is",
        "killed when a test fails. The score is the share of mutants killed. mutmut mutates",
        "function bodies only (not module-level code, and not functions under a decorator such",
        "as `main` under `@hydra.main`, which the generated tests run through `train`/`evaluate`",
        "and the command line), and runs the tests not marked slow. For these runs the generated",
        "tests' session fixtures (one training run that several tests read) run afresh in every",
        "test, so that mutmut runs each of those tests against the mutants of the code the run",
        "calls.",
        "",
        f"Goal: >= {GOAL:.0%} killed in each module that holds logic ("
        + ", ".join(f"`{m}`" for m in sorted(LOGIC))
        + ").",
        "",
        "| framework | module | killed | mutants | score | goal |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    totals: dict[str, list[int]] = {}
    for framework, result in results["frameworks"].items():
        for module, counts in result["modules"].items():
            killed, total = score(counts)
            for name in (framework, "all"):
                running = totals.setdefault(name, [0, 0])
                running[0] += killed
                running[1] += total
            verdict = "-"
            if module in LOGIC:
                verdict = "yes" if killed >= GOAL * total else "**no**"
            lines.append(
                f"| {framework} | `{module}` | {killed} | {total} | {percent(killed, total)} | "
                f"{verdict} |"
            )
    lines += ["", "| framework | killed | mutants | score |", "| --- | ---: | ---: | ---: |"]
    lines += [f"| {name} | {k} | {t} | {percent(k, t)} |" for name, (k, t) in totals.items()]
    lines += [
        "",
        "### mutmut's mutants that survive",
        "",
        "Each one with its change and the reason no test here can kill it: it behaves like the",
        "original for every input the code can get (an *equivalent* mutant), or differs only",
        "where these tests do not run (Windows line endings, a GPU). A mutant marked *not yet",
        "killed* is a gap in the tests.",
        "",
    ]
    for framework, result in results["frameworks"].items():
        lines += [f"#### {framework}", ""]
        if not result["survivors"]:
            lines += ["None.", ""]
        for survivor in result["survivors"]:
            name = survivor["mutant"]
            why = equivalent(notes, framework, name)
            kind = why if why else f"**{survivor['status']}**: not yet killed"
            lines += [f"- `{name}`: {kind}", "", "  ```diff"]
            lines += [f"  {line}" for line in survivor["diff"].splitlines()]
            lines += ["  ```", ""]
    return lines


def report(saved: dict, notes: dict) -> str:
    lines = [
        "# Mutation testing",
        "",
        "Written by `make mutation` (`devtools/mutation.py`); do not edit by hand. Two catalogues",
        "of bugs are planted, one at a time, in each framework's generated project, and its tests",
        "run against each: the semantic mutants of `devtools/semantic_mutants.toml` (bugs as a",
        "person writes them) and mutmut's (one operator or constant at a time). Why a mutant",
        "survives is in `devtools/mutation_notes.toml`.",
        "",
    ]
    if saved.get("semantic"):
        lines += semantic_report(saved["semantic"], notes)
    else:
        lines += ["## Semantic mutants", "", "Not run yet: `make mutation`.", ""]
    lines += mutmut_report(saved.get("mutmut"), notes)
    return "\n".join(lines).rstrip() + "\n"


def load_saved() -> dict:
    """docs/mutation.json. mutmut's results from before the harness/ layout (their modules
    named `results`, not `harness.results`) are left out: they are of other code."""
    if not RESULTS.is_file():
        return {}
    saved = json.loads(RESULTS.read_text())
    if isinstance(saved.get("mutmut"), str):  # that older layout: mutmut's results at the top
        return {}
    return saved


def check_notes(saved: dict, notes: dict, frameworks: list[str], parts: set[str]) -> None:
    """Say which notes explain mutants that no longer survive."""
    if "mutmut" in parts and saved.get("mutmut"):
        survivors = {
            (framework, survivor["mutant"])
            for framework, result in saved["mutmut"]["frameworks"].items()
            for survivor in result["survivors"]
        }
        for framework in frameworks:
            for mutant in {**notes["all"], **notes.get(framework, {})}:
                if (framework, mutant) not in survivors:
                    print(f"{framework}: {mutant} is killed now; drop it from {NOTES.name}")
    if "semantic" in parts and saved.get("semantic"):
        outcomes = saved["semantic"]["results"]
        alive = {(o["id"], o["framework"]) for o in outcomes if o["status"] == "survived"}
        for name in notes.get("semantic", {}):
            mutant_id, _, framework = name.partition("/")
            if not any(i == mutant_id and framework in ("", f) for i, f in alive):
                print(f"{name} is caught now; drop it from [semantic] in {NOTES.name}")
        unexplained = [f"{i}/{f}" for i, f in sorted(alive) if not semantic_note(notes, i, f)]
        if unexplained:
            print(f"survivors without a note in {NOTES.name} [semantic]: {unexplained}")


def show(results: dict) -> None:
    """A partial semantic run's results, on the console."""
    for name, (caught, total) in semantic.rates(results["results"]).items():
        print(f"{name}: {caught}/{total} caught ({percent(caught, total)})")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    choices = [*FRAMEWORKS, semantic.TEMPLATE]
    parser.add_argument("--frameworks", nargs="+", choices=choices, help="default: all")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--semantic-only", action="store_true", help="the semantic catalogue only")
    only.add_argument("--mutmut-only", action="store_true", help="mutmut only")
    parser.add_argument("--mutants", nargs="+", metavar="ID", help="only these semantic mutants")
    parser.add_argument(
        "--modules", nargs="+", metavar="MODULE", help="mutmut: only these (e.g. harness.results)"
    )
    parser.add_argument(
        "--at", metavar="COMMIT", help="mutate this commit's template, not the working tree"
    )
    parser.add_argument("--workers", type=int, default=2, help="xdist workers (default 2)")
    parser.add_argument(
        "--test-timeout", type=float, default=900, help="seconds a test may take (default 900)"
    )
    parser.add_argument(
        "--timeout", type=float, help="seconds one pytest run may take (default: 3 x the baseline)"
    )
    parser.add_argument(
        "--no-baseline", action="store_true", help="skip the unmutated run of each suite"
    )
    parser.add_argument("--list", action="store_true", help="print the semantic catalogue")
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="rewrite docs/mutation.md from docs/mutation.json with the current notes",
    )
    args = parser.parse_args()
    notes = tomllib.loads(NOTES.read_text())
    if args.list:
        print(semantic.describe(semantic.load()))
        return
    saved = load_saved()
    if args.report_only:
        REPORT.write_text(report(saved, notes))
        check_notes(saved, notes, FRAMEWORKS, {"mutmut", "semantic"})
        print(f"wrote {REPORT.relative_to(ROOT)}")
        return
    parts = {"semantic", "mutmut"} - {"mutmut" if args.semantic_only else ""}
    parts -= {"semantic" if args.mutmut_only else ""}
    frameworks = args.frameworks or choices
    whole = args.frameworks is None and not args.mutants and not args.modules and not args.at
    if "semantic" in parts:
        settings = semantic.Settings(
            workers=args.workers,
            test_timeout=args.test_timeout,
            limit=args.timeout,
            env=semantic.test_environment(),
        )
        results = semantic.run_all(
            frameworks,
            args.mutants,
            revision=args.at,
            settings=settings,
            with_baseline=not args.no_baseline,
            previous=semantic.killers(saved.get("semantic")),
        )
        show(results)
        # a run of the whole catalogue (of the working tree, or of a commit) replaces the saved one
        if args.frameworks is None and not args.mutants:
            saved["semantic"] = results
        else:
            partial = WORK / "semantic" / "last.json"
            partial.write_text(json.dumps(results, indent=2) + "\n")
            print(f"a partial run: docs/mutation.md unchanged; its results are in {partial}")
    if "mutmut" in parts:
        torch_frameworks = [name for name in frameworks if name in FRAMEWORKS]
        results = run_mutmut(torch_frameworks, args.modules)
        if whole:
            saved["mutmut"] = results
        else:
            for framework, result in results["frameworks"].items():
                for module, counts in result["modules"].items():
                    killed, total = score(counts)
                    print(f"mutmut {framework} {module}: {killed}/{total} killed")
                for survivor in result["survivors"]:
                    print(f"  survived: {survivor['mutant']}\n{survivor['diff']}")
            print("a partial mutmut run: docs/mutation.md unchanged")
    if saved != load_saved():
        RESULTS.write_text(json.dumps(saved, indent=2) + "\n")
        REPORT.write_text(report(saved, notes))
        print(f"wrote {REPORT.relative_to(ROOT)} and {RESULTS.relative_to(ROOT)}")
    check_notes(saved, notes, frameworks, parts)


if __name__ == "__main__":
    sys.exit(main())
