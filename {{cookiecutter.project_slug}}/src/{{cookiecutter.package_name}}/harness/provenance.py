"""What it takes to make a run again, kept in its run folder and in summary.json:
- the environment: every installed distribution in `pip freeze`'s form (environment.txt), and
  the hash of the project's lockfile when it has one;
- the code: the git commit and, when tracked files differ from it, the difference as
  code.patch, which `git apply` puts back on a checkout of that commit (files git does not
  track are not in it);
- the machine: CPU and cores (and the framework's threads and GPUs, with their CUDA and
  driver versions, where it has them);
- the command line, with its overrides.
The environment and the code are recorded when the run starts, once its data is bound (the code
may change while it trains); the machine when it ends. No network call; about 10 ms."""

import hashlib
import importlib
import os
import platform
import re
import shlex
import subprocess
from importlib import metadata
from pathlib import Path

from . import PROJECT
from .results import write_atomically

ENVIRONMENT = "environment.txt"
PATCH = "code.patch"
# the lockfiles whose hash says which environment a run had, in the project's folder
LOCKFILES = ("uv.lock", "pylock.toml", "requirements.lock")


def installed() -> list[str]:
    """Every distribution installed in this environment, as `name==version` with its name
    normalized (PEP 503, as pip reads it), sorted; the first of a name on sys.path wins."""
    found = {}
    for distribution in metadata.distributions():
        name, version = name_and_version(distribution)
        if name:  # (a broken installation can leave metadata without a name)
            found.setdefault(re.sub(r"[-_.]+", "-", name).lower(), version)
    return [f"{name}=={found[name]}" for name in sorted(found)]


def name_and_version(distribution: metadata.Distribution) -> tuple[str | None, str]:
    """From the name of its `<name>-<version>.dist-info` folder, which the wheel standard
    fixes: reading every METADATA file instead takes about 90 ms in an environment of 190
    distributions. Other distributions (an .egg-info) from their metadata."""
    folder = getattr(distribution, "_path", None)  # (importlib.metadata's PathDistribution)
    stem = folder.name.removesuffix(".dist-info") if folder is not None else ""
    if stem != getattr(folder, "name", "") and stem.count("-") == 1:
        name, version = stem.split("-")
        return name, version
    return distribution.metadata["Name"], distribution.version


def git(folder: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, timeout=10)
    if done.returncode != 0:
        raise OSError(done.stderr.strip())
    return done.stdout


def git_state(folder: Path) -> dict:
    """The commit checked out at `folder` and whether tracked files differ from it (`dirty`);
    both None outside a git repository or without git."""
    try:
        commit = git(folder, "rev-parse", "HEAD").strip()
        dirty = bool(git(folder, "status", "--porcelain", "--untracked-files=no").strip())
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": dirty}


def lockfile(project: Path) -> dict | None:
    """The project's lockfile (LOCKFILES) and its sha256, or None when it has none."""
    for name in LOCKFILES:
        if (project / name).is_file():
            digest = hashlib.sha256((project / name).read_bytes()).hexdigest()
            return {"file": name, "sha256": digest}
    return None


def record_start(out: Path, code_folder: Path) -> dict:
    """Write environment.txt and, for changed code, code.patch into the run folder `out`;
    what summary.json says of them: {"git": ..., "environment": ...}."""
    lines = installed()
    write_atomically(out / ENVIRONMENT, lambda file: file.write_text("\n".join(lines) + "\n"))
    code = git_state(code_folder) | {"patch": None}
    if code["dirty"]:
        # the whole work tree's changes, from its top folder: `git apply` there puts them back
        # (bytes: a changed file need not be UTF-8)
        diff = ["git", "diff", "HEAD", "--binary"]
        patch = subprocess.run(diff, cwd=code_folder, capture_output=True, timeout=10).stdout
        write_atomically(out / PATCH, lambda file: file.write_bytes(patch))
        code["patch"] = PATCH
    else:  # (a run continued from clean code drops the patch of its first start)
        (out / PATCH).unlink(missing_ok=True)
    project = code_folder.parents[1]  # src/<package>/ in the project's folder
    environment = {"file": ENVIRONMENT, "distributions": len(lines), "lockfile": lockfile(project)}
    return {"git": code, "environment": environment}


def cpu_model() -> str:
    """The processor's name: /proc/cpuinfo's on Linux, else what Python's platform module says."""
    try:
        with open("/proc/cpuinfo") as file:
            for line in file:
                if line.startswith("model name"):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict:
    """The machine a run trained on; its GPUs too in a framework that has them (the
    `machine` of harness/devices.py)."""
    facts = {"cpu": cpu_model(), "cpu_count": os.cpu_count(), "platform": platform.platform()}
    try:
        devices = importlib.import_module(f"{PROJECT}.harness.devices")
    except ModuleNotFoundError:  # a framework without GPUs
        return facts
    return facts | devices.machine()


def reproduce(command: str, overrides: list[str], code: dict) -> dict:
    """How to make the run again: the code to check out and the command line to run."""
    steps = {"command": shlex.join([command, *overrides])}
    if code.get("commit"):
        checkout = f"git checkout {code['commit']}"
        patch = f" && git apply <run folder>/{PATCH}" if code.get("patch") else ""
        steps["code"] = checkout + patch
    return steps
