"""summary.json: what a finished run was, in one file: its final metrics, how long it took,
its seed, the code it ran (git commit and whether the work tree had changes) and where it ran
(host, Python and the versions of the libraries that shape its results)."""

import functools
import json
import platform
import re
import socket
import subprocess
from datetime import datetime
from importlib import metadata
from pathlib import Path

from . import PROJECT
from .results import write_atomically

# this project's distribution (pyproject.toml's name), whose dependencies' versions are recorded
DISTRIBUTION = "{{ cookiecutter.project_slug }}"


def git_state(folder: Path) -> dict:
    """The commit checked out at `folder` and whether tracked files differ from it (`dirty`);
    both None outside a git repository or without git."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=folder, capture_output=True, text=True, timeout=10
        )
        if done.returncode != 0:
            raise OSError(done.stderr.strip())
        return done.stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": dirty}


@functools.cache  # one answer per process: a test session trains many times
def versions() -> dict[str, str]:
    """Python's version and the installed version of each dependency of this project (the
    `dependencies` of pyproject.toml, not the dev tools), and of omegaconf under Hydra."""
    found = {"python": platform.python_version()}
    try:
        requirements = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:  # renamed in pyproject.toml: search (about 0.5 s)
        try:
            requirements = metadata.requires(metadata.packages_distributions()[PROJECT][0])
        except (KeyError, metadata.PackageNotFoundError):  # run from a folder, not installed
            requirements = []
    needed = [text for text in requirements if "extra ==" not in text]
    for name in [re.match(r"[\w.-]+", text).group() for text in needed] + ["omegaconf"]:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:  # a dependency for another platform
            pass
    return found


def write(
    path: Path,
    metrics: dict,
    *,
    name: str,
    seed,
    started: float,
    ended: float,
    tags: list,
    code_folder: Path,
    stopped: dict | None = None,
) -> dict:
    """Write summary.json at `path` (atomically) and return what it holds."""

    def moment(seconds: float) -> str:
        return datetime.fromtimestamp(seconds).astimezone().isoformat(timespec="seconds")

    summary = {
        "run_name": name,
        "metrics": metrics,
        "duration_s": round(ended - started, 3),
        "started": moment(started),
        "ended": moment(ended),
        "seed": seed,
        "tags": list(tags),
        # why training ended and after which epoch: early stopping, or max_epochs
        **({"stopped": stopped} if stopped else {}),
        "git": git_state(code_folder),
        "host": socket.gethostname(),
        "versions": versions(),
    }
    text = json.dumps(summary, indent=2) + "\n"
    write_atomically(path, lambda file: file.write_text(text))
    return summary
