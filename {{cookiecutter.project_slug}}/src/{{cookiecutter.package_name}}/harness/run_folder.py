"""One run per folder, one writer per run folder. Hydra calls these hooks before it writes into a
run (or sweep) folder; configs/hydra/default.yaml registers them.

A new run refuses a folder that already holds files (a run's, with or without Hydra's .hydra/:
`hydra.output_subdir=null` leaves none), instead of mixing its files with the other run's. It
then holds the folder's lock (run_state.py) until it ends, its state running. A run that
continues in its own folder (`resume=<its folder>`) takes it over only when resume.take_over
allows. A refusal is one line and changes nothing on disk.
"""

import os
from pathlib import Path

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from . import resume, run_state
from .errors import RunError, error_line


def refused(reason: str) -> SystemExit:
    """The one line a hook stops the command with: Hydra's callbacks turn an Exception into a
    warning and go on, so it is a SystemExit."""
    return SystemExit(error_line(reason))


def claim(folder: Path, key: str, marker: str) -> None:
    """Make `folder` this command's: refuse one that holds files already, then create `marker`
    in it exclusively (it fails when the file is there, whichever command made it, even one
    started in the same instant). The folder that cannot be made: the reason the OS gives."""
    try:
        if folder.is_dir() and any(folder.iterdir()):
            raise FileExistsError
        folder.mkdir(parents=True, exist_ok=True)
        os.close(os.open(folder / marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        raise refused(
            f"{key}: {folder} already holds files (another run's?); give a new folder, or leave "
            f"{key} out for a fresh one"
        ) from None
    except OSError as error:  # not writable, a file in the way, ...
        raise refused(f"{key}: cannot make {folder}: {error.strerror}") from None


class OneRunPerFolder(Callback):
    # the sweep folders this process made, the last one last
    sweeps: list[Path] = []

    def on_run_start(self, config: DictConfig, **kwargs) -> None:
        if not run_state.is_main_process():  # the others join process 0's folder, or a scratch one
            return
        folder = Path(config.hydra.run.dir)
        if config.get("resume") and continues(folder, Path(config.resume)):
            try:
                resume.take_over(folder, config)
            except RunError as error:
                raise refused(str(error)) from None
            return
        claim(folder, "hydra.run.dir", run_state.LOCK)
        if run_state.take(folder) is None:
            raise refused(f"hydra.run.dir: {folder} is being written by another process")

    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        claim(sweep_dir, "hydra.sweep.dir", "multirun.yaml")
        OneRunPerFolder.sweeps.append(sweep_dir.absolute())
        # the sweep's settings, as Hydra's basic sweeper writes them (other sweepers, Optuna's
        # among them, do not): what `<project>-report` reads
        OmegaConf.save(config, sweep_dir / "multirun.yaml")


def continues(folder: Path, resume: Path) -> bool:
    """Whether a run in `folder` continues the run `resume` (resume.py made both absolute)."""
    return folder.is_absolute() and folder.resolve() == resume.resolve()


def lost_jobs(error: Exception) -> str:
    """The one line for a sweep whose launcher lost a job's process (joblib's
    TerminatedWorkerError: killed for its memory, say): which jobs stopped with it, that the
    others keep their results, and the command that lists what to run again."""
    import importlib.metadata
    import re

    from . import PROJECT

    found = re.search(r"exit codes of the workers are (\{[^}]*\})", str(error))
    exit_codes = found.group(1) if found else "unknown"
    if not OneRunPerFolder.sweeps:
        return f"a sweep job's process was killed (exit codes {exit_codes})"
    sweep = OneRunPerFolder.sweeps[-1]
    jobs = [job for job in sweep.iterdir() if job.is_dir() and job.name.isdigit()]
    stopped = sorted(
        int(job.name)
        for job in jobs
        if (state := run_state.read(job)) is not None and state.state == run_state.STOPPED
    )
    distributions = importlib.metadata.packages_distributions().get(PROJECT, ["<project>"])
    return (
        f"sweep {sweep}: a job's process was killed (exit codes {exit_codes}; out of memory?), "
        f"and jobs {stopped} stopped with it; the others keep their results: "
        f"`{distributions[0]}-report {sweep}` lists the jobs to run again"
    )
