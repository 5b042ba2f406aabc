"""Training in two processes on torch.distributed (torchrun, gloo on CPU): one run folder,
written by process 0, whose checkpoint `evaluate` reads."""

import os
import subprocess
import sys

import pytest
from conftest import PACKAGE, read_json, run_cli, the_run_folder


@pytest.mark.slow
def test_torchrun_with_two_processes_writes_one_run_folder(tmp_path):
    scratch = tmp_path / "tmp"  # where the other process keeps Hydra's files while it runs
    scratch.mkdir()
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
    done = subprocess.run(
        [*command, "-m", f"{PACKAGE}.train", "debug=fast"],
        cwd=tmp_path,
        env={**os.environ, "TMPDIR": str(scratch)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    run = the_run_folder(tmp_path)  # one folder, not one per process
    assert "Training MLP for 2 epochs on cpu x 2 processes" in (run / "train.log").read_text()
    assert len((run / "metrics.csv").read_text().splitlines()) == 1 + 2  # header, 2 epochs
    assert list(scratch.glob("rank1-*")) == []  # process 1's throwaway folder is gone
    trained = read_json(run / "metrics.json")

    run_cli("evaluate", f"ckpt_path={run / 'checkpoint.pt'}", cwd=tmp_path)
    (evaluation,) = (p for p in (tmp_path / "outputs" / "runs").glob("*/*") if p != run)
    assert read_json(evaluation / "metrics.json")["test_acc"] == trained["test_acc"]
