"""Signals during training: SIGTERM, SIGINT (Ctrl-C) and SIGHUP stop a run with one line that
says how to continue it (resume.py); the checkpoint of the last finished epoch is on disk. No
heavy imports here: train imports this module before `--help` is answered."""

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import Interrupted

SIGNALS = ("SIGTERM", "SIGINT", "SIGHUP")


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
        command = f"{command_name()} resume={as_typed(self.folder)}"
        if done >= self.max_epochs:  # trained: the test metrics and the record are missing
            return Interrupted(
                f"interrupted by {self.received} after the last epoch ({done} of "
                f"{self.max_epochs}), before the run's results were written; write them with: "
                f"{command}"
            )
        return Interrupted(
            f"interrupted by {self.received} after epoch {done} of {self.max_epochs}; continue "
            f"with: {command}"
        )
