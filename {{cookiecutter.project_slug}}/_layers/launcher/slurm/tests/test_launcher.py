"""The SLURM launcher (submitit): its config composes with the keys a cluster needs, and its
local twin, submitit_local, runs a sweep on this machine exactly as SLURM would."""

import pytest
from conftest import PACKAGE, module, read_json, run_cli
from hydra import compose, initialize_config_module
from omegaconf import OmegaConf


def test_the_slurm_launcher_config_names_submitit_and_the_job_resources():
    with initialize_config_module(f"{PACKAGE}.configs", version_base="1.3"):
        cfg = compose("train", ["hydra/launcher=slurm"], return_hydra_config=True)
    launcher = cfg.hydra.launcher
    assert launcher._target_ == f"{PACKAGE}.harness.requeue.RequeuingSlurmLauncher"
    assert (launcher.timeout_min, launcher.cpus_per_task, launcher.mem_gb) == (60, 4, 16)
    assert (launcher.signal_delay_s, launcher.max_num_timeout) == (120, 3)


def test_a_requeued_job_continues_its_own_folder(tmp_path):
    """submitit calls `checkpoint` before the time limit: the job comes back with
    `resume=<its folder>` (replacing an earlier one) when the folder holds a last checkpoint."""
    import submitit
    from hydra.core.hydra_config import HydraConfig
    from hydra.utils import instantiate

    with initialize_config_module(f"{PACKAGE}.configs", version_base="1.3"):
        cfg = compose("train", ["hydra/launcher=slurm"], return_hydra_config=True)
    cfg.hydra.runtime.output_dir = str(tmp_path)
    HydraConfig.instance().set_config(cfg)
    launcher = instantiate(cfg.hydra.launcher)
    last = module("engine").LAST_CHECKPOINT
    args = (["seed=1", "resume=old"], "hydra.sweep.dir", 3, "job_id_for_3", {})
    if last is None:  # scikit-learn: nothing to continue, the job runs again
        expected = ["seed=1"]
    else:
        (tmp_path / last).write_bytes(b"checkpoint")
        expected = ["seed=1", f"resume={module('resume').quoted(tmp_path)}"]
    again = launcher.checkpoint(*args)
    assert isinstance(again, submitit.helpers.DelayedSubmission) and again.function is launcher
    assert again.args == (expected, *args[1:])
    if last is not None:
        (tmp_path / last).unlink()
        assert launcher.checkpoint(*args).args[0] == ["seed=1"]  # no epoch ended: from the start


@pytest.mark.processes
def test_submitit_local_runs_a_sweep_one_folder_per_job(tmp_path):
    run_cli("train", "-m", "hydra/launcher=submitit_local", "seed=1,2", "debug=fast", cwd=tmp_path)
    (sweep,) = (tmp_path / "outputs" / "multiruns").glob("*/*")
    launcher = OmegaConf.load(sweep / "multirun.yaml").hydra.launcher
    assert launcher._target_.endswith("submitit_launcher.LocalLauncher")
    jobs = sorted(p for p in sweep.iterdir() if p.is_dir() and p.name.isdigit())
    assert [p.name for p in jobs] == ["0", "1"]
    for job in jobs:
        assert 0.0 <= read_json(job / "metrics.json")["val_acc"] <= 1.0
