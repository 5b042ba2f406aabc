"""trainer.accelerator and trainer.devices: an accelerator that Lightning does not know, or
GPUs that this machine or this torch does not have, stop train with one line before the run
(schemas.py, harness/devices.py); torch says here which GPUs the machine has."""

import pytest
from conftest import compose_job, module
from fake_gpus import gpus
from test_fail_fast import refusal

config_schemas = module("harness.config_schemas")


NO_GPU = "use trainer.accelerator=auto or cpu"


@pytest.mark.parametrize(
    ("overrides", "machine", "line"),
    [
        (
            ["trainer.accelerator=gpus"],
            (1,),
            "trainer.accelerator: 'gpus' is not one of auto, cpu, gpu, cuda, mps, tpu",
        ),
        (
            ["trainer=gpu"],
            (0, False),
            f"trainer.accelerator=gpu: this torch has no CUDA (a CPU-only build); {NO_GPU}",
        ),
        (
            ["trainer.accelerator=cuda"],
            (0, True),
            f"trainer.accelerator=cuda: this torch sees no CUDA GPU on this machine; {NO_GPU}",
        ),
        (
            ["trainer.accelerator=mps"],
            (1,),
            f"trainer.accelerator=mps: MPS (Apple's GPU) is not there; {NO_GPU}",
        ),
        (
            ["trainer=gpu", "trainer.devices=4"],
            (2,),
            "trainer.devices=4: this machine has 2 CUDA GPUs (cuda:0 to cuda:1); use "
            "trainer.devices=2 or fewer",
        ),
        (
            ["trainer=gpu", "trainer.devices=[0,3]"],
            (1,),
            "trainer.devices=[0, 3]: this machine has 1 CUDA GPU (cuda:0); use trainer.devices=1 "
            "or fewer",
        ),
    ],
)
@pytest.mark.slow
def test_a_device_that_is_not_there_is_one_line_before_the_run(
    tmp_path, capfd, monkeypatch, overrides, machine, line
):
    gpus(monkeypatch, *machine)
    assert refusal(tmp_path, capfd, "train", *overrides) == line


@pytest.mark.parametrize(
    ("overrides", "machine"),
    [
        (["trainer=cpu"], (0, False)),
        (["trainer=ddp"], (0, False)),  # auto: the CPU here
        (["trainer=gpu"], (1,)),
        (["trainer=gpu", "trainer.devices=2"], (2,)),
        (["trainer=gpu", "trainer.devices=[1]"], (2,)),
        (["trainer=gpu", "trainer.devices=-1"], (1,)),  # every GPU there is
        (["trainer=gpu"], (0, True, True)),  # gpu is Apple's on a Mac
    ],
)
@pytest.mark.slow
def test_gpus_that_are_there_pass(monkeypatch, overrides, machine):
    gpus(monkeypatch, *machine)
    assert config_schemas.problems(compose_job("train", overrides)) == []
