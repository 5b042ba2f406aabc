"""trainer.device: a device that torch does not know, or one that this machine or this torch
does not have, stops train and evaluate with one line before the run (schemas.py,
harness/devices.py);
torch says here which GPUs the machine has."""

import subprocess
import sys

import pytest
import torch
from conftest import PACKAGE, compose_job, module
from fake_gpus import gpus
from test_fail_fast import refusal

config_schemas = module("harness.config_schemas")


@pytest.mark.parametrize(
    ("device", "machine", "line"),
    [
        ("gpu", (1,), "trainer.device: 'gpu' is not one of auto, cpu, cuda, cuda:N, mps"),
        ("cuda:x", (1,), "trainer.device: 'cuda:x' is not one of auto, cpu, cuda, cuda:N, mps"),
        (
            "cuda",
            (0, False),
            "trainer.device=cuda: this torch has no CUDA (a CPU-only build); use auto or cpu",
        ),
        (
            "cuda:0",
            (0, True),
            "trainer.device=cuda:0: this torch sees no CUDA GPU on this machine; use auto or cpu",
        ),
        (
            "cuda:2",
            (2,),
            "trainer.device=cuda:2: this machine has 2 CUDA GPUs (cuda:0 to cuda:1); use one of "
            "those, or auto",
        ),
        ("mps", (1,), "trainer.device=mps: MPS (Apple's GPU) is not there; use auto or cpu"),
    ],
)
@pytest.mark.parametrize("entry_point", ["train", "evaluate"])
@pytest.mark.slow
def test_a_device_that_is_not_there_is_one_line_before_the_run(
    tmp_path, capfd, monkeypatch, entry_point, device, machine, line
):
    gpus(monkeypatch, *machine)
    (tmp_path / "c.pt").touch()  # evaluate's checkpoint: the device is refused first
    args = ["ckpt_path=c.pt"] if entry_point == "evaluate" else []
    args.append(f"trainer.device={device}")
    assert refusal(tmp_path, capfd, entry_point, *args, expect_files=["c.pt"]) == line


@pytest.mark.parametrize(
    ("device", "machine"),
    [("auto", (0, False)), ("cpu", (0, False)), ("cuda", (1,)), ("cuda:1", (2,)), ("mps", (0,))],
)
@pytest.mark.slow
def test_a_device_that_is_there_passes(monkeypatch, device, machine):
    gpus(monkeypatch, *machine)
    if device == "mps":
        monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    cfg = compose_job("train", [f"trainer.device={device}"])
    assert config_schemas.problems(cfg) == []


# train with an unknown device, in a new process: whether torch was imported before the refusal
UNKNOWN_DEVICE = """
import importlib, sys
main = importlib.import_module(sys.argv[1] + ".train").main
sys.argv = ["train", "trainer.device=gpu"]
try:
    main()
except SystemExit as stopped:
    print(stopped.code, "torch" in sys.modules)
"""


@pytest.mark.processes
def test_an_unknown_device_is_refused_without_importing_torch(tmp_path):
    command = [sys.executable, "-c", UNKNOWN_DEVICE, PACKAGE]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    error = "train: error: trainer.device: 'gpu' is not one of auto, cpu, cuda, cuda:N, mps"
    assert done.stdout.strip() == f"{error} False", done.stderr[-2000:]
    assert list(tmp_path.iterdir()) == []
