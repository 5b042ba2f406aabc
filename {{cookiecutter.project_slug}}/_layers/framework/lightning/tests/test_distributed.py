"""`trainer=ddp` in two CPU processes: Lightning starts the second one, and both write into the
ONE run folder of the command (Lightning gives the other process Hydra's `run.dir`)."""

import subprocess
import sys

import pytest
from conftest import PACKAGE, read_json, the_run_folder


@pytest.mark.processes
def test_ddp_with_two_processes_writes_one_run_folder_with_one_checkpoint(tmp_path):
    ddp = ["trainer=ddp", "trainer.accelerator=cpu", "trainer.devices=2", "debug=fast"]
    done = subprocess.run(
        [sys.executable, "-m", f"{PACKAGE}.train", *ddp],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    run = the_run_folder(tmp_path)  # one folder, not one per process
    assert sorted(p.name for p in run.glob("*.ckpt")) == ["checkpoint.ckpt", "last.ckpt"]
    assert (run / "train_ddp_process_1.log").is_file()  # the second process's log, beside
    assert len((run / "metrics.csv").read_text().splitlines()) == 1 + 2  # header, 2 epochs
    assert 0.0 <= read_json(run / "metrics.json")["test_acc"] <= 1.0
