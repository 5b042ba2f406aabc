"""Training in two processes on torch.distributed (torchrun, gloo on CPU): one run folder,
written by process 0, whose checkpoint `evaluate` reads."""

import json
import os
import socket
import subprocess
import sys

import pytest
import torch
from conftest import PACKAGE, module, read_json, run_cli, the_run_folder

distributed = module("harness.distributed")


@pytest.mark.processes
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
    console = done.stdout + done.stderr  # process 1 logs warnings only: each epoch once
    assert console.count("epoch 1/2 ") == 1
    trained = read_json(run / "metrics.json")

    run_cli("evaluate", f"ckpt_path={run / 'checkpoint.pt'}", cwd=tmp_path)
    evaluation = the_run_folder(tmp_path, "evaluations")
    assert read_json(evaluation / "metrics.json")["test_acc"] == trained["test_acc"]


def exchange(rank: int, port: int, out) -> None:
    """One of two processes: joins the group, then reduces (run by torch.multiprocessing)."""
    env = {"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "WORLD_SIZE": "2"}
    os.environ.update(env, RANK=str(rank), LOCAL_RANK=str(rank))
    world = distributed.World.from_env()
    with distributed.process_group(world, torch.device("cpu")):
        diverged = distributed.any_process(rank == 1)  # only process 1's loss is not finite
        totals = distributed.sum_over_processes(rank + 1.0, 10.0)
    (out / f"{rank}.json").write_text(json.dumps([diverged, totals]))


@pytest.mark.processes
def test_one_process_diverging_stops_both_and_sums_cover_both(tmp_path):
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    torch.multiprocessing.spawn(exchange, args=(port, tmp_path), nprocs=2)
    for rank in (0, 1):
        assert read_json(tmp_path / f"{rank}.json") == [True, [3.0, 20.0]]


def test_in_one_process_nothing_is_exchanged():
    assert distributed.World.from_env() == distributed.World(0, 1, 0)
    assert distributed.train_sampler(100, distributed.World(), seed=0) is None
    assert distributed.sum_over_processes(2.0, 3.0) == [2.0, 3.0]
    assert distributed.any_process(False) is False
