"""Timing helpers: medians of repeated commands, run side by side so that noise hits all alike."""

import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path


def wall_time(
    command: list, cwd: Path | None = None, env: dict | None = None, exit_status: int = 0
) -> float:
    """Seconds one run of `command` takes; a command that does not end with `exit_status` (0:
    success) stops the benchmark."""
    start = time.perf_counter()
    done = subprocess.run(
        command, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if done.returncode != exit_status:
        raise RuntimeError(
            f"{' '.join(map(str, command))} ended with {done.returncode}, not {exit_status}:\n"
            f"{done.stderr[-2000:]}"
        )
    return elapsed


def interleaved_medians(commands: dict[str, dict], repeats: int) -> dict[str, float]:
    """Median seconds of each command, running them in turn (a b c a b c ...) `repeats` times.

    Each value of `commands` holds `command` and optionally `env`, `exit_status` (the one it
    must end with, 0 by default) and `setup`, a function called before every run that returns
    the working directory (a fresh one, for example).
    """
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, spec in commands.items():
            cwd = spec["setup"]() if "setup" in spec else None
            status = spec.get("exit_status", 0)
            times[name].append(wall_time(spec["command"], cwd, spec.get("env"), status))
    return {name: statistics.median(values) for name, values in times.items()}


def fresh_dir(parent: Path):
    """A `setup` that gives every run its own empty directory under `parent`."""

    def setup() -> Path:
        parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(dir=parent))

    return setup


def empty(path: Path):
    """A `setup` that empties `path` (an output folder a command recreates) before every run."""

    def setup() -> Path:
        shutil.rmtree(path, ignore_errors=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.parent

    return setup
