"""Sweeps on the joblib launcher (the default): jobs run in parallel worker processes, each in
its own numbered folder; a job whose process is killed stops the sweep with one line."""

import subprocess
import sys
import textwrap

import pytest
from conftest import PACKAGE, module, read_json, run_cli
from omegaconf import OmegaConf


@pytest.mark.processes
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
        assert read_json(job / "state.json")["state"] == "finished"


# train's configs and Hydra settings, with a task that its process kills (as the kernel kills a
# process out of memory) in the job of seed 2, and ends at once in the others
KILLED_JOB = textwrap.dedent(f"""
    import os, signal, sys
    import hydra
    from {PACKAGE} import paths  # the resolvers and schemas of the configs
    from {PACKAGE}.harness.errors import one_line_command, one_line_errors

    @one_line_command
    @hydra.main(config_path="pkg://{PACKAGE}.configs", config_name="train", version_base="1.3")
    @one_line_errors
    def task(cfg):
        if cfg.seed == 2:
            os.kill(os.getpid(), signal.SIGKILL)
        return 0.5

    sys.argv[0] = "train"
    task()
""")


@pytest.mark.processes
def test_a_killed_job_stops_the_sweep_with_one_line_and_its_state_says_stopped(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", KILLED_JOB, "-m", "seed=1,2", "hydra.launcher.n_jobs=2"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    (sweep,) = (tmp_path / "outputs" / "multiruns").glob("*/*")
    lines = (done.stdout + done.stderr).strip().splitlines()
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-3000:]
    assert lines[-1].startswith(f"train: error: sweep {sweep}: a job's process was killed (")
    assert lines[-1].endswith(f"-report {sweep}` lists the jobs to run again")
    # job 1 (seed 2) was killed; job 0 finished, or was still running and stopped with it
    run_state = module("harness.run_state")
    states = {job: run_state.read(sweep / job).state for job in ("0", "1")}
    assert states["1"] == "stopped" and states["0"] in ("finished", "stopped")
    stopped = [int(job) for job, state in states.items() if state == "stopped"]
    assert f"and jobs {stopped} stopped with it" in lines[-1]
