"""The SLURM launcher (submitit): its config composes with the keys a cluster needs, and its
local twin, submitit_local, runs a sweep on this machine exactly as SLURM would."""

import pytest
from conftest import PACKAGE, read_json, run_cli
from hydra import compose, initialize_config_module
from omegaconf import OmegaConf


def test_the_slurm_launcher_config_names_submitit_and_the_job_resources():
    with initialize_config_module(f"{PACKAGE}.configs", version_base="1.3"):
        cfg = compose("train", ["hydra/launcher=slurm"], return_hydra_config=True)
    launcher = cfg.hydra.launcher
    assert launcher._target_.endswith("hydra_submitit_launcher.submitit_launcher.SlurmLauncher")
    assert (launcher.timeout_min, launcher.cpus_per_task, launcher.mem_gb) == (60, 4, 16)


@pytest.mark.slow
def test_submitit_local_runs_a_sweep_one_folder_per_job(tmp_path):
    run_cli("train", "-m", "hydra/launcher=submitit_local", "seed=1,2", "debug=fast", cwd=tmp_path)
    (sweep,) = (tmp_path / "outputs" / "multiruns").glob("*/*")
    launcher = OmegaConf.load(sweep / "multirun.yaml").hydra.launcher
    assert launcher._target_.endswith("submitit_launcher.LocalLauncher")
    jobs = sorted(p for p in sweep.iterdir() if p.is_dir() and p.name.isdigit())
    assert [p.name for p in jobs] == ["0", "1"]
    for job in jobs:
        assert 0.0 <= read_json(job / "metrics.json")["val_acc"] <= 1.0
