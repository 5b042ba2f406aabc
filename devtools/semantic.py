"""Semantic mutants (devtools/semantic_mutants.toml): bugs as a person writes them, planted one at a
time into a bake of each framework (or a copy of this repository), each followed by the tests.

`make mutation` runs them (devtools/mutation.py is the command line). For each framework:
a fresh bake with the default answers, installed editable into a venv that sees this
environment's packages (as for mutmut); its whole suite once unmutated (the baseline: how long it
takes, and the tests that fail without any mutant, left out of every mutant's run); then each
mutant in turn: the file changed, the tests run, the file put back. The tests run in up to three
steps, each with `-x` (the first failure ends it): the test that killed the mutant last time
(docs/mutation.json), the test files the catalogue names for it, then the rest of the suite (with
xdist). The first step that fails kills the mutant; a step that outlives the time limit catches
it too (a hang is a bug the suite sees), and one that ends without a failure lets it survive.
A template mutant changes a file of a copy of this repository and runs the template test files
that the catalogue names for it.
"""

import datetime
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

from cookiecutter.main import cookiecutter

from devtools.compat import tomllib
from devtools.venv import make_venv, pip_install

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "build" / "mutation" / "semantic"
CATALOGUE = Path(__file__).with_name("semantic_mutants.toml")
FRAMEWORKS = ["pytorch", "lightning", "sklearn"]
TEMPLATE = "template"
FIELDS = ("id", "frameworks", "file", "find", "replace", "class", "symptom", "tests")
# and, for a template mutant, the tests of its files it runs (pytest -k): the others bake and
# test whole projects for minutes, about other things
OPTIONAL = ("keyword",)
# what the copy of this repository for template mutants leaves out
NOT_COPIED = (".git", ".venv", "build", ".hypothesis", ".pytest_cache", ".ruff_cache")
NOT_COPIED += ("__pycache__",)
# the verdicts: a failing test kills, a time-out catches (the suite hung), else it survived
KILLED, TIMEOUT, SURVIVED = "killed", "timeout", "survived"
CAUGHT = (KILLED, TIMEOUT)


@dataclass(frozen=True)
class Mutant:
    id: str
    frameworks: tuple[str, ...]
    file: str
    find: str
    replace: str
    kind: str  # the catalogue's `class`
    symptom: str
    tests: tuple[str, ...]
    keyword: str | None = None

    def applies_to(self, framework: str) -> bool:
        return framework in self.frameworks


class CatalogueError(Exception):
    """A catalogue entry that cannot be run: a missing field, an unknown framework, text that is
    not found exactly once."""


def load(path: Path = CATALOGUE) -> list[Mutant]:
    """The catalogue's mutants, checked for their fields; an id appears once per framework."""
    entries = tomllib.loads(path.read_text())["mutant"]
    mutants, seen, problems = [], set(), []
    for number, entry in enumerate(entries, 1):
        missing = [name for name in FIELDS if name not in entry]
        unknown = sorted(set(entry) - set(FIELDS) - set(OPTIONAL))
        where = f"mutant {number} ({entry.get('id', '?')})"
        if missing or unknown:
            problems.append(f"{where}: missing {missing}, unknown {unknown}")
            continue
        frameworks = tuple(entry["frameworks"])
        bad = [name for name in frameworks if name not in [*FRAMEWORKS, TEMPLATE]]
        if bad or not frameworks or (TEMPLATE in frameworks and len(frameworks) > 1):
            problems.append(f"{where}: frameworks {list(frameworks)}")
        if TEMPLATE in frameworks and not entry["tests"]:
            problems.append(f"{where}: a template mutant names the tests it runs")
        if entry["find"] == entry["replace"]:
            problems.append(f"{where}: replace is the text it finds")
        for framework in frameworks:
            if (entry["id"], framework) in seen:
                problems.append(f"{where}: {entry['id']} given twice for {framework}")
            seen.add((entry["id"], framework))
        values = {name: entry[name] for name in FIELDS if name not in ("class", "frameworks")}
        values["keyword"] = entry.get("keyword")
        mutants.append(
            Mutant(
                **values | {"tests": tuple(entry["tests"])},
                frameworks=frameworks,
                kind=entry["class"],
            )
        )
    if problems:
        raise CatalogueError("\n".join(problems))
    return mutants


def key(mutant: Mutant, framework: str) -> str:
    return f"{mutant.id}/{framework}"


def mutated(mutant: Mutant, text: str, where: Path) -> str:
    """`text` with the mutant's change; refused unless its text occurs exactly once, and, in a
    Python file, unless the result is Python (a mutant that cannot import tests nothing)."""
    count = text.count(mutant.find)
    if count != 1:
        raise CatalogueError(
            f"{mutant.id}: its text occurs {count} times in {where}, not once: "
            f"update devtools/{CATALOGUE.name} to today's code"
        )
    changed = text.replace(mutant.find, mutant.replace)
    if where.suffix == ".py":
        try:
            compile(changed, str(where), "exec")
        except SyntaxError as error:
            raise CatalogueError(f"{mutant.id}: {where} is not Python with it: {error}") from None
    return changed


# -- the places mutants go: bakes and a copy of the repository ---------------------------------


def bake(framework: str, template: Path) -> tuple[Path, Path]:
    """A fresh bake of `framework` (the default answers otherwise), installed editable into a
    venv that sees this environment's packages: (project, its python)."""
    where = WORK / framework
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    context = {"framework": framework, "init_git": False}
    project = Path(
        cookiecutter(str(template), no_input=True, output_dir=str(where), extra_context=context)
    )
    venv = make_venv(where / "venv")
    pip_install(venv, "--no-deps", "-e", str(project))
    return project, venv / "bin" / "python"


def repository_copy(template: Path) -> tuple[Path, Path]:
    """A copy of this repository (without its venv, build and git folders) for template
    mutants, and the python that runs its tests: this one."""
    where = WORK / TEMPLATE
    shutil.rmtree(where, ignore_errors=True)
    shutil.copytree(template, where, ignore=shutil.ignore_patterns(*NOT_COPIED))
    return where, Path(sys.executable)


# -- running tests ------------------------------------------------------------------------------


@dataclass
class Run:
    """One pytest run: how it ended (passed, failed, timeout, error), the tests that failed
    (node ids) with their first message line, and how long it took."""

    outcome: str
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    output: str = ""


def node_id(case: ElementTree.Element) -> str:
    """The pytest node id of a JUnit test case (xunit1: its file, class path and name)."""
    file, classname, name = case.get("file", ""), case.get("classname", ""), case.get("name", "")
    if not classname:  # a file that could not be collected
        return file or name.replace(".", "/") + ".py"
    module = file.removesuffix(".py").replace("/", ".")
    inner = classname[len(module) + 1 :] if classname.startswith(module) else ""
    return "::".join(part for part in (file, *inner.split(".")) if part) + f"::{name}"


def portable(text: str) -> str:
    """`text` without this machine's paths (the report is committed): the temporary folder and
    this repository's folder by name."""
    text = text.replace(str(ROOT), "<repository>")
    return re.sub(re.escape(tempfile.gettempdir().rstrip("/")) + r"/[^\s'\"]*", "<tmp>", text)


def failures(report: Path) -> dict[str, str]:
    """The failed and erroring tests of a JUnit report, each with its first message line."""
    if not report.is_file():
        return {}
    found = {}
    for case in ElementTree.parse(report).iter("testcase"):
        for problem in [*case.iter("failure"), *case.iter("error")]:
            message = (problem.get("message") or problem.text or "").strip().splitlines()
            found[node_id(case)] = portable(message[0] if message else "")[:200]
    return found


def pytest(python: Path, cwd: Path, args: list[str], timeout: float, env: dict) -> Run:
    """`python -m pytest args` in `cwd`, in a process group of its own that is killed whole at
    `timeout` seconds (torchrun, joblib and Hydra start processes of their own)."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "junit.xml"
        command = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts="]
        command += ["-o", "junit_family=xunit1", f"--junitxml={report}", *args]
        started = time.monotonic()
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            preexec_fn=default_signals,
        )
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_group(process.pid)
            output, _ = process.communicate()
            return Run("timeout", {}, time.monotonic() - started, output[-3000:])
        kill_group(process.pid)  # what a test left running (a torchrun worker that hung)
        seconds = time.monotonic() - started
        failed = failures(report)
    # pytest's exit codes: 0 passed, 1 tests failed, 2 interrupted (a collection error too);
    # 3, 4 and 5 are its own errors or no tests at all: the run says nothing of the mutant
    if process.returncode == 0:
        return Run("passed", failed, seconds, output[-3000:])
    if process.returncode in (1, 2) and (failed or "error" in output.lower()):
        return Run("failed", failed or {"(collection)": last_line(output)}, seconds, output[-3000:])
    return Run("error", failed, seconds, output[-3000:])


def default_signals() -> None:
    """In the test process, before it starts: SIGHUP and SIGINT as a shell leaves them, even when
    this run was started under nohup or in the background (the suites test signal handling)."""
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:  # none of them is left
        pass


def last_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.strip()]
    return portable(lines[-1])[:200] if lines else ""


def test_environment() -> dict:
    """The environment of every test run: no stale bytecode (a mutant may keep a file's size
    and its modification second), one OpenMP thread per process (two cores, several workers),
    no colours, and no flags of an enclosing make."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    return env | {"PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": "1", "NO_COLOR": "1"}


def clear_bytecode(folder: Path) -> None:
    for cache in folder.rglob("__pycache__"):
        shutil.rmtree(cache, ignore_errors=True)


def existing(project: Path, tests: tuple[str, ...]) -> list[str]:
    """The test files (or node ids) of `tests` that this bake has."""
    return [test for test in tests if (project / test.split("::")[0]).is_file()]


# -- one framework: a baseline, then every mutant ------------------------------------------------


@dataclass
class Place:
    """Where a framework's mutants go and how its tests run."""

    framework: str
    root: Path  # the baked project, or the copy of this repository
    python: Path
    suite: list[str]  # what "the whole suite" is: the tests folder, or the template tests
    left_out: dict[str, str] = field(default_factory=dict)  # failing without a mutant
    baseline_s: float | None = None


@dataclass(frozen=True)
class Settings:
    """How the tests run: xdist workers, the limit of one test (pytest-timeout: a test that hangs
    fails, named) and of one pytest run (None: three times the baseline, 15 minutes at least),
    and the process environment."""

    workers: int = 2
    test_timeout: float = 900.0
    limit: float | None = None
    env: dict = field(default_factory=dict)

    def run(self, place: Place, args: list[str], limit: float) -> Run:
        timeouts = [f"--timeout={self.test_timeout:.0f}", "--timeout-method=signal"]
        return pytest(place.python, place.root, [*timeouts, *args], limit, self.env)

    def xdist(self, place: Place) -> list[str]:
        if self.workers < 2:
            return []
        # the template tests group their bakes (`make test` runs them so)
        grouping = ["--dist", "loadgroup"] if place.framework == TEMPLATE else []
        return ["-n", str(self.workers), *grouping]

    def limit_for(self, place: Place) -> float:
        return self.limit or max(900.0, 3 * (place.baseline_s or 600))


def baseline(place: Place, settings: Settings) -> None:
    """The suite once without a mutant, whole (no -x): how long it takes, and what fails without
    any mutant (left out of the mutants' runs, and listed in the report)."""
    args = [*settings.xdist(place), "--continue-on-collection-errors", *place.suite]
    run = settings.run(place, args, settings.limit or 4 * 3600)
    if run.outcome not in ("passed", "failed"):
        what = f"{place.framework}: the suite did not run ({run.outcome})"
        raise RuntimeError(f"{what}:\n{run.output}")
    place.left_out, place.baseline_s = run.failed, run.seconds
    failing = f": {sorted(run.failed)}" if run.failed else ""
    print(
        f"{place.framework}: baseline {run.seconds:.0f} s, {len(run.failed)} tests failing "
        f"without a mutant{failing}",
        flush=True,
    )


def exclusions(place: Place) -> list[str]:
    """Arguments that leave out the tests failing without a mutant."""
    args = []
    for node in place.left_out:
        if "::" in node:
            args.append(f"--deselect={node}")
        elif node.endswith(".py"):  # a file that could not be collected
            args.append(f"--ignore={node}")
    return args


def run_mutant(mutant: Mutant, place: Place, previous: str | None, settings: Settings) -> dict:
    """Plant `mutant` in `place`, run the tests in steps until one fails, put the file back."""
    path = place.root / mutant.file
    original = path.read_text()
    path.write_text(mutated(mutant, original, path))
    started = time.monotonic()
    try:
        clear_bytecode(place.root)
        verdict = steps(mutant, place, previous, settings)
    finally:
        path.write_text(original)
        clear_bytecode(place.root)
    return {
        "id": mutant.id,
        "framework": place.framework,
        "class": mutant.kind,
        **verdict,
        "seconds": round(time.monotonic() - started),
    }


def plan(mutant: Mutant, place: Place, previous: str | None, settings: Settings) -> list:
    """The steps of a mutant's run, each (name, pytest arguments): the test that killed it
    last time, the tests the catalogue names for it, the rest of the suite."""
    hinted = existing(place.root, mutant.tests)
    found = []
    if previous and previous not in place.left_out and existing(place.root, (previous,)):
        found.append(("its last killer", [previous]))
    if place.framework == TEMPLATE:  # its tests are its whole suite
        keyword = ["-k", mutant.keyword] if mutant.keyword else []
        return [*found, ("its tests", [*settings.xdist(place), *keyword, *hinted])]
    if hinted:
        found.append(("its tests", [*settings.xdist(place), *hinted]))
    rest = [f"--ignore={test}" for test in hinted if "::" not in test]
    return [*found, ("the suite", [*settings.xdist(place), *rest, *place.suite])]


def steps(mutant: Mutant, place: Place, previous: str | None, settings: Settings) -> dict:
    left_out, limit = exclusions(place), settings.limit_for(place)
    for step, args in plan(mutant, place, previous, settings):
        run = settings.run(place, ["-x", *left_out, *args], limit)
        if run.outcome == "timeout":
            message = f"the run took over {limit:.0f} s"
            return {"status": TIMEOUT, "step": step, "killer": None, "message": message}
        if run.outcome == "failed":
            killer, message = next(iter(run.failed.items()))
            hung = message.startswith("Failed: Timeout")  # pytest-timeout's
            return {
                "status": TIMEOUT if hung else KILLED,
                "step": step,
                "killer": killer,
                "message": message,
            }
        if run.outcome == "error":
            what = f"{key(mutant, place.framework)}: pytest could not run"
            raise RuntimeError(f"{what}:\n{run.output}")
    return {"status": SURVIVED, "step": None, "killer": None, "message": ""}


# -- the whole run ---------------------------------------------------------------------------


def selected(mutants: list[Mutant], frameworks: list[str], ids: list[str] | None) -> list[Mutant]:
    if ids:
        unknown = sorted(set(ids) - {mutant.id for mutant in mutants})
        if unknown:
            raise CatalogueError(f"no mutant is called {unknown}")
    return [
        mutant
        for mutant in mutants
        if (not ids or mutant.id in ids) and any(mutant.applies_to(f) for f in frameworks)
    ]


def template_suite(mutants: list[Mutant]) -> list[str]:
    """The template tests that the template mutants run: their files, each once, in catalogue
    order, and the tests of them that some mutant runs (-k)."""
    chosen = [mutant for mutant in mutants if mutant.applies_to(TEMPLATE)]
    files = list(dict.fromkeys(test for mutant in chosen for test in mutant.tests))
    if any(mutant.keyword is None for mutant in chosen):
        return files
    keywords = dict.fromkeys(f"({mutant.keyword})" for mutant in chosen)
    return ["-k", " or ".join(keywords), *files]


def git(*args: str) -> str | None:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


def checkout(revision: str | None) -> tuple[Path, dict]:
    """The template the mutants go into: this working tree (None), or the tree of a commit of
    this repository, exported (read only: the repository is not changed); and which it is."""
    if revision is None:
        changed = git("status", "--porcelain", "--untracked-files=all")
        return ROOT, {"commit": git("rev-parse", "--short", "HEAD"), "changed": bool(changed)}
    commit = git("rev-parse", "--short", f"{revision}^{{commit}}")
    if commit is None:
        raise CatalogueError(f"--at {revision}: not a commit of this repository")
    where = WORK / "source"
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", where], input=archive.stdout, check=True)
    return where, {"commit": commit, "changed": False}


def prepare(frameworks: list[str], mutants: list[Mutant], template: Path) -> list:
    """Each framework's place with its mutants, every mutant's text checked in its file before
    any test runs (a catalogue that no longer fits the code stops here)."""
    places, problems = [], []
    for framework in frameworks:
        chosen = [mutant for mutant in mutants if mutant.applies_to(framework)]
        if not chosen:
            continue
        print(f"{framework}: {len(chosen)} mutants; baking ...", flush=True)
        if framework == TEMPLATE:
            root, python = repository_copy(template)
            place = Place(framework, root, python, template_suite(chosen))
        else:
            root, python = bake(framework, template)
            place = Place(framework, root, python, ["tests"])
        for mutant in chosen:
            path = root / mutant.file
            try:
                mutated(mutant, path.read_text() if path.is_file() else "", Path(mutant.file))
            except CatalogueError as problem:
                problems.append(f"{framework}: {problem}")
        places.append((place, chosen))
    if problems:
        raise CatalogueError("\n".join(problems))
    return places


def run_all(
    frameworks: list[str],
    ids: list[str] | None = None,
    revision: str | None = None,
    settings: Settings | None = None,
    with_baseline: bool = True,
    previous: dict | None = None,
) -> dict:
    """Every selected mutant on every framework it applies to; the results, as docs/mutation.json
    keeps them."""
    settings = settings or Settings(env=test_environment())
    mutants = selected(load(), frameworks, ids)
    template, origin = checkout(revision)
    started, results, baselines = time.monotonic(), [], {}
    for place, chosen in prepare(frameworks, mutants, template):
        if with_baseline:
            baseline(place, settings)
            baselines[place.framework] = {
                "seconds": round(place.baseline_s),
                "left_out": place.left_out,
            }
        for number, mutant in enumerate(chosen, 1):
            last = (previous or {}).get(key(mutant, place.framework))
            result = run_mutant(mutant, place, last, settings)
            results.append(result)
            killer = f" by {result['killer']} ({result['step']})" if result["killer"] else ""
            print(
                f"{place.framework} {number}/{len(chosen)} {mutant.id}: {result['status']}"
                f"{killer}, {result['seconds']} s",
                flush=True,
            )
    return {
        "date": datetime.date.today().isoformat(),
        "machine": f"CPython {platform.python_version()}, {os.cpu_count()} CPU cores, "
        f"{platform.machine()}",
        "duration_s": round(time.monotonic() - started),
        "workers": settings.workers,
        "source": origin,
        "baselines": baselines,
        "results": results,
    }


def killers(results: dict | None) -> dict[str, str]:
    """The test that killed each mutant in a saved run, by `id/framework`: tried first next time."""
    found = {}
    for result in (results or {}).get("results", []):
        if result["status"] == KILLED and result.get("killer") and "(" not in result["killer"]:
            found[f"{result['id']}/{result['framework']}"] = result["killer"]
    return found


def rates(results: list[dict]) -> dict[str, tuple[int, int]]:
    """(caught, mutants) per framework and overall ("all")."""
    table: dict[str, list[int]] = {}
    for result in results:
        for name in (result["framework"], "all"):
            counts = table.setdefault(name, [0, 0])
            counts[0] += result["status"] in CAUGHT
            counts[1] += 1
    return {name: (caught, total) for name, (caught, total) in table.items()}


def diff_lines(mutant: Mutant) -> list[str]:
    return [f"- {line}" for line in mutant.find.strip("\n").splitlines()] + [
        f"+ {line}" for line in mutant.replace.strip("\n").splitlines()
    ]


def describe(mutants: list[Mutant]) -> str:
    """The catalogue, one line per mutant: `make mutation MUTATION_ARGS=--list`."""
    lines = []
    for mutant in mutants:
        lines.append(f"{mutant.id:42} {','.join(mutant.frameworks):28} {mutant.kind}")
    return "\n".join(lines)


def by_key(mutants: list[Mutant]) -> dict[str, Mutant]:
    return {key(mutant, f): mutant for mutant in mutants for f in mutant.frameworks}
