"""Hydra's settings and the keys a command requires (test_engine.py composes every option)."""

import re

import pytest
from conftest import PACKAGE, compose_job
from hydra import compose, initialize_config_module
from omegaconf import OmegaConf


@pytest.mark.parametrize("config", ["eval", "predict"])
def test_eval_and_predict_configs_require_a_checkpoint(config):
    from omegaconf.errors import MissingMandatoryValue

    with pytest.raises(MissingMandatoryValue):
        _ = compose_job(config).ckpt_path
    assert compose_job(config, ["ckpt_path=x"]).ckpt_path == "x"


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


# <date>_<time with microseconds>
WHEN = r"\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d-\d{6}"


@pytest.mark.parametrize(("config", "tree"), [("eval", "evaluations"), ("predict", "predictions")])
def test_evaluate_and_predict_runs_are_named_after_the_checkpoints_run(config, tree):
    """Not beside the training runs: <output_root>/<tree>/<the checkpoint's run>/<date>_<time>,
    a sweep <output_root>/<tree>/multiruns/<date>_<time>."""
    checkpoint = "ckpt_path=outputs/runs/2026-11-30/21-44-12-123456/checkpoint.pt"
    with initialize_config_module(f"{PACKAGE}.configs", version_base="1.3"):
        cfg = compose(config, [checkpoint], return_hydra_config=True)
        moved = compose(
            config, [checkpoint, "paths.output_root=/scratch"], return_hydra_config=True
        )
    assert re.fullmatch(f"outputs/{tree}/2026-11-30_21-44-12-123456/{WHEN}", cfg.hydra.run.dir)
    assert re.fullmatch(f"outputs/{tree}/multiruns/{WHEN}", cfg.hydra.sweep.dir)
    # the checkpoint is not under /scratch: the run is named after the checkpoint's folder
    assert re.fullmatch(f"/scratch/{tree}/21-44-12-123456/{WHEN}", moved.hydra.run.dir)
    assert re.fullmatch(f"/scratch/{tree}/multiruns/{WHEN}", moved.hydra.sweep.dir)
