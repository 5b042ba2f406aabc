"""A run folder's state and its one writer.

Every run folder has a state in `state.json`: running, finished, failed or interrupted, with the
reason when it ended without finishing. The process that writes a run folder holds an OS lock
on its `.lock` file (flock; msvcrt on Windows) for as long as it runs. The OS releases the lock
when the process ends, however it ends (SIGKILL, out of memory, a power cut), so a folder whose
state says running but whose lock nobody holds was stopped without a word: its state reads as
`stopped`. A second process that wants the folder (a second `resume=` of it, say) sees the
holder and is refused with one line naming it.

No heavy imports: run_folder.py takes the lock before Hydra writes into the folder.
"""

import json
import logging
import os
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

STATE = "state.json"
LOCK = ".lock"
RUNNING, FINISHED, FAILED, INTERRUPTED = "running", "finished", "failed", "interrupted"
# a state file that says running, in a folder whose lock is free: the process died
STOPPED = "stopped"
# what the folders of runs made before run states existed leave when they fail
LEGACY_FAILED = "FAILED"


@dataclass
class State:
    state: str  # running, finished, failed, interrupted, or stopped (see the module's doc)
    reason: str | None = None  # why it failed or was interrupted
    epochs_done: int | None = None  # when it stopped


def write(folder: Path, state: str, reason: str | None = None, **facts) -> None:
    """Record `state` (and why) in `folder`, atomically; a finished run stays finished."""
    path = folder / STATE
    if state != FINISHED and recorded(folder) == FINISHED:
        return  # (a signal that arrives after the results were written changes nothing)
    entry = {"state": state, "reason": reason, "pid": os.getpid(), "host": socket.gethostname()}
    entry |= {"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **facts}
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(entry, indent=2) + "\n")
    os.replace(partial, path)


def recorded(folder: Path) -> str | None:
    """The state written in `folder` (None: no state file, or one that cannot be read)."""
    try:
        return json.loads((folder / STATE).read_text()).get("state")
    except (OSError, ValueError, AttributeError):
        return None


def read(folder: Path) -> State | None:
    """The state of the run in `folder`: what its state file says, `stopped` for a run that
    says running while nobody holds its lock; for a folder from before run states, failed
    (a FAILED file) or finished (metrics.json); None when nothing says."""
    try:
        entry = json.loads((folder / STATE).read_text())
        state = entry["state"]
    except FileNotFoundError:
        if (folder / LEGACY_FAILED).is_file():
            text = (folder / LEGACY_FAILED).read_text(errors="replace").strip()
            return State(FAILED, text or None)
        return State(FINISHED) if (folder / "metrics.json").is_file() else None
    except (OSError, ValueError, KeyError, TypeError) as error:
        return State(FAILED, f"{STATE} cannot be read ({type(error).__name__})")
    if state == RUNNING and holder(folder) is None:
        return State(STOPPED, "the process ended without a word (killed?)")
    return State(state, entry.get("reason"), entry.get("epochs_done"))


def holder(folder: Path) -> str | None:
    """Who holds the folder's lock, as `process <pid> on <host> since <time>`; None when no
    process does. Reads the lock file without changing it."""
    try:
        fd = os.open(folder / LOCK, os.O_RDONLY)
    except OSError:  # no lock file: no process ever held it
        return None
    try:
        if _try_lock(fd, shared=True):
            _unlock(fd)
            return None
        text = os.read(fd, 4096).decode(errors="replace").strip()
        return text or "another process"
    finally:
        os.close(fd)


class Lock:
    """The lock of a run folder, held by this process until `release` or its end."""

    # this process's locks, by folder: a callback takes one, the run it starts keeps it
    held: dict[Path, "Lock"] = {}

    def __init__(self, folder: Path, fd: int):
        self.folder, self.fd = folder, fd
        # the state file as it was before this process took the folder (None: there was none)
        self.previous: str | None = None

    @classmethod
    def take(cls, folder: Path, create: bool = True) -> "Lock | None":
        """The lock of `folder` (already this process's, or taken now), or None when another
        process holds it. `create` makes the lock file if there is none: the first write into
        the folder, so a caller that must refuse without writing checks `holder` first."""
        key = folder.resolve()
        if key in cls.held:
            return cls.held[key]
        flags = os.O_RDWR | (os.O_CREAT if create else 0)
        fd = os.open(folder / LOCK, flags, 0o644)
        if not _try_lock(fd):
            os.close(fd)
            return None
        os.ftruncate(fd, 0)
        since = time.strftime("%Y-%m-%d %H:%M:%S")
        os.write(fd, f"process {os.getpid()} on {socket.gethostname()} since {since}".encode())
        cls.held[key] = lock = cls(key, fd)
        return lock

    def release(self) -> None:
        self.held.pop(self.folder, None)
        _unlock(self.fd)
        os.close(self.fd)


def holds(folder: Path) -> bool:
    """Whether this process holds the lock of `folder`."""
    return folder.resolve() in Lock.held


def take(folder: Path, create: bool = True) -> Lock | None:
    """The lock of `folder`, with the state file as it was kept aside (see `Writer.restore`),
    and the state now running; None when another process holds the folder."""
    lock = Lock.take(folder, create)
    if lock is not None and recorded(folder) != RUNNING:
        state = folder / STATE
        lock.previous = state.read_text() if state.is_file() else None
        write(folder, RUNNING)
    return lock


def is_main_process() -> bool:
    """False in the other processes of a multi-process run, which their launcher gives a
    RANK, or a LOCAL_RANK and NODE_RANK: they write no run folder."""
    if "RANK" in os.environ:
        return os.environ["RANK"] == "0"
    return os.environ.get("LOCAL_RANK", "0") == "0" and os.environ.get("NODE_RANK", "0") == "0"


@dataclass
class Writer:
    """The process that writes a run folder, while it runs: `end` records how the run ended,
    `restore` puts back the state the folder had (a run refused before it changed anything)."""

    folder: Path | None
    lock: Lock | None = None

    def end(self, state: str, reason: str | None = None) -> None:
        if self.folder is None or not self.folder.is_dir():
            return
        try:
            write(self.folder, state, reason and reason.strip().splitlines()[0])
        except OSError as error:  # a full disk: the state stays running, which reads as stopped
            logging.getLogger(__name__).warning("%s: cannot write it: %s", STATE, error.strerror)

    def restore(self) -> None:
        if self.folder is None or self.lock is None:
            return
        if self.lock.previous is None:
            (self.folder / STATE).unlink(missing_ok=True)
        else:
            (self.folder / STATE).write_text(self.lock.previous)


@contextmanager
def writer(folder: Path | None) -> Iterator[Writer]:
    """Around a command's run in its output `folder` (None: outside Hydra): this process holds
    the folder (run_folder.py took it already, or it is a sweep's new job folder) and its state
    says running; the lock is released when the block ends. The other processes of a
    multi-process run write nothing."""
    if folder is None or not is_main_process():
        yield Writer(None)
        return
    from .errors import RunError  # (errors.py imports this module)

    lock = take(folder)
    if lock is None:
        raise RunError(f"{folder} is being written by {holder(folder)}; one writer at a time")
    try:
        yield Writer(folder, lock)
    finally:
        lock.release()


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int, shared: bool = False) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int, shared: bool = False) -> bool:
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
