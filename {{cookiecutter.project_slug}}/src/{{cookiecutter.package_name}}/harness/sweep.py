"""A sweep folder as `<project>-report` reads it (report.py shows it): its settings
(multirun.yaml) and, for each numbered job folder, its status (from its run state, run_state.py),
its overrides and its final metrics. A job whose files cannot be read (a truncated metrics.json,
an overrides.yaml that is not a list, a state.json that is not JSON) is `broken`, with the
reason, and the other jobs are read as usual. Each job that did not finish gets the command
that re-runs it: `resume=<job folder>` where its last checkpoint is, else a fresh run of its
overrides. Only reads: a read-only sweep folder reads the same. No heavy imports (`--help`).
"""

import json
import math
import shlex
from dataclasses import dataclass, field
from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path

import yaml

from . import PROJECT, run_state

# a job's status: its run state (running, failed, interrupted, stopped), `done` once finished,
# `broken` when its files cannot be read, `missing` when nothing says anything yet
DONE, BROKEN, MISSING = "done", "broken", "missing"
RUNNING, FAILED = run_state.RUNNING, run_state.FAILED
INTERRUPTED, STOPPED = run_state.INTERRUPTED, run_state.STOPPED
# the jobs that did not finish and are not running: the report says how to re-run each
UNFINISHED = (FAILED, INTERRUPTED, STOPPED, BROKEN, MISSING)
# those whose run can go on from their last checkpoint (`train resume=<job folder>`)
RESUMABLE = (FAILED, INTERRUPTED, STOPPED, MISSING)
STATES = (run_state.RUNNING, run_state.FINISHED, run_state.FAILED, run_state.INTERRUPTED)
OVERRIDES, METRICS = ".hydra/overrides.yaml", "metrics.json"


class Unreadable(Exception):
    """A job's file that cannot be read; the message says which, and why."""


@dataclass
class Job:
    """One numbered job folder of a sweep."""

    number: int
    folder: Path
    overrides: dict[str, str] = field(default_factory=dict)  # key -> value, for the table
    metrics: dict[str, float] = field(default_factory=dict)
    status: str = MISSING
    reason: str | None = None  # why it failed, stopped or is broken; who runs it
    # the overrides as Hydra wrote them, to re-run the job; None when they cannot be read
    given: list[str] | None = None


def parse_override(text: str) -> tuple[str, str]:
    """`optimizer.lr=0.01` -> ("optimizer.lr", "0.01"); `+key=v` and `~key` keep their key."""
    key, _, value = text.partition("=")
    return key.lstrip("+~"), value


def configuration(given: list[str] | None) -> list[str]:
    """The overrides that make the job what it is: not `resume=` (which a continued job's
    overrides.yaml holds beside them, resume.py)."""
    return [o for o in given or [] if not o.startswith("resume=")]


def why(error: Exception) -> str:
    """What went wrong reading a file, in a few words."""
    if isinstance(error, OSError):
        return error.strerror or type(error).__name__
    if isinstance(error, yaml.MarkedYAMLError) and error.problem:
        mark = error.problem_mark
        return error.problem + (f" (line {mark.line + 1})" if mark is not None else "")
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def load(path: Path, kind: str, parse, name: str | None = None):
    """`parse` of the text of `path`, a file of `kind` (JSON, YAML) called `name` in the
    messages (its file name if None); Unreadable if it cannot be read."""
    name = name or path.name
    try:
        return parse(path.read_text())
    except OSError as error:
        raise Unreadable(f"{name} cannot be read: {why(error)}") from None
    except (ValueError, yaml.YAMLError) as error:
        raise Unreadable(f"{name} is not {kind}: {why(error)}") from None


def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def read_overrides(folder: Path) -> list[str] | None:
    """The job's overrides (.hydra/overrides.yaml); None when Hydra has not written them."""
    path = folder / OVERRIDES
    if not path.is_file():
        return None
    overrides = load(path, "YAML", yaml.safe_load, OVERRIDES)
    if overrides is None:
        return []
    if not isinstance(overrides, list) or not all(isinstance(o, str) for o in overrides):
        raise Unreadable(f"{OVERRIDES} is not a list of overrides")
    return overrides


def read_state(folder: Path) -> run_state.State | None:
    """run_state.read, but a state file that cannot be read is Unreadable (not `failed`)."""
    path = folder / run_state.STATE
    if path.exists():
        entry = load(path, "JSON", json.loads)
        if not isinstance(entry, dict) or entry.get("state") not in STATES:
            raise Unreadable(f"{run_state.STATE} names no state")
    return run_state.read(folder)


def read_metrics(folder: Path) -> dict[str, float]:
    """The finished job's final metrics (none when it wrote no metrics.json: predict)."""
    path = folder / METRICS
    if not path.exists():
        return {}
    metrics = load(path, "JSON", json.loads)
    if not isinstance(metrics, dict) or not all(is_number(v) for v in metrics.values()):
        raise Unreadable(f"{METRICS} is not a mapping of metric names to numbers")
    return metrics


def logged_error(folder: Path) -> str | None:
    """The last error in the job's log (a job from before run states), if any."""
    for log in sorted(folder.glob("*.log")):
        try:
            lines = log.read_text(errors="replace").splitlines()
        except OSError:
            continue
        errors = [line.partition("[ERROR] - ")[2].strip() for line in lines if "[ERROR]" in line]
        if errors:
            return errors[-1] or "its log holds an error"
    return None


def read_job(folder: Path) -> Job:
    job = Job(int(folder.name), folder)
    try:
        job.given = read_overrides(folder)
        job.overrides = dict(parse_override(o) for o in configuration(job.given))
        state = read_state(folder)
        if state is None:  # nothing says, or a folder from before run states
            job.reason = logged_error(folder)
            job.status = FAILED if job.reason else MISSING
        elif state.state == run_state.FINISHED:
            job.metrics, job.status = read_metrics(folder), DONE
        else:
            job.status, job.reason = state.state, state.reason
            if state.state == RUNNING:
                job.reason = run_state.holder(folder)
    except Unreadable as problem:
        job.status, job.reason, job.metrics = BROKEN, str(problem), {}
    job.reason = " ".join((job.reason or "").split()) or None  # on one line of the table
    return job


def read_sweep(sweep: Path) -> tuple[list[Job], dict]:
    """The sweep's jobs, in job order, and its multirun.yaml (settings shared by every job);
    Unreadable when the folder is not a sweep or cannot be read."""
    multirun_file = sweep / "multirun.yaml"
    if not multirun_file.is_file():
        raise Unreadable(f"{sweep}: no multirun.yaml, so not a sweep folder (made by `-m`)")
    try:
        settings = load(multirun_file, "YAML", yaml.safe_load) or {}  # empty until written
        folders = [p for p in sweep.iterdir() if p.is_dir() and p.name.isdigit()]
    except Unreadable as problem:
        raise Unreadable(f"{sweep}: {problem}") from None
    except OSError as error:
        raise Unreadable(f"{sweep}: cannot be read: {why(error)}") from None
    if not isinstance(settings, dict):
        raise Unreadable(f"{sweep}: multirun.yaml is not the settings of a sweep")
    return sorted((read_job(folder) for folder in folders), key=lambda job: job.number), settings


def setting(settings: dict, *keys: str):
    """settings[key][key]..., None where a level is missing."""
    for key in keys:
        settings = settings.get(key) if isinstance(settings, dict) else None
    return settings


def expected_jobs(settings: dict) -> int | None:
    """How many jobs the sweep will have, when its settings say (Optuna's n_trials)."""
    total = setting(settings, "hydra", "sweeper", "n_trials")
    return total if isinstance(total, int) else None


def swept_keys(jobs: list[Job]) -> list[str]:
    """The override keys whose values differ between jobs, in the order they were given (among
    the jobs whose overrides can be read)."""
    jobs = [job for job in jobs if job.given is not None]
    keys: list[str] = []
    for job in jobs:
        keys += [key for key in job.overrides if key not in keys]
    return [key for key in keys if len({job.overrides.get(key) for job in jobs}) > 1]


def direction(metric: str, settings: dict) -> str:
    """maximize or minimize: the sweeper's own direction for the metric it optimized, else by
    the name (a search that maximized val_acc still ranks val_loss from the lowest)."""
    configured = setting(settings, "hydra", "sweeper", "direction")
    if isinstance(configured, str) and metric == settings.get("optimized_metric", metric):
        return configured
    return "minimize" if metric.endswith("loss") else "maximize"


def score(job: Job, metric: str) -> float | None:
    """The job's `metric`, if it finished with a finite one (NaN and infinity rank nowhere)."""
    value = job.metrics.get(metric) if job.status == DONE else None
    return value if is_number(value) and math.isfinite(value) else None


def best(jobs: list[Job], metric: str, goal: str) -> Job | None:
    scored = [job for job in jobs if score(job, metric) is not None]
    if not scored:
        return None
    pick = max if goal == "maximize" else min
    return pick(scored, key=lambda job: score(job, metric))


def installed_command(name: str) -> str:
    """The command of the project's `name` (train): `<project>-train` as installed, else
    `python -m <package>.train` (the package on the path without being installed)."""
    target = f"{PROJECT}.{name}:main"
    found = sorted(ep.name for ep in entry_points(group="console_scripts") if ep.value == target)
    return found[0] if found else f"python -m {PROJECT}.{name}"


def reruns(jobs: list[Job], settings: dict) -> list[tuple[Job, str | None]]:
    """Each job that did not finish, with the command that re-runs it (None: its overrides
    are not there or cannot be read, so nothing says what it ran)."""
    unfinished = [job for job in jobs if job.status in UNFINISHED]
    if not unfinished:
        return []
    name = setting(settings, "hydra", "job", "name") or "train"  # the command the sweep ran
    command = installed_command(name)
    # the engine (and its heavy imports) only here: None for a project that trains in one step
    last = import_module(f"{PROJECT}.engine").LAST_CHECKPOINT if name == "train" else None
    return [(job, rerun(job, command, last)) for job in unfinished]


def rerun(job: Job, command: str, last: str | None) -> str | None:
    """`<command> resume=<job folder>` when the job can go on from its last checkpoint, else
    `<command> <its overrides>`: a fresh run (in a run folder of its own), quoted for the shell."""
    if job.given is None:
        return None
    if last and job.status in RESUMABLE and (job.folder / last).is_file():
        return f"{command} {shlex.quote(f'resume={job.folder}')}"
    return " ".join([command, *map(shlex.quote, configuration(job.given))])
