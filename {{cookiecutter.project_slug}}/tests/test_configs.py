"""Every option of every config group composes, and everything with a `_target_` instantiates."""

import pytest
import torch
from conftest import CONFIGS, PACKAGE
from hydra import compose, initialize_config_module
from hydra.utils import instantiate
from omegaconf import OmegaConf


def options(group: str) -> list[str]:
    return sorted(
        f.name.removesuffix(".yaml")
        for f in CONFIGS.joinpath(group).iterdir()
        if f.name.endswith(".yaml")
    )


GROUPS = sorted(d.name for d in CONFIGS.iterdir() if d.is_dir() and not d.name.startswith("_"))
ALL_OPTIONS = [(group, option) for group in GROUPS for option in options(group)]


def choose(group: str, option: str) -> list[str]:
    """Overrides that select `option` of `group`."""
    if group == "data_model":  # chosen through ${data}_${model}, never by name
        return next(
            [f"data={d}", f"model={m}"]
            for d in options("data")
            for m in options("model")
            if f"{d}_{m}" == option
        )
    return [f"{group}={option}"]


def compose_cfg(config_name: str, overrides: list[str]):
    with initialize_config_module(f"{PACKAGE}.configs", version_base="1.3"):
        return compose(config_name, overrides=overrides)


def build(cfg):
    """Instantiate data, model, optimizer and scheduler the way train.py does."""
    data = instantiate(cfg.data)
    model = instantiate(cfg.model, input_shape=data.input_shape, num_classes=data.num_classes)
    optimizer = instantiate(cfg.optimizer)(model.parameters())
    scheduler = instantiate(cfg.scheduler)(optimizer) if cfg.scheduler else None
    return data, model, optimizer, scheduler


def test_every_group_has_options():
    assert {
        "data",
        "model",
        "optimizer",
        "scheduler",
        "trainer",
        "paths",
        "hydra",
        "experiment",
        "debug",
        "data_model",
    } <= set(GROUPS)
    assert len(ALL_OPTIONS) >= 14


@pytest.mark.parametrize(("group", "option"), ALL_OPTIONS)
def test_option_composes_and_instantiates(group, option, digits_csv):
    overrides = choose(group, option)
    if "data=csv" in overrides:
        overrides += [f"data.path={digits_csv}", "data.input_shape=[1,8,8]"]
    cfg = compose_cfg("train", overrides)
    data, model, optimizer, scheduler = build(cfg)

    assert data.x_train.shape[1:] == data.input_shape == (1, 8, 8)
    assert data.num_classes == 10
    logits = model(torch.from_numpy(data.x_val[:5]))
    assert logits.shape == (5, 10)
    assert isinstance(optimizer, torch.optim.Optimizer)
    assert scheduler is None or isinstance(scheduler, torch.optim.lr_scheduler.LRScheduler)


def test_data_model_specialization_applies_only_to_its_pair():
    digits_cnn = compose_cfg("train", ["data=digits", "model=cnn"])
    plain_cnn = compose_cfg("train", [])  # digits + mlp: no specialization
    assert list(digits_cnn.model.channels) == [32, 64]
    assert digits_cnn.trainer.epochs == 25
    assert plain_cnn.trainer.epochs == 20


def test_experiment_overrides_groups_and_keys():
    cfg = compose_cfg("train", ["experiment=cnn_cosine"])
    assert cfg.model._target_.endswith(".CNN")
    assert cfg.scheduler._target_.endswith("CosineAnnealingLR")
    assert cfg.scheduler.T_max == cfg.trainer.epochs
    assert cfg.optimizer.lr == 3e-3


def test_command_line_overrides_beat_experiment():
    cfg = compose_cfg("train", ["experiment=cnn_cosine", "optimizer.lr=0.5"])
    assert cfg.optimizer.lr == 0.5


def test_eval_config_requires_a_checkpoint():
    from omegaconf.errors import MissingMandatoryValue

    cfg = compose_cfg("eval", [])
    with pytest.raises(MissingMandatoryValue):
        _ = cfg.ckpt_path
    assert compose_cfg("eval", ["ckpt_path=x.pt"]).ckpt_path == "x.pt"


def test_hydra_settings():
    with initialize_config_module(f"{PACKAGE}.configs", version_base="1.3"):
        cfg = compose("train", return_hydra_config=True)
    hydra = OmegaConf.to_container(cfg.hydra, resolve=False)
    # microseconds in the folder names: runs started in the same second do not collide
    assert hydra["run"]["dir"].endswith("${now:%H-%M-%S-%f}")
    assert hydra["sweep"]["dir"].endswith("${now:%H-%M-%S-%f}")
    # the log file goes into the run folder, not the launch directory (hydra issue 2241)
    assert hydra["job_logging"]["handlers"]["file"]["filename"].startswith(
        "${hydra.runtime.output_dir}/"
    )
    assert hydra["job"]["chdir"] is False
