"""summary.json: what a finished run was, in one file: its final metrics, how long it took,
its seed, the code it ran (git commit and whether the work tree had changes) and where it ran
(host, Python and the versions of the libraries that shape its results)."""

import json
import platform
import socket
import subprocess
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

from .results import write_atomically

# the distributions whose versions change results; those not installed are left out
LIBRARIES = ("torch", "lightning", "scikit-learn", "numpy", "pandas", "hydra-core", "omegaconf")


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


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
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
) -> dict:
    """Write summary.json at `path` (atomically) and return what it holds."""

    def moment(seconds: float) -> str:
        return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="seconds")

    summary = {
        "run_name": name,
        "metrics": metrics,
        "duration_s": round(ended - started, 3),
        "started": moment(started),
        "ended": moment(ended),
        "seed": seed,
        "tags": list(tags),
        "git": git_state(code_folder),
        "host": socket.gethostname(),
        "versions": versions(),
    }
    text = json.dumps(summary, indent=2) + "\n"
    write_atomically(path, lambda file: file.write_text(text))
    return summary
