"""Every option of every config group composes, and everything with a `_target_` instantiates."""

import pytest
{%- if cookiecutter.framework != "sklearn" %}
import torch
{%- endif %}
from conftest import CONFIGS, PACKAGE, compose_job
from hydra import compose, initialize_config_module
from hydra.utils import instantiate
from omegaconf import OmegaConf
{%- if cookiecutter.framework == "sklearn" %}
from sklearn.pipeline import Pipeline
{%- endif %}


def options(group: str) -> list[str]:
    files = CONFIGS.joinpath(group).iterdir()
    return sorted(f.name.removesuffix(".yaml") for f in files if f.name.endswith(".yaml"))


GROUPS = sorted(d.name for d in CONFIGS.iterdir() if d.is_dir() and not d.name.startswith("_"))
ALL_OPTIONS = [(group, option) for group in GROUPS for option in options(group)]


def choose(group: str, option: str) -> list[str]:
    """Overrides that select `option` of `group`."""
    if group == "data_model":  # chosen through ${data}_${model}, never by name
        pairs = [(d, m) for d in options("data") for m in options("model")]
        return next([f"data={d}", f"model={m}"] for d, m in pairs if f"{d}_{m}" == option)
    return [f"{group}={option}"]
{%- if cookiecutter.framework == "pytorch" %}


def build(cfg):
    """Instantiate data, model, optimizer and scheduler the way train.py does."""
    data = instantiate(cfg.data)
    model = instantiate(cfg.model, input_shape=data.input_shape, num_classes=data.num_classes)
    optimizer = instantiate(cfg.optimizer)(model.parameters())
    scheduler = instantiate(cfg.scheduler)(optimizer) if cfg.scheduler else None
    return data, model, optimizer, scheduler


def test_every_group_has_options():
    expected = {"data", "model", "optimizer", "scheduler", "trainer", "paths", "hydra"}
    assert expected | {"experiment", "debug", "data_model"} <= set(GROUPS)


@pytest.mark.parametrize(("group", "option"), ALL_OPTIONS)
def test_option_composes_and_instantiates(group, option, digits_csv):
    overrides = choose(group, option)
    if "data=csv" in overrides:
        overrides += [f"data.path={digits_csv}", "data.input_shape=[1,8,8]"]
    data, model, optimizer, scheduler = build(compose_job("train", overrides))

    assert data.x_train.shape[1:] == data.input_shape == (1, 8, 8)
    assert data.num_classes == 10
    assert model(torch.from_numpy(data.x_val[:5])).shape == (5, 10)
    assert isinstance(optimizer, torch.optim.Optimizer)
    assert scheduler is None or isinstance(scheduler, torch.optim.lr_scheduler.LRScheduler)
{%- elif cookiecutter.framework == "lightning" %}


def build(cfg, tmp_path):
    """Instantiate the data module, model, callbacks and trainer the way train.py does."""
    import lightning as L

    from {{ cookiecutter.package_name }}.datamodule import SplitsDataModule
    from {{ cookiecutter.package_name }}.lit_module import Classifier

    datamodule = SplitsDataModule(instantiate(cfg.data))
    model = Classifier.from_config(cfg, datamodule.data)
    callbacks = [instantiate(callback) for callback in cfg.callbacks.values()]
    if cfg.trainer.accelerator == "gpu" and not torch.cuda.is_available():
        cfg.trainer.accelerator = "cpu"  # the gpu option still instantiates on a CPU machine
    trainer = instantiate(cfg.trainer, default_root_dir=tmp_path, callbacks=callbacks)
    assert isinstance(trainer, L.Trainer)
    assert all(isinstance(callback, L.Callback) for callback in callbacks)
    return datamodule.data, model, model.configure_optimizers()


def test_every_group_has_options():
    expected = {"data", "model", "optimizer", "scheduler", "trainer", "callbacks", "paths", "hydra"}
    assert expected | {"experiment", "debug", "data_model"} <= set(GROUPS)
    assert {"cpu", "gpu", "ddp"} <= set(options("trainer"))
    assert {"default", "model_checkpoint", "early_stopping", "progress_bar"} <= set(
        options("callbacks")
    )


@pytest.mark.parametrize(("group", "option"), ALL_OPTIONS)
def test_option_composes_and_instantiates(group, option, digits_csv, tmp_path):
    overrides = choose(group, option)
    if "data=csv" in overrides:
        overrides += [f"data.path={digits_csv}", "data.input_shape=[1,8,8]"]
    data, model, optimizers = build(compose_job("train", overrides, tmp_path), tmp_path)

    assert data.x_train.shape[1:] == data.input_shape == (1, 8, 8)
    assert model(torch.from_numpy(data.x_val[:5])).shape == (5, 10)
    optimizer = optimizers["optimizer"] if isinstance(optimizers, dict) else optimizers
    assert isinstance(optimizer, torch.optim.Optimizer)


def test_default_callbacks_checkpoint_into_the_run_folder(tmp_path):
    cfg = compose_job("train", [], output_dir=tmp_path)
    assert set(cfg.callbacks) == {"model_checkpoint", "early_stopping", "progress_bar"}
    assert cfg.callbacks.model_checkpoint.dirpath == str(tmp_path)
    assert compose_job("train", ["callbacks=none"]).callbacks == {}
{%- else %}


def test_every_group_has_options():
    assert {"data", "model", "paths", "hydra", "experiment", "debug"} <= set(GROUPS)
    assert {"logistic_regression", "random_forest"} <= set(options("model"))
    assert not {"optimizer", "scheduler", "trainer"} & set(GROUPS)


@pytest.mark.parametrize(("group", "option"), ALL_OPTIONS)
def test_option_composes_and_instantiates(group, option, digits_csv):
    overrides = choose(group, option)
    if "data=csv" in overrides:
        overrides += [f"data.path={digits_csv}"]
    cfg = compose_job("train", overrides)
    data = instantiate(cfg.data)
    model = instantiate(cfg.model)

    assert data.x_train.shape[1:] == data.input_shape
    assert isinstance(model, Pipeline) and model[0].__class__.__name__ == "StandardScaler"
    x = data.x_train[:200].reshape(200, -1)
    assert model.fit(x, data.y_train[:200]).predict(x).shape == (200,)
{%- endif %}
{%- if cookiecutter.framework != "sklearn" %}


def test_data_model_specialization_applies_only_to_its_pair():
    digits_cnn = compose_job("train", ["data=digits", "model=cnn"])
    digits_mlp = compose_job("train", [])
    assert list(digits_cnn.model.channels) == [32, 64]
    assert digits_cnn.trainer.max_epochs == 25
    assert digits_mlp.trainer.max_epochs == 20


def test_experiment_overrides_groups_and_keys():
    cfg = compose_job("train", ["experiment=cnn_cosine"])
    assert cfg.model._target_ == f"{PACKAGE}.models.CNN"
    assert cfg.scheduler._target_ == "torch.optim.lr_scheduler.CosineAnnealingLR"
    assert cfg.scheduler.T_max == cfg.trainer.max_epochs
    assert cfg.optimizer.lr == 3e-3


def test_command_line_overrides_beat_experiment():
    assert compose_job("train", ["experiment=cnn_cosine", "optimizer.lr=0.5"]).optimizer.lr == 0.5
{%- else %}


def test_experiment_overrides_groups_and_keys():
    cfg = compose_job("train", ["experiment=big_forest"])
    assert cfg.model._target_ == f"{PACKAGE}.models.scaled"
    assert cfg.model.classifier._target_ == "sklearn.ensemble.RandomForestClassifier"
    assert cfg.model.classifier.n_estimators == 500


def test_command_line_overrides_beat_experiment():
    cfg = compose_job("train", ["experiment=big_forest", "model.classifier.n_estimators=7"])
    assert cfg.model.classifier.n_estimators == 7
{%- endif %}


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
