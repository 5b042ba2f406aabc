"""Interrupted runs and how they continue, in their own run folder.

`<project>-train resume=outputs/runs/<date>/<time>` (or `resume=latest`: the run folder whose
last checkpoint was written most recently, under `outputs/runs/` and `outputs/multiruns/`)
trains again with the run's own overrides (its .hydra/overrides.yaml), then the ones given
now (later wins: `trainer.max_epochs=30` extends a run), in the same run folder. Training
loads the folder's last checkpoint and goes on with the next epoch; metrics.csv keeps the rows
of the epochs the checkpoint holds. A SLURM job requeued after a time-out comes back the same
way, with `resume=<its folder>` (requeue.py).

While training, SIGTERM, SIGINT (Ctrl-C) and SIGHUP stop the run with one line that says how
to continue it; the checkpoint of the last finished epoch is on disk. No heavy imports here:
train imports this module before `--help` is answered.
"""

import functools
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from . import PROJECT
from .errors import FAILED, RefusedAtStart, RunError, error_line

log = logging.getLogger(__name__)

LATEST = "latest"
SIGNALS = ("SIGTERM", "SIGINT", "SIGHUP")
# what a run leaves when it ends: gone while the run goes on again (report.py reads them)
ENDED = (FAILED, "metrics.json", "summary.json")
ONE_STEP = "resume: this project trains in one step (one fit); there is nothing to continue"


class Interrupted(RunError):
    """Training stopped by a signal; the message says how to continue the run."""


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


def continued(args: list[str], value: str) -> list[str]:
    """The command line that continues the run `value` (a folder, or `latest`)."""
    from omegaconf import OmegaConf

    if {"-m", "--multirun"} & set(args):
        raise RunError("resume: continues one run; leave out -m")
    last = last_checkpoint_name()
    root = next((a.split("=", 1)[1] for a in args if a.startswith("paths.output_root=")), "outputs")
    if value == LATEST:
        folder = latest(Path(os.path.expanduser(root)).absolute(), last)
    else:
        folder = Path(os.path.normpath(Path(os.path.expanduser(value)).absolute()))
        check(folder, last)
    earlier = OmegaConf.load(folder / ".hydra" / "overrides.yaml")
    now = [arg for arg in args if not arg.startswith("resume=")]
    kept = [str(arg) for arg in earlier if not str(arg).startswith("resume=")]
    return [*kept, f"hydra.run.dir={quoted(folder)}", *now, f"resume={quoted(folder)}"]


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
    """The run folder under `output_root` (runs/<date>/<time>, multiruns/<date>/<time>/<job>)
    whose last checkpoint was written most recently."""
    found = [*output_root.glob(f"runs/*/*/{last}"), *output_root.glob(f"multiruns/*/*/*/{last}")]
    found = [path for path in found if (path.parent / ".hydra" / "overrides.yaml").is_file()]
    if not found:
        raise RunError(f"resume=latest: no run under {output_root} holds a {last}")
    return max(found, key=lambda path: path.stat().st_mtime_ns).parent


def last_checkpoint(resume: str | None, name: str) -> Path | None:
    """The last checkpoint a run continues from (`resume`, the config value: the run folder,
    which must be this run's own), or None for a new run."""
    from .. import paths
    from .record import is_main_process

    if resume is None:
        return None
    if name is None:
        raise RunError(ONE_STEP)
    folder, out = paths.resolve(resume), paths.output_dir()
    # (in a multi-process run the other processes have folders of their own, and read this one)
    if is_main_process() and folder.resolve() != out.resolve():
        raise RefusedAtStart(
            f"resume: continues a run in its own folder, not in {out}: "
            f"use `{command_name()} resume={folder}`"
        )
    check(folder, name)
    return folder / name


def refuse_a_finished_run(folder: Path, max_epochs: int) -> None:
    """Stop, with one line, a command that would continue a run which trained its `max_epochs`
    already; called before Hydra writes into the folder, whose .hydra/ would otherwise take this
    command's overrides (run_folder.py). A SystemExit: Hydra's callbacks turn an Exception into
    a warning."""
    import importlib

    try:
        last_checkpoint_name()  # (a project that trains in one step has nothing to continue)
        done = importlib.import_module(f"{PROJECT}.engine").epochs_on_disk(folder)
        if done is not None:
            refuse_if_finished(folder, done, max_epochs)
    except RunError as error:
        raise SystemExit(error_line(str(error))) from None


def refuse_if_finished(folder: Path, epochs_done: int, max_epochs: int) -> None:
    if epochs_done >= max_epochs:
        raise RefusedAtStart(
            f"resume: {folder} trained its {max_epochs} epochs already; give "
            f"trainer.max_epochs=<more> to train it further"
        )


def reopen(folder: Path, epochs_done: int, max_epochs: int) -> None:
    """Ready the run folder to go on after `epochs_done` epochs: metrics.csv keeps the rows
    of those epochs (a later one was written after the checkpoint, by a run killed before it
    saved the next), and what an ended run leaves (metrics.json, FAILED, ...) goes."""
    import csv

    from .record import is_main_process

    if not is_main_process():  # (the other processes of a multi-process run write nothing)
        return
    refuse_if_finished(folder, epochs_done, max_epochs)
    log.info("Continuing %s after epoch %d of %d", folder, epochs_done, max_epochs)
    metrics = folder / "metrics.csv"
    if metrics.is_file():
        with open(metrics, newline="") as file:
            rows = list(csv.reader(file))
        kept = rows[:1] + [row for row in rows[1:] if int(row[0]) <= epochs_done]

        def write(path: Path) -> None:
            with open(path, "w", newline="") as file:
                csv.writer(file).writerows(kept)

        from .results import write_atomically

        write_atomically(metrics, write)
    for name in ENDED:
        (folder / name).unlink(missing_ok=True)


def command_name() -> str:
    """The command as the user typed it: `<project>-train` (Hydra's help.app_name)."""
    from hydra.core.hydra_config import HydraConfig
    from omegaconf.errors import OmegaConfBaseException

    try:
        return str(HydraConfig.get().help.app_name)
    except (ValueError, OmegaConfBaseException):  # no Hydra run (a test, a notebook)
        return Path(sys.argv[0]).name


def as_typed(folder: Path) -> str:
    """A run folder as the user can paste it: relative to the launch directory when inside."""
    from .. import paths

    launch = paths.original_cwd().resolve()
    folder = folder.resolve()
    return str(folder.relative_to(launch)) if folder.is_relative_to(launch) else str(folder)


class StopOnSignals:
    """`with StopOnSignals(folder, max_epochs, epochs_on_disk) as stop:` around training:
    SIGTERM, SIGINT and SIGHUP raise `Interrupted`, whose one line names the last epoch on
    disk (`epochs_on_disk(folder)`, None before the first) and the command that continues the run.
    A signal that arrives within `stop.held()` waits for the block's end, so that a metrics
    row is written whole. A signal that something else already handles (submitit's SIGTERM,
    `nohup`'s SIGHUP) is left to it. The previous handlers are back when the block ends."""

    def __init__(self, folder: Path, max_epochs: int, epochs_on_disk: Callable[[Path], int | None]):
        self.folder, self.max_epochs, self.epochs_on_disk = folder, max_epochs, epochs_on_disk
        self.received: str | None = None
        self.holding = False
        self.previous: dict = {}

    def __enter__(self) -> "StopOnSignals":
        if threading.current_thread() is not threading.main_thread():
            return self  # (only the main thread may set handlers)
        for name in SIGNALS:
            number = getattr(signal, name, None)  # Windows has no SIGHUP
            if number is not None and signal.getsignal(number) in (
                signal.SIG_DFL,
                signal.default_int_handler,
            ):
                self.previous[number] = signal.signal(number, self.receive)
        return self

    def __exit__(self, *exception) -> None:
        for number, handler in self.previous.items():
            signal.signal(number, handler)

    def receive(self, number: int, frame) -> None:
        self.received = signal.Signals(number).name
        if not self.holding:
            raise self.interrupted()

    @contextmanager
    def held(self) -> Iterator[None]:
        self.holding = True
        try:
            yield
        finally:
            self.holding = False
        if self.received:
            raise self.interrupted()

    def holding_call(self, function: Callable) -> Callable:
        """`function`, called with signals held (see `held`)."""

        def call(*args, **kwargs):
            with self.held():
                return function(*args, **kwargs)

        return call

    def interrupted(self) -> Interrupted:
        done = self.epochs_on_disk(self.folder)
        if done is None:
            return Interrupted(
                f"interrupted by {self.received} before epoch 1 of {self.max_epochs} ended; "
                "nothing to continue from: run train again"
            )
        return Interrupted(
            f"interrupted by {self.received} after epoch {done} of {self.max_epochs}; continue "
            f"with: {command_name()} resume={as_typed(self.folder)}"
        )
