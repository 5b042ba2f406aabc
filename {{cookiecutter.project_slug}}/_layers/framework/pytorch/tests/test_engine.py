"""The PyTorch engine: every option builds, the loop and the metrics are right, checkpoints."""

import csv
import math

import numpy as np
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
from fake_gpus import gpus
from hydra.utils import instantiate
from torch import nn

engine = module("engine")
Steps = module("harness.steps").Steps
Features = module("harness.features").Features
RunError = module("harness.errors").RunError
train = module("train")
CPU = torch.device("cpu")


@pytest.mark.parametrize(("group", "option"), ALL_OPTIONS)
def test_every_option_builds(group, option, digits_csv):
    cfg = compose_option(group, option, digits_csv)
    data = instantiate(cfg.data)
    training = engine.build(cfg, data, CPU)
    model, optimizer, scheduler = training.model, training.optimizer, training.scheduler

    assert data.x_train.shape[1:] == data.input_shape == (1, 8, 8)
    assert data.num_classes == 10
    assert model(torch.from_numpy(data.x_val[:5])).shape == (5, 10)
    assert isinstance(optimizer, torch.optim.Optimizer)
    assert optimizer.param_groups[0]["params"] == list(model.parameters())
    assert (scheduler is None) == (cfg.scheduler is None)
    if scheduler is not None:
        assert isinstance(scheduler, torch.optim.lr_scheduler.LRScheduler)


def steps(model, optimizer, **trainer) -> Steps:
    """The optimizer steps of `model` on the CPU, with these trainer settings (32 by default,
    a step per batch, no clipping)."""
    return Steps(model, optimizer, CPU, trainer)


def training(model, optimizer, scheduler=None, **trainer):
    """An engine.Training of `model` on the CPU, without early stopping."""
    return engine.Training(model, optimizer, scheduler, steps(model, optimizer, **trainer), None)


def batches_of(x, y, batch_size):
    dataset = torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y))
    return torch.utils.data.DataLoader(dataset, batch_size=batch_size)


def test_evaluate_matches_a_hand_computed_loss_and_accuracy():
    model = nn.Linear(2, 2, bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.eye(2))  # the logits are the inputs themselves
    x = np.array([[2.0, 0.0], [0.0, 1.0], [1.0, 0.0]], dtype=np.float32)
    y = np.array([0, 0, 0])  # right, wrong, right
    # cross-entropy by hand: -log(e^a / (e^a + e^b)) of the labelled logit a
    losses = [math.log(1 + math.exp(-2.0)), math.log(1 + math.exp(1.0)), math.log(1 + math.exp(-1))]
    metrics = engine.evaluate(model, batches_of(x, y, batch_size=2), CPU, split="test")
    assert metrics.keys() == {"test_loss", "test_acc"}
    assert metrics["test_loss"] == pytest.approx(sum(losses) / 3)
    assert metrics["test_acc"] == pytest.approx(2 / 3)


def small_problem(seed=0, n=48):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    return x, y


def test_an_epoch_without_learning_measures_what_evaluate_measures():
    x, y = small_problem()
    torch.manual_seed(0)
    model = nn.Linear(4, 2)
    frozen = torch.optim.SGD(model.parameters(), lr=0.0)
    trained = engine.train_one_epoch(model, batches_of(x, y, 10), steps(model, frozen), CPU)
    evaluated = engine.evaluate(model, batches_of(x, y, 10), CPU, split="train")
    assert trained == pytest.approx(evaluated)


def test_an_epoch_takes_one_optimizer_step_per_batch_from_fresh_gradients():
    x, y = small_problem()
    torch.manual_seed(0)
    model = nn.Linear(4, 2)
    reference = nn.Linear(4, 2)
    reference.load_state_dict(model.state_dict())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    engine.train_one_epoch(model, batches_of(x, y, 16), steps(model, optimizer), CPU)
    optimizer = torch.optim.SGD(reference.parameters(), lr=0.5)
    for xb, yb in batches_of(x, y, 16):  # the textbook loop, written out
        optimizer.zero_grad()
        nn.functional.cross_entropy(reference(xb), yb).backward()
        optimizer.step()
    for ours, theirs in zip(model.parameters(), reference.parameters(), strict=True):
        assert torch.allclose(ours, theirs)


def test_a_non_finite_loss_stops_the_epoch_before_its_optimizer_step():
    x, y = small_problem()
    x[20:] = float("inf")  # the second batch of 16 diverges
    torch.manual_seed(0)
    model = nn.Linear(4, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    message = r"^the training loss is nan after 16 samples of this epoch: training diverged \(try a"
    message += r" lower optimizer.lr\); the run stopped$"
    with pytest.raises(RunError, match=message):
        engine.train_one_epoch(model, batches_of(x, y, 16), steps(model, optimizer), CPU)
    assert all(torch.isfinite(p).all() for p in model.parameters())  # the weights of step 1


def test_a_diverging_run_fails_and_keeps_only_good_weights(tmp_path):
    """`optimizer.lr=1e10` makes the loss infinite: the run stops with an error instead of
    reporting NaN metrics; a checkpoint, if an epoch finished, holds finite weights."""
    out = tmp_path / "run"
    diverging = ["optimizer=sgd", "optimizer.lr=1e10", "trainer.max_epochs=3"]
    with pytest.raises(RunError, match=r"^the training loss is (nan|inf)"):
        train_in_process(out, *diverging)
    assert not (out / "metrics.json").exists()
    if (out / engine.CHECKPOINT).exists():
        model, _, _ = engine.load_checkpoint(out / engine.CHECKPOINT, CPU)
        assert all(torch.isfinite(p).all() for p in model.parameters())


def test_fit_yields_one_row_per_epoch_and_steps_the_scheduler():
    x, y = small_problem()
    batches = {"train": batches_of(x, y, 16), "val": batches_of(x[:20], y[:20], 16)}
    torch.manual_seed(0)
    model = nn.Linear(4, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=4)
    rows = list(engine.fit(training(model, optimizer, scheduler), batches, 4, CPU))

    assert [row["epoch"] for row in rows] == [1, 2, 3, 4]
    # cosine annealing by hand: lr_t = 0.1 * (1 + cos(pi * t / 4)) / 2 for epoch t + 1
    expected = [0.1 * (1 + math.cos(math.pi * t / 4)) / 2 for t in range(4)]
    assert [row["lr"] for row in rows] == pytest.approx(expected)
    assert rows[-1].keys() == {"epoch", "lr", "train_loss", "train_acc", "val_loss", "val_acc"}
    assert rows[-1]["train_loss"] < rows[0]["train_loss"]
    assert {k: rows[-1][k] for k in ("val_loss", "val_acc")} == pytest.approx(
        engine.evaluate(model, batches["val"], CPU, split="val")
    )


def test_fit_without_scheduler_keeps_the_learning_rate():
    x, y = small_problem()
    batches = {"train": batches_of(x, y, 16), "val": batches_of(x, y, 16)}
    model = nn.Linear(4, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    rows = list(engine.fit(training(model, optimizer), batches, 3, CPU))
    assert [row["lr"] for row in rows] == [0.1, 0.1, 0.1]


def test_seed_everything_repeats_every_random_source():
    import random

    def draws(seed):
        engine.seed_everything(seed)
        return random.random(), np.random.rand(), torch.rand(1).item()

    assert draws(3) == draws(3)
    assert all(a != b for a, b in zip(draws(3), draws(4), strict=True))


def test_deterministic_switches_torch_to_deterministic_algorithms():
    try:
        engine.seed_everything(0, deterministic=True)
        assert torch.are_deterministic_algorithms_enabled()
    finally:
        torch.use_deterministic_algorithms(False)
    engine.seed_everything(0)
    assert not torch.are_deterministic_algorithms_enabled()


def test_pick_device(monkeypatch):
    """auto: cuda, else mps (Apple's GPU), else cpu."""
    assert engine.pick_device("cpu") == CPU
    gpus(monkeypatch, 0)
    assert engine.pick_device("auto") == CPU
    gpus(monkeypatch, 0, mps=True)
    assert engine.pick_device("auto") == torch.device("mps")
    gpus(monkeypatch, 1, mps=True)
    assert engine.pick_device("auto") == torch.device("cuda:0")
    assert engine.pick_device("cuda", local_rank=1) == torch.device("cuda:1")  # torchrun's 2nd
    assert engine.pick_device("cuda:3", local_rank=1) == torch.device("cuda:3")  # as written


def test_checkpoint_rebuilds_the_model_with_weights_only(tmp_path):
    cfg = compose_job("train", ["model=cnn", "model.dropout=${optimizer.weight_decay}"])
    data = instantiate(cfg.data)
    model = engine.build(cfg, data, CPU).model
    path = tmp_path / engine.CHECKPOINT
    engine.save_checkpoint(path, model, cfg.model, data)

    state = torch.load(path, weights_only=True)
    assert state["input_shape"] == [1, 8, 8] and state["classes"] == list(range(10))
    assert state["model_config"]["_target_"] == f"{PACKAGE}.models.CNN"
    assert state["model_config"]["dropout"] == 0.0  # interpolations are saved resolved
    # scikit-learn's names of the 8x8 pixels, row by row
    assert state["feature_names"] == [f"pixel_{r}_{c}" for r in range(8) for c in range(8)]
    loaded, classes, features = engine.load_checkpoint(path, CPU)
    assert classes == list(range(10))
    assert features == Features((1, 8, 8), state["feature_names"])
    x = torch.from_numpy(data.x_test[:4])
    assert torch.equal(loaded.eval()(x), model.eval()(x))
    assert [p.name for p in tmp_path.iterdir()] == [engine.CHECKPOINT]


@pytest.mark.slow
def test_a_checkpoint_saved_before_feature_names_still_loads(trained_run, tmp_path):
    """Without names, `predict` checks the number of columns of a file only."""
    state = torch.load(trained_run / engine.CHECKPOINT, weights_only=True)
    del state["feature_names"]
    torch.save(state, tmp_path / engine.CHECKPOINT)
    _, classes, features = engine.load_checkpoint(tmp_path / engine.CHECKPOINT, CPU)
    assert classes == list(range(10)) and features == Features((1, 8, 8), None)
    torch.save({**state, "feature_names": ["a", "b"]}, tmp_path / engine.CHECKPOINT)
    with pytest.raises(RunError, match=r"^ckpt_path: refused .*: 2 feature names for samples of"):
        engine.load_checkpoint(tmp_path / engine.CHECKPOINT, CPU)


def test_predict_proba_is_the_softmax_of_the_logits_in_sample_order():
    model = nn.Linear(2, 2, bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.eye(2))  # the logits are the inputs themselves
    x = np.array([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=np.float32)
    batches = module("loaders").make_loader({"batch_size": 2}, x)  # samples alone, in order
    proba = engine.predict_proba(model, batches, CPU)
    # softmax by hand: e^a / (e^a + e^b)
    first, second = 1 / (1 + math.exp(-2.0)), 1 / (1 + math.exp(1.0))
    expected = [[first, 1 - first], [second, 1 - second], [0.5, 0.5]]
    assert proba == pytest.approx(np.array(expected), abs=1e-6)


def test_a_checkpoint_naming_other_code_is_refused_and_runs_nothing(trained_run, tmp_path):
    """A checkpoint's model config is data: a `_target_` in it that is not a model of
    models.py, at the top or nested, is refused with one line and never called."""
    copy = tmp_path / "copied"
    state = torch.load(trained_run / engine.CHECKPOINT, weights_only=True)
    for crafted in code_naming_configs(state["model_config"], trained_run / "train.log", copy):
        path = tmp_path / engine.CHECKPOINT
        torch.save({**state, "model_config": crafted}, path)
        with pytest.raises(RunError) as refused:
            engine.load_checkpoint(path, CPU)
        assert str(refused.value).startswith(f"ckpt_path: refused {path}: model")
        assert "\n" not in str(refused.value)
    assert not copy.exists()


def test_a_broken_checkpoint_is_named_by_its_config_key(tmp_path):
    (tmp_path / "empty.pt").write_bytes(b"")
    with pytest.raises(RunError, match=r"^ckpt_path: .*empty\.pt is empty"):
        engine.load_checkpoint(tmp_path / "empty.pt", CPU)


def test_a_checkpoint_missing_its_parts_is_refused(tmp_path):
    path = tmp_path / engine.CHECKPOINT
    torch.save({"state_dict": {}}, path)
    with pytest.raises(RunError, match=r"it holds no model_config, input_shape, classes \("):
        engine.load_checkpoint(path, CPU)


def test_an_interrupted_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    cfg = compose_job("train", [])
    data = instantiate(cfg.data)
    model = engine.build(cfg, data, CPU).model
    path = tmp_path / engine.CHECKPOINT
    engine.save_checkpoint(path, model, cfg.model, data)
    before = path.read_bytes()

    def interrupted(state, file):  # the file that harness/checkpoints.save opened
        file.write(b"half a checkpoint")
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", interrupted)
    with pytest.raises(KeyboardInterrupt):
        engine.save_checkpoint(path, model, cfg.model, data)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [engine.CHECKPOINT]


@pytest.mark.slow
def test_seed_fixes_the_run_and_changes_it(tmp_path):
    first, first_rows = train_in_process(tmp_path / "a", "seed=1")
    again, again_rows = train_in_process(tmp_path / "b", "seed=1", "tags=[b]")
    other, _ = train_in_process(tmp_path / "c", "seed=2")
    assert first == again and first_rows == again_rows
    assert first != other


@pytest.mark.slow
def test_seed_decides_the_initial_weights(tmp_path):
    """With a learning rate of 0 the weights stay as initialized: only they tell runs apart."""
    first, _ = train_in_process(tmp_path / "a", "seed=1", "optimizer.lr=0")
    other, _ = train_in_process(tmp_path / "b", "seed=2", "optimizer.lr=0")
    assert first["val_loss"] != other["val_loss"]


def test_deterministic_reaches_torch(tmp_path):
    try:
        train_in_process(tmp_path, "trainer.deterministic=true")
        assert torch.are_deterministic_algorithms_enabled()
    finally:
        torch.use_deterministic_algorithms(False)


def test_the_log_tells_the_model_device_and_every_epoch(trained_run):
    messages = log_messages(trained_run / "train.log")
    assert "Training MLP for 2 epochs on cpu, precision 32" in messages
    rows = list(csv.DictReader((trained_run / "metrics.csv").open()))
    for row in rows:
        scores = "  ".join(f"{name} {float(row[name]):.4f}" for name in list(row)[1:])
        assert f"epoch {row['epoch']}/2  {scores}" in messages


def test_training_settings_reach_the_run(tmp_path):
    metrics, rows = train_in_process(tmp_path, "trainer.max_epochs=3", "scheduler=cosine")
    assert [row["epoch"] for row in rows] == ["1", "2", "3"]
    lr = [float(row["lr"]) for row in rows]
    assert lr[0] == 2e-3 and lr[0] > lr[1] > lr[2]  # adam's lr, cosine decay
    assert 0.0 < metrics["test_acc"] <= 1.0


@pytest.mark.slow
def test_the_best_epochs_mode_is_min_or_max(tmp_path, capfd):
    from test_fail_fast import refusal

    line = refusal(tmp_path, capfd, "train", "trainer.checkpoint.mode=maximum")
    assert line == "trainer.checkpoint.mode: 'maximum' is not one of min, max"
