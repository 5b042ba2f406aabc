"""Sweeps on the joblib launcher (the default): jobs run in parallel worker processes, each in
its own numbered folder."""

import pytest
from conftest import read_json, run_cli
from omegaconf import OmegaConf


@pytest.mark.slow
def test_a_sweep_runs_its_jobs_on_joblib_each_in_its_folder(tmp_path):
    run_cli("train", "-m", "seed=1,2,3,4", "debug=fast", cwd=tmp_path)
    (sweep,) = (tmp_path / "outputs" / "multiruns").glob("*/*")
    launcher = OmegaConf.load(sweep / "multirun.yaml").hydra.launcher
    assert launcher._target_ == "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher"
    assert launcher.n_jobs == -1
    jobs = sorted(p for p in sweep.iterdir() if p.is_dir())
    assert [p.name for p in jobs] == ["0", "1", "2", "3"]
    for job, seed in zip(jobs, [1, 2, 3, 4], strict=True):
        assert f"seed={seed}" in (job / ".hydra" / "overrides.yaml").read_text()
        assert 0.0 <= read_json(job / "metrics.json")["val_acc"] <= 1.0
