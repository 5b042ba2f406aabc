"""Interrupted runs and how they continue, in their own run folder.

`<project>-train resume=outputs/runs/<date>/<time>` (or `resume=latest`: of the runs under
`outputs/runs/` and `outputs/multiruns/` that stopped before they finished, interrupted, failed
or killed, the one whose last checkpoint was written most recently) trains again with the run's
own overrides (its .hydra/overrides.yaml), then the ones given now, in the same run folder.
Training loads the folder's last checkpoint and goes on with the next epoch; metrics.csv keeps
the rows of the epochs the checkpoint holds. A SLURM job requeued after a time-out comes back the
same way, with `resume=<its folder>` (requeue.py).

A run continues as it started. What is given now may change only how long and where it trains
and how it is logged (MAY_CHANGE: `trainer.max_epochs=30` extends a run); the composed config
must keep the run's contract (contract.py: its data, split, model, optimizer type, framework);
no other process may hold the folder (run_state.py); a finished run continues only with more
epochs. Each refusal is one line, before anything in the folder is touched. No heavy imports
here: train imports this module before `--help` is answered.
"""

import functools
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

from . import PROJECT, contract, run_state
from .errors import RefusedAtStart, RunError, error_line
from .signals import command_name

log = logging.getLogger(__name__)

LATEST = "latest"
# what a run leaves when it ends: gone while the run goes on again
ENDED = (run_state.LEGACY_FAILED, "metrics.json", "summary.json")
ONE_STEP = "resume: this project trains in one step (one fit); there is nothing to continue"
# the overrides that `resume=` may add: how long and where the run trains, how it is logged
MAY_CHANGE = (
    "trainer.max_epochs",
    "trainer.device",
    "trainer.accelerator",
    "trainer.devices",
    "trainer.num_nodes",
    "trainer.strategy",
    "loader.num_workers",
    "model.compile",
    "logger",
    "tags",
    "run_name",
    "hydra.verbose",
    "hydra/job_logging",
    "hydra/hydra_logging",
    "hydra.job_logging",
)
# the states of runs that `resume=latest` continues
STOPPED_EARLY = (run_state.INTERRUPTED, run_state.FAILED, run_state.STOPPED)


def resumable(main: Callable) -> Callable:
    """Wraps a Hydra command: `resume=<run folder>` (or `latest`) on the command line becomes
    the run's own overrides, `hydra.run.dir=<run folder>`, the overrides given now and
    `resume=<run folder>` as an absolute path, before Hydra composes the config. A folder that
    cannot be continued stops the command with one line, before anything is written."""

    @functools.wraps(main)
    def command(*config):  # like Hydra's main: a config given directly runs without the CLI
        given = [arg for arg in sys.argv[1:] if arg.startswith("resume=")]
        if config or not given or given[-1] == "resume=null":
            return main(*config)
        try:
            sys.argv[1:] = continued(sys.argv[1:], given[-1].removeprefix("resume="))
        except RunError as error:
            raise SystemExit(error_line(str(error))) from None
        return main()

    return command


def last_checkpoint_name() -> str:
    """The engine's LAST_CHECKPOINT (the engine, and its heavy imports, only when resuming)."""
    import importlib

    name = importlib.import_module(f"{PROJECT}.engine").LAST_CHECKPOINT
    if name is None:
        raise RunError(ONE_STEP)
    return name


def override_key(text: str) -> str:
    """The key of an override: `trainer.max_epochs=9` and `+trainer.x=1` give the key."""
    return text.split("=", 1)[0].lstrip("+~")


def may_change(text: str) -> bool:
    key = override_key(text)
    return any(key == allowed or key.startswith(f"{allowed}.") for allowed in MAY_CHANGE)


def continued(args: list[str], value: str) -> list[str]:
    """The command line that continues the run `value` (a folder, or `latest`)."""
    if {"-m", "--multirun"} & set(args):
        raise RunError("resume: continues one run; leave out -m")
    now = [arg for arg in args if not arg.startswith("resume=")]
    changes = [arg for arg in now if not arg.startswith("-") and not may_change(arg)]
    if changes:
        raise RefusedAtStart(
            f"resume: {override_key(changes[0])} would change what the run is; a run continues "
            f"with its own data, model, optimizer and seed, and resume= may change only "
            f"{', '.join(MAY_CHANGE[:7])}, the logger and tags: start a new run instead"
        )
    last = last_checkpoint_name()
    root = next((a.split("=", 1)[1] for a in args if a.startswith("paths.output_root=")), "outputs")
    if value == LATEST:
        folder = latest(Path(os.path.expanduser(root)).absolute(), last)
    else:
        folder = Path(os.path.normpath(Path(os.path.expanduser(value)).absolute()))
        check(folder, last)
    kept = [arg for arg in own_overrides(folder) if not arg.startswith("resume=")]
    return [*kept, f"hydra.run.dir={quoted(folder)}", *now, f"resume={quoted(folder)}"]


def own_overrides(folder: Path) -> list[str]:
    """The overrides the run in `folder` was started with (its .hydra/overrides.yaml)."""
    import yaml

    path = folder / ".hydra" / "overrides.yaml"
    try:
        overrides = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        reason = str(error).strip().splitlines()[0]
        raise RefusedAtStart(f"resume: {path} cannot be read ({reason})") from None
    if overrides is None:
        return []
    if not isinstance(overrides, list) or not all(isinstance(o, str) for o in overrides):
        raise RefusedAtStart(f"resume: {path} is not a list of overrides; was it edited?")
    return overrides


def quoted(path: Path) -> str:
    """A path as one quoted value of Hydra's override grammar (spaces, commas, `=` kept)."""
    return "'" + str(path).replace("\\", "\\\\").replace("'", "\\'") + "'"


def check(folder: Path, last: str) -> None:
    """Refuse, with one line, a folder that holds no run or no last checkpoint."""
    if not folder.is_dir():
        raise RefusedAtStart(f"resume: no run folder at {folder}")
    if not (folder / ".hydra" / "overrides.yaml").is_file():
        raise RefusedAtStart(
            f"resume: {folder} is not a run folder of train (no .hydra/overrides.yaml)"
        )
    if not (folder / last).is_file():
        raise RefusedAtStart(
            f"resume: {folder} holds no {last}: no epoch of it finished (or it was trained "
            "before runs kept one); train it again instead"
        )


def latest(output_root: Path, last: str) -> Path:
    """Of the run folders under `output_root` (runs/<date>/<time>, multiruns/<date>/<time>/<job>)
    that stopped before they finished and that no process holds, the one whose last checkpoint
    was written most recently."""
    found = [*output_root.glob(f"runs/*/*/{last}"), *output_root.glob(f"multiruns/*/*/*/{last}")]
    found = [path for path in found if (path.parent / ".hydra" / "overrides.yaml").is_file()]
    found = [path for path in found if stopped_early(path.parent)]
    if not found:
        raise RefusedAtStart(
            f"resume=latest: no run under {output_root} holds a {last} and stopped before it "
            "finished (running and finished runs are not taken)"
        )
    return max(found, key=lambda path: path.stat().st_mtime_ns).parent


def stopped_early(folder: Path) -> bool:
    state = run_state.read(folder)
    return (state is None or state.state in STOPPED_EARLY) and run_state.holder(folder) is None


def take_over(folder: Path, config) -> None:
    """Before Hydra writes into `folder` (run_folder.py): refuse, with one line and nothing
    written, a run that another process holds, a finished run without more epochs, a run that
    trained more epochs than asked, and a config that changes the run's contract; then hold the
    folder, its state running."""
    import importlib

    who = run_state.holder(folder)
    if who is not None:
        raise RefusedAtStart(
            f"resume: {folder} is being written by {who}; one process continues a run at a time"
        )
    last_checkpoint_name()  # (a project that trains in one step has nothing to continue)
    done = importlib.import_module(f"{PROJECT}.engine").epochs_on_disk(folder)
    state = run_state.read(folder)
    finished = state is not None and state.state == run_state.FINISHED
    max_epochs = config.trainer.max_epochs
    if done is not None and (done > max_epochs or (finished and done == max_epochs)):
        raise RefusedAtStart(
            f"resume: {folder} trained {done} epochs already; give trainer.max_epochs=<more> "
            "to train it further"
        )
    if finished and (reason := stopped_by_early_stopping(folder)):
        raise RefusedAtStart(
            f"resume: {folder} finished: early stopping ended it after epoch {done}, as "
            f"{reason}; start a new run to train longer"
        )
    contract.check_config(folder, config, os.getcwd())
    if run_state.take(folder) is None:  # another process took it in between
        raise RefusedAtStart(f"resume: {folder} is being written by {run_state.holder(folder)}")


def stopped_by_early_stopping(folder: Path) -> str | None:
    """Why early stopping ended the finished run in `folder` (its summary.json), or None."""
    try:
        stopped = json.loads((folder / "summary.json").read_text()).get("stopped") or {}
    except (OSError, ValueError, AttributeError):
        return None
    return stopped.get("reason") if stopped.get("by") == "early_stopping" else None


def last_checkpoint(resume: str | None, name: str) -> Path | None:
    """The last checkpoint a run continues from (`resume`, the config value: the run folder,
    which must be this run's own), or None for a new run."""
    from .. import paths

    if resume is None:
        return None
    if name is None:
        raise RunError(ONE_STEP)
    folder, out = paths.resolve(resume), paths.output_dir()
    # (in a multi-process run the other processes have folders of their own, and read this one)
    if run_state.is_main_process() and folder.resolve() != out.resolve():
        raise RefusedAtStart(
            f"resume: continues a run in its own folder, not in {out}: "
            f"use `{command_name()} resume={folder}`"
        )
    check(folder, name)
    return folder / name


def reopen(folder: Path, epochs_done: int, max_epochs: int) -> None:
    """Ready the run folder to go on after `epochs_done` epochs: metrics.csv keeps the rows
    of those epochs (a later one was written after the checkpoint, by a run killed before it
    saved the next), and what an ended run leaves (metrics.json, summary.json) goes."""
    import csv

    from .results import write_atomically

    if not run_state.is_main_process():  # (the other processes of a run with several write nothing)
        return
    if epochs_done > max_epochs:
        raise RefusedAtStart(
            f"resume: {folder} trained {epochs_done} epochs already, more than "
            f"trainer.max_epochs={max_epochs}"
        )
    log.info("Continuing %s after epoch %d of %d", folder, epochs_done, max_epochs)
    metrics = folder / "metrics.csv"
    if metrics.is_file():
        with open(metrics, newline="") as file:
            rows = [row for row in csv.reader(file) if row]  # (a blank line is no epoch)
        try:
            kept = rows[:1] + [row for row in rows[1:] if int(row[0]) <= epochs_done]
        except ValueError:
            raise RunError(f"resume: {metrics} is not a table of epochs (edited?)") from None

        def write(path: Path) -> None:
            with open(path, "w", newline="") as file:
                csv.writer(file).writerows(kept)

        write_atomically(metrics, write)
    for name in ENDED:
        (folder / name).unlink(missing_ok=True)
