"""Hydra's settings and the keys a command requires (test_engine.py composes every option)."""

import pytest
from conftest import PACKAGE, compose_job
from hydra import compose, initialize_config_module
from omegaconf import OmegaConf


def test_eval_config_requires_a_checkpoint():
    from omegaconf.errors import MissingMandatoryValue

    with pytest.raises(MissingMandatoryValue):
        _ = compose_job("eval").ckpt_path
    assert compose_job("eval", ["ckpt_path=x"]).ckpt_path == "x"


def test_hydra_settings():
    with initialize_config_module(f"{PACKAGE}.configs", version_base="1.3"):
        cfg = compose("train", return_hydra_config=True)
    hydra = OmegaConf.to_container(cfg.hydra, resolve=False)
    # microseconds in the folder names: runs started in the same second do not collide
    assert hydra["run"]["dir"].endswith("${now:%H-%M-%S-%f}")
    assert hydra["sweep"]["dir"].endswith("${now:%H-%M-%S-%f}")
    # the log file goes into the run folder, not the launch directory (hydra issue 2241)
    log_file = hydra["job_logging"]["handlers"]["file"]["filename"]
    assert log_file.startswith("${hydra.runtime.output_dir}/")
    assert hydra["job"]["chdir"] is False


def test_output_root_moves_every_run_folder():
    with initialize_config_module(f"{PACKAGE}.configs", version_base="1.3"):
        cfg = compose("train", ["paths.output_root=/scratch"], return_hydra_config=True)
    assert cfg.hydra.run.dir.startswith("/scratch/runs/")
    assert cfg.hydra.sweep.dir.startswith("/scratch/multiruns/")
