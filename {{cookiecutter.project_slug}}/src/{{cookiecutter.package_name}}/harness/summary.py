"""summary.json: what a finished run was, in one file: its final metrics, how long it took,
its seed, why training ended, the versions of the libraries that shape its results, and what
it takes to make it again (provenance.py: the environment, the code, the machine, the command)."""

import functools
import json
import platform
import re
import socket
from datetime import datetime
from importlib import metadata
from pathlib import Path

from . import PROJECT
from .results import write_atomically

# this project's distribution (pyproject.toml's name), whose dependencies' versions are recorded
DISTRIBUTION = "{{ cookiecutter.project_slug }}"


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
    provenance: dict,
    stopped: dict | None = None,
) -> dict:
    """Write summary.json at `path` (atomically) and return what it holds; `provenance` is
    what provenance.py recorded (git, environment, machine, reproduce)."""

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
        "host": socket.gethostname(),
        "versions": versions(),
        **provenance,
    }
    text = json.dumps(summary, indent=2) + "\n"
    write_atomically(path, lambda file: file.write_text(text))
    return summary
