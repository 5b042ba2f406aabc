"""The Lightning engine: every option builds, metrics per epoch, checkpoints, resume, logging."""

import csv
import importlib
import logging
import os
import warnings

import pytest
import torch
from conftest import (
    ALL_OPTIONS,
    PACKAGE,
    code_naming_configs,
    compose_job,
    compose_option,
    log_messages,
    module,
    train_in_process,
)
from hydra.utils import instantiate

engine = module("engine")
Features = module("harness.features").Features
RunError = module("harness.errors").RunError
train = module("train")


@pytest.mark.parametrize(("group", "option"), ALL_OPTIONS)
def test_every_option_builds(group, option, digits_csv, tmp_path):
    import lightning as L

    cfg = compose_option(group, option, digits_csv, tmp_path)
    data = instantiate(cfg.data)
    datamodule, model = engine.build(cfg, data)

    assert data.x_train.shape[1:] == data.input_shape == (1, 8, 8)
    assert datamodule.train_dataloader().batch_size == cfg.loader.batch_size
    assert model(torch.from_numpy(data.x_val[:5])).shape == (5, 10)
    optimizers = model.configure_optimizers()
    optimizer = optimizers["optimizer"] if isinstance(optimizers, dict) else optimizers
    assert isinstance(optimizer, torch.optim.Optimizer)
    assert isinstance(optimizers, dict) == (cfg.scheduler is not None)
    if group in ("trainer", "callbacks"):  # the only groups that change the Trainer
        if cfg.trainer.accelerator == "gpu" and not torch.cuda.is_available():
            cfg.trainer.accelerator = "cpu"  # the gpu option still instantiates on a CPU machine
        trainer = engine.make_trainer(cfg, tmp_path, on_epoch=print)
        assert isinstance(trainer, L.Trainer) and trainer.default_root_dir == str(tmp_path)
        assert "EpochRows" in {type(callback).__name__ for callback in trainer.callbacks}


def test_default_callbacks_checkpoint_into_the_run_folder(tmp_path):
    cfg = compose_job("train", [], output_dir=tmp_path)
    assert set(cfg.callbacks) == {
        "model_checkpoint",
        "last_checkpoint",
        "early_stopping",
        "progress_bar",
    }
    assert f"{cfg.callbacks.last_checkpoint.filename}.ckpt" == engine.LAST_CHECKPOINT
    assert cfg.callbacks.model_checkpoint.dirpath == str(tmp_path)
    assert f"{cfg.callbacks.model_checkpoint.filename}.ckpt" == engine.CHECKPOINT
    assert compose_job("train", ["callbacks=none"]).callbacks == {}


@pytest.mark.slow
def test_checkpoint_loads_with_weights_only(trained_run):
    state = torch.load(trained_run / engine.CHECKPOINT, weights_only=True)
    hparams = state["hyper_parameters"]
    assert hparams["input_shape"] == [1, 8, 8] and hparams["classes"] == list(range(10))
    assert hparams["model"]["_target_"] == f"{PACKAGE}.models.MLP"
    # scikit-learn's names of the 8x8 pixels, row by row
    assert hparams["feature_names"] == [f"pixel_{r}_{c}" for r in range(8) for c in range(8)]
    model, classes, features = engine.load_checkpoint(trained_run / engine.CHECKPOINT)
    assert classes == list(range(10))
    assert features == Features((1, 8, 8), hparams["feature_names"])
    assert model(torch.zeros(2, 1, 8, 8)).shape == (2, 10)


@pytest.mark.slow
def test_a_checkpoint_saved_before_feature_names_still_loads(trained_run, tmp_path):
    """Without names, `predict` checks the number of columns of a file only."""
    state = torch.load(trained_run / engine.CHECKPOINT, weights_only=True)
    del state["hyper_parameters"]["feature_names"]
    torch.save(state, tmp_path / engine.CHECKPOINT)
    _, classes, features = engine.load_checkpoint(tmp_path / engine.CHECKPOINT)
    assert classes == list(range(10)) and features == Features((1, 8, 8), None)


def test_predict_proba_gives_the_softmax_of_each_sample_in_order(trained_run):
    import lightning as L

    model, _, _ = engine.load_checkpoint(trained_run / engine.CHECKPOINT)
    x = torch.linspace(0, 1, 5 * 64).reshape(5, 1, 8, 8)
    batches = module("loaders").make_loader({"batch_size": 2}, x.numpy())
    trainer = L.Trainer(accelerator="cpu", devices=1, logger=False, enable_progress_bar=False)
    proba = engine.predict_proba(trainer, model, batches)
    model.eval()
    with torch.no_grad():  # the network's logits, then softmax written out: e^z / sum(e^z)
        logits = model.net(x).double()
    expected = (logits.exp() / logits.exp().sum(dim=1, keepdim=True)).numpy()
    assert proba.shape == (5, 10) and proba == pytest.approx(expected, abs=1e-6)
    ddp = L.Trainer(accelerator="cpu", devices=2, strategy="ddp", logger=False)
    with pytest.raises(RunError, match=r"^trainer: predict runs in one process; use trainer="):
        engine.predict_proba(ddp, model, batches)


def test_a_checkpoint_naming_other_code_is_refused_and_runs_nothing(trained_run, tmp_path):
    """A checkpoint's hyperparameters are data: a model `_target_` in them that is not a
    model of models.py, at the top or nested, is refused with one line and never called."""
    copy = tmp_path / "copied"
    state = torch.load(trained_run / engine.CHECKPOINT, weights_only=True)
    hparams = state["hyper_parameters"]
    for crafted in code_naming_configs(hparams["model"], trained_run / "train.log", copy):
        path = tmp_path / engine.CHECKPOINT
        torch.save({**state, "hyper_parameters": {**hparams, "model": crafted}}, path)
        with pytest.raises(RunError) as refused:
            engine.load_checkpoint(path)
        assert str(refused.value).startswith(f"ckpt_path: refused {path}: model")
        assert "\n" not in str(refused.value)
    assert not copy.exists()


@pytest.mark.slow
def test_test_metrics_are_the_best_checkpoints(tmp_path):
    """`train` tests the best epoch's weights, which the checkpoint holds, not the last
    epoch's. Here "best" is the highest validation loss: the first of two epochs."""
    out = tmp_path / "run"
    worst = ["callbacks.model_checkpoint.monitor=val_loss", "callbacks.model_checkpoint.mode=max"]
    metrics, rows = train_in_process(out, *worst)
    assert float(rows[0]["val_loss"]) > float(rows[1]["val_loss"])
    checkpoint = out / engine.CHECKPOINT
    assert torch.load(checkpoint, weights_only=True)["epoch"] == 0  # saved after the first epoch
    evaluated = module("evaluate").evaluate(
        compose_job("eval", [f"ckpt_path={checkpoint}"], output_dir=tmp_path)
    )
    assert evaluated == {name: value for name, value in metrics.items() if name.startswith("test_")}


def test_evaluate_prints_no_table(trained_run, capfd):
    cfg = compose_job("train", ["debug=fast", "callbacks=none"], output_dir=trained_run.parent)
    datamodule, model = engine.build(cfg, instantiate(cfg.data))
    trainer = instantiate(cfg.trainer, enable_progress_bar=False)
    capfd.readouterr()
    metrics = engine.evaluate(trainer, model, datamodule)
    assert set(metrics) == {"test_loss", "test_acc"}
    assert capfd.readouterr().out == ""


def test_seeding_is_silent_and_seeds_the_loader_workers(trained_run):
    assert not any("Seed set to" in line for line in log_messages(trained_run / "train.log"))
    assert os.environ.get("PL_SEED_WORKERS") == "1"  # Lightning's flag for seeding workers


def test_step_logs_the_loss_and_accuracy_of_a_batch(monkeypatch):
    cfg = compose_job("train", [])
    model = module("lit_module").Classifier.from_config(cfg, instantiate(cfg.data))
    model.net = torch.nn.Identity()  # the inputs are the logits
    logged = {}
    monkeypatch.setattr(model, "log_dict", lambda metrics, **options: logged.update(metrics))
    logits = torch.tensor([[2.0, 0.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 1.0], [5.0, 0.0, 0.0]])
    y = torch.tensor([0, 1, 2, 1])  # right, right, right, wrong
    loss = model.step((logits, y), "val")
    assert torch.allclose(loss, torch.nn.functional.cross_entropy(logits, y))
    assert set(logged) == {"val_loss", "val_acc"}
    assert logged["val_acc"].item() == pytest.approx(3 / 4)


def test_metrics_csv_has_one_column_per_metric_and_epoch(trained_run):
    rows = list(csv.DictReader((trained_run / "metrics.csv").open()))
    assert set(rows[0]) == {"epoch", "lr", "train_loss", "train_acc", "val_loss", "val_acc"}


@pytest.mark.slow
def test_training_without_checkpoints_tests_the_last_weights(tmp_path):
    off = ["callbacks=none", "+trainer.enable_checkpointing=false"]
    metrics, _ = train_in_process(tmp_path, *off)
    assert set(metrics) == {"val_loss", "val_acc", "test_loss", "test_acc"}
    assert not (tmp_path / engine.CHECKPOINT).exists()


@pytest.mark.slow
def test_seed_fixes_the_run_and_changes_it(tmp_path):
    first, first_rows = train_in_process(tmp_path / "a", "seed=1", "callbacks=none")
    again, again_rows = train_in_process(tmp_path / "b", "seed=1", "callbacks=none", "tags=[b]")
    other, _ = train_in_process(tmp_path / "c", "seed=2", "callbacks=none")
    assert first == again and first_rows == again_rows
    assert first != other


@pytest.mark.slow
def test_scheduler_and_epochs_reach_the_run(tmp_path):
    _, rows = train_in_process(
        tmp_path, "trainer.max_epochs=3", "scheduler=cosine", "callbacks=none"
    )
    assert [row["epoch"] for row in rows] == ["1", "2", "3"]
    lr = [float(row["lr"]) for row in rows]
    assert lr[0] == 2e-3 and lr[0] > lr[1] > lr[2]  # adam's lr, cosine decay


def test_precision_accumulation_and_clipping_reach_the_trainer(tmp_path):
    """The same keys as the pytorch framework's trainer; Lightning does the rest."""
    options = [
        "trainer.precision=bf16-mixed",
        "trainer.accumulate_grad_batches=3",
        "trainer.gradient_clip_val=0.5",
        "trainer.gradient_clip_algorithm=value",
    ]
    trainer = engine.make_trainer(compose_job("train", options), tmp_path)
    assert trainer.precision == "bf16-mixed"
    assert trainer.accumulate_grad_batches == 3
    assert trainer.gradient_clip_val == 0.5
    assert trainer.gradient_clip_algorithm == "value"


def test_quiet_lightning_drops_lightnings_own_handler_and_three_warnings():
    lightning_logger = logging.getLogger("lightning")
    lightning_logger.addHandler(logging.StreamHandler())  # what `import lightning` adds
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        engine.quiet_lightning()
        warnings.warn("Checkpoint directory /x exists and is not empty.", stacklevel=1)
        warnings.warn("`isinstance(treespec, LeafSpec)` is deprecated, use ...", stacklevel=1)
        warnings.warn(
            "Precision bf16-mixed is not supported by the model summary. ...", stacklevel=1
        )
        warnings.warn("any other warning", stacklevel=1)
    assert lightning_logger.handlers == []
    assert [str(warning.message) for warning in caught] == ["any other warning"]


def test_quiet_lightning_drops_the_cloud_logger_tip(caplog):
    engine.quiet_lightning()
    from lightning.pytorch.utilities import rank_zero_info

    with caplog.at_level(logging.INFO):
        rank_zero_info("💡 Tip: try installing [litlogger](https://pypi.org/project/litlogger/)")
        rank_zero_info("GPU available: False, used: False")
    assert [record.getMessage() for record in caplog.records] == [
        "GPU available: False, used: False"
    ]


def test_importing_a_module_changes_no_logging_or_warnings():
    lightning_logger = logging.getLogger("lightning")
    handlers, filters = list(lightning_logger.handlers), list(warnings.filters)
    for name in ["engine", "lit_module", "datamodule", "harness.callbacks", "train", "evaluate"]:
        importlib.reload(module(name))
    assert lightning_logger.handlers == handlers
    assert warnings.filters == filters


def test_resume_refuses_a_broken_checkpoint_with_one_line(tmp_path):
    (tmp_path / ".hydra").mkdir()
    (tmp_path / ".hydra" / "overrides.yaml").write_text("- debug=fast\n")
    (tmp_path / engine.LAST_CHECKPOINT).write_bytes(b"half of a checkpoint")
    cfg = compose_job("train", ["debug=fast", f"resume={tmp_path}"], tmp_path)
    with pytest.raises(RunError, match=r"^resume: .*last\.ckpt is not a readable checkpoint"):
        train.train(cfg)


@pytest.mark.slow
def test_a_diverging_run_fails_instead_of_reporting_nan(tmp_path):
    out = tmp_path / "run"
    message = r"^the training loss is (nan|inf) in batch \d+ of epoch 1: training diverged \(try"
    message += r" a lower optimizer.lr\); the run stopped$"
    with pytest.raises(RunError, match=message):
        train_in_process(out, "optimizer=sgd", "optimizer.lr=1e10")
    assert not (out / "metrics.json").exists()


@pytest.mark.slow
def test_callbacks_may_monitor_training_and_validation_metrics():
    for monitor in ["train_loss", "val_acc"]:
        cfg = compose_job("train", [f"callbacks.early_stopping.monitor={monitor}"])
        train.check_metric_names(cfg, engine.METRICS)  # no error
    cfg = compose_job("train", ["callbacks.early_stopping.monitor=test_acc"])
    with pytest.raises(RunError, match=r"^callbacks.early_stopping.monitor: 'test_acc' is not"):
        train.check_metric_names(cfg, engine.METRICS)  # known only after training


def test_a_broken_checkpoint_is_named_by_its_config_key(tmp_path):
    (tmp_path / "empty.ckpt").write_bytes(b"")
    with pytest.raises(RunError, match=r"^ckpt_path: .*empty\.ckpt is empty"):
        engine.load_checkpoint(tmp_path / "empty.ckpt")


def test_a_callback_monitoring_an_unknown_metric_is_refused_before_training(tmp_path):
    overrides = ["debug=fast", "callbacks.model_checkpoint.monitor=val_accuracy"]
    cfg = compose_job("train", overrides, output_dir=tmp_path)
    message = r"^callbacks.model_checkpoint.monitor: 'val_accuracy' is not a metric of this run"
    with pytest.raises(RunError, match=message):
        train.train(cfg)
    assert list(tmp_path.iterdir()) == []


def test_the_progress_bar_is_shown_only_at_a_terminal(tmp_path, monkeypatch):
    cfg = compose_job("train", [], output_dir=tmp_path)
    assert engine.make_trainer(cfg, tmp_path).progress_bar_callback is None  # output captured
    monkeypatch.setattr(module("harness.console"), "interactive", lambda: True)
    bar = engine.make_trainer(cfg, tmp_path).progress_bar_callback
    assert type(bar).__name__ == "TQDMProgressBar" and bar.refresh_rate == 10


def test_the_trainer_schema_names_only_arguments_of_lightnings_trainer():
    """configs/trainer/ starts from schemas.Trainer: each of its keys must be an argument of
    the installed lightning.Trainer (a key Lightning dropped would fail every run)."""
    import inspect
    from dataclasses import fields

    import lightning as L

    arguments = set(inspect.signature(L.Trainer).parameters)
    keys = {entry.name for entry in fields(module("schemas").Trainer)} - {"_target_"}
    assert keys and keys <= arguments, keys - arguments
