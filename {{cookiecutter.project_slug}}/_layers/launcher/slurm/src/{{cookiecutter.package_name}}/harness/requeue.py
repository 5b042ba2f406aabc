"""The SLURM launcher of configs/hydra/launcher/slurm.yaml, whose jobs continue where they
stopped. submitit signals a job `signal_delay_s` seconds before its time limit (and when it is
preempted), asks the launcher's `checkpoint` what to run next and requeues the job, at most
`max_num_timeout` times after a time-out. Here that is the same job with `resume=<its run
folder>`: it trains on from its last checkpoint, in its own folder (resume.py)."""

import importlib
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from hydra_plugins.hydra_submitit_launcher.submitit_launcher import SlurmLauncher

from . import PROJECT
from .resume import quoted


class RequeuingSlurmLauncher(SlurmLauncher):
    def checkpoint(self, sweep_overrides, job_dir_key, job_num, job_id, singleton_state):
        """The job again (a submitit DelayedSubmission), continuing its run folder when it
        holds a last checkpoint (and from the start otherwise); an earlier `resume=` is
        replaced."""
        folder = Path(HydraConfig.get().runtime.output_dir).absolute()
        last = importlib.import_module(f"{PROJECT}.engine").LAST_CHECKPOINT
        overrides = [override for override in sweep_overrides if not override.startswith("resume=")]
        if last is not None and (folder / last).is_file():
            overrides.append(f"resume={quoted(folder)}")
        return super().checkpoint(overrides, job_dir_key, job_num, job_id, singleton_state)
