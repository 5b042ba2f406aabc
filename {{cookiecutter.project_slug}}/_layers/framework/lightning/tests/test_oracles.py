"""Oracles: what a Lightning run reports and keeps, checked against a computation written out
here, never against the code path that produced it.

- the data: scikit-learn's digits and its splitter, called here as data.py documents the split;
- a model's metrics: the MLP's forward pass in numpy from a checkpoint's weights, then the
  cross-entropy (log-sum-exp minus the true class's logit) and the accuracy;
- the best epoch: the argmax (mode max) or argmin (mode min) of the monitored column of
  metrics.csv; the epoch early stopping ends at, from metrics.csv's validation loss;
- resume: a run stopped after epoch 2 of 3 and continued, against a run without a stop, state
  by state (weights, optimizer, scheduler, random generators, callbacks);
- several processes: the samples each one trains on, recorded, and the metrics of all the
  validation and test samples.
"""

import math
import os
import random
import subprocess
import sys
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import lightning as L
import numpy as np
import pytest
import torch
import yaml
from conftest import (
    PACKAGE,
    metrics_rows,
    module,
    read_json,
    run_cli,
    split_by_hand,
    the_run_folder,
    train_in_process,
)
from torch_oracles import assert_same, measured, sample_keys

engine = module("engine")
AtomicCheckpointIO = module("harness.callbacks").AtomicCheckpointIO
Interrupted = module("harness.errors").Interrupted

# a short run whose best epochs are not its last: the validation accuracy is highest after
# epoch 4, the validation loss lowest after epoch 5, of 6 (each test that needs it says so);
# the learning rate is constant, so the first 6 epochs of a longer run are these
SCENARIO = [
    "data.limit=64",
    "loader.batch_size=16",
    "optimizer.lr=0.03",
    "seed=2",
]
# what the shipped configs keep as checkpoint.ckpt, by their promise (model_checkpoint.yaml, the
# README): the epoch of the best validation accuracy; not read from the configs under test
SHIPPED_BEST = ("val_acc", "max")
# another monitor and mode, given on the command line, and early stopping after one epoch
# without a lower validation loss, in up to 7 epochs: the SCENARIO's run stops after epoch 6
LOWEST_LOSS = [
    "callbacks.model_checkpoint.monitor=val_loss",
    "callbacks.model_checkpoint.mode=min",
    "callbacks.early_stopping.patience=1",
    "trainer.max_epochs=7",
]


# -- the independent computations (and torch_oracles.py's) ---------------------------------------


def digits_splits(run: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(x, y) of each split of a run on the digits data set, by hand, not by data.py:
    scikit-learn's 8x8 images scaled to [0, 1], split as the data settings of the run's resolved
    config say (conftest.split_by_hand)."""
    from sklearn.datasets import load_digits

    data = yaml.safe_load((run / "resolved_config.yaml").read_text())["data"]
    assert data["_target_"] == f"{PACKAGE}.data.load_digits"
    digits = load_digits()
    x, y = (digits.images / 16.0).astype(np.float32).reshape(-1, 1, 8, 8), digits.target
    return {name: (x[part], y[part]) for name, part in split_by_hand(y, data).items()}


def measured_checkpoint(path: Path, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """The mean cross-entropy and the accuracy of the MLP whose weights a checkpoint holds, on
    the samples x, labels y (torch_oracles.measured: the network written out in numpy)."""
    checkpoint = torch.load(path, weights_only=True)
    assert checkpoint["hyper_parameters"]["model"]["_target_"] == f"{PACKAGE}.models.MLP"
    return measured(checkpoint["state_dict"], x, y)


def logged(row: dict, split: str) -> dict[str, float]:
    """The `split` metrics of a metrics.csv row (or of metrics.json), as `measured` names them."""
    return {"loss": float(row[f"{split}_loss"]), "acc": float(row[f"{split}_acc"])}


def same_metrics(expected: dict[str, float]):
    """Metrics that Lightning computes in float32, against float64 ones."""
    return pytest.approx(expected, rel=1e-5, abs=1e-6)


def samples(x: np.ndarray, y: np.ndarray) -> Counter:
    """Each sample (torch_oracles.sample_keys) with how often it occurs."""
    return Counter(sample_keys(x, y))


def assert_once_each(seen: Counter, training_rows: Counter, epoch: int) -> None:
    """The samples trained on in an epoch are the training rows, each once."""
    extra, missing = sum((seen - training_rows).values()), sum((training_rows - seen).values())
    assert (extra, missing) == (0, 0), (
        f"epoch {epoch}: {extra} samples that are no training rows or trained on twice, "
        f"{missing} training rows left out"
    )


# -- what a run is made to show ------------------------------------------------------------------


class TrainingBatches(L.Callback):
    """Records each training batch as the model receives it, with its epoch (from 1)."""

    def __init__(self):
        self.batches: list[tuple[int, np.ndarray, np.ndarray]] = []

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        x, y = batch
        self.batches.append((trainer.current_epoch + 1, x.numpy().copy(), y.numpy().copy()))

    def epoch(self, epoch: int) -> list[tuple[bytes, int]]:
        """The samples of an epoch in the order they came (torch_oracles.sample_keys)."""
        return [key for at, x, y in self.batches if at == epoch for key in sample_keys(x, y)]


class Draws(L.Callback):
    """Draws from python's, numpy's and torch's generators at each training batch, as a data
    augmentation would, and records the numbers by epoch."""

    def __init__(self):
        self.drawn: list[tuple[int, float, float, float]] = []

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        numbers = (random.random(), float(np.random.random()), float(torch.rand(1)))
        self.drawn.append((trainer.current_epoch + 1, *numbers))

    def epoch(self, epoch: int) -> list[tuple]:
        return [numbers for at, *numbers in self.drawn if at == epoch]


@contextmanager
def extra_callbacks(*callbacks: L.Callback):
    """Each Trainer that `engine.make_trainer` makes meanwhile gets `callbacks` too."""
    make = engine.make_trainer

    def make_trainer(*args, **kwargs):
        trainer = make(*args, **kwargs)
        trainer.callbacks.extend(callbacks)
        return trainer

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine, "make_trainer", make_trainer)
        yield


@contextmanager
def interrupted_after_epoch(epoch: int):
    """Training stops right after the last checkpoint of `epoch` is written, as a signal
    there stops it (the Interrupted error of harness/signals.py)."""
    save = AtomicCheckpointIO.save_checkpoint

    def save_then_stop(self, checkpoint, path, storage_options=None):
        save(self, checkpoint, path, storage_options)
        if Path(path).name == engine.LAST_CHECKPOINT and checkpoint["epoch"] + 1 == epoch:
            raise Interrupted(f"interrupted after epoch {epoch}")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(AtomicCheckpointIO, "save_checkpoint", save_then_stop)
        yield


@pytest.fixture(scope="module")
def shipped_training(tmp_path_factory) -> tuple[Path, TrainingBatches]:
    """The SCENARIO's run of 6 epochs with the shipped callbacks, its training batches
    recorded: its run folder and the batches."""
    out = tmp_path_factory.mktemp("shipped") / "run"
    batches = TrainingBatches()
    with extra_callbacks(batches):
        train_in_process(out, *SCENARIO, "trainer.max_epochs=6")
    return out, batches


@pytest.fixture(scope="module")
def shipped_run(shipped_training) -> Path:
    return shipped_training[0]


@pytest.fixture(scope="module")
def lowest_loss_run(tmp_path_factory) -> Path:
    """The SCENARIO's run with the LOWEST_LOSS overrides; its run folder."""
    out = tmp_path_factory.mktemp("lowest_loss") / "run"
    train_in_process(out, *SCENARIO, *LOWEST_LOSS)
    return out


# -- the best checkpoint -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("run", "monitor"),
    [
        pytest.param("shipped_run", SHIPPED_BEST, id="shipped"),
        pytest.param(
            "lowest_loss_run", ("val_loss", "min"), id="val_loss-min", marks=pytest.mark.slow
        ),
    ],
)
def test_the_best_checkpoint_holds_the_best_epoch_of_metrics_csv(run, monitor, request):
    run = request.getfixturevalue(run)
    name, mode = monitor
    table = metrics_rows(run)
    column = np.array([float(row[name]) for row in table])
    # the first of equal values: ModelCheckpoint replaces its file only for a better one
    best = int(np.argmax(column) if mode == "max" else np.argmin(column))
    assert best != len(table) - 1, "the scenario needs a best epoch before the last"
    kept = run / engine.CHECKPOINT
    assert torch.load(kept, weights_only=True)["epoch"] == best  # Lightning counts from 0
    # the weights it holds measure, on the validation rows, what metrics.csv logged that epoch
    x, y = digits_splits(run)["val"]
    assert measured_checkpoint(kept, x, y) == same_metrics(logged(table[best], "val"))


@pytest.mark.slow
def test_early_stopping_stops_where_the_validation_loss_of_metrics_csv_says(lowest_loss_run):
    """Early stopping (validation loss, mode min, patience 1) ends the run after the first
    epoch whose loss is not below every earlier one's, and not before."""
    losses = [float(row["val_loss"]) for row in metrics_rows(lowest_loss_run)]
    lowest, waited, expected = math.inf, 0, 7  # trainer.max_epochs
    for epoch, loss in enumerate(losses, start=1):
        lowest, waited = (loss, 0) if loss < lowest else (lowest, waited + 1)
        if waited >= 1:
            expected = epoch
            break
    assert len(losses) == expected == 6


# -- what a run reports --------------------------------------------------------------------------


def test_the_last_epochs_validation_metrics_are_its_weights_measured_here(shipped_run):
    table = metrics_rows(shipped_run)
    last = shipped_run / engine.LAST_CHECKPOINT
    assert torch.load(last, weights_only=True)["epoch"] + 1 == len(table) == 6
    x, y = digits_splits(shipped_run)["val"]
    assert measured_checkpoint(last, x, y) == same_metrics(logged(table[-1], "val"))
    assert logged(read_json(shipped_run / "metrics.json"), "val") == logged(table[-1], "val")


def test_the_test_metrics_are_the_best_checkpoints_measured_on_the_test_rows(shipped_run):
    x, y = digits_splits(shipped_run)["test"]
    expected = measured_checkpoint(shipped_run / engine.CHECKPOINT, x, y)
    assert logged(read_json(shipped_run / "metrics.json"), "test") == same_metrics(expected)


def test_the_model_trains_on_each_training_row_once_per_epoch_and_on_no_other(
    shipped_training,
):
    """Each epoch, in an order of its own."""
    run, batches = shipped_training
    x, y = digits_splits(run)["train"]
    assert len(x) == 64  # data.limit
    training_rows = samples(x, y)
    epochs = range(1, len(metrics_rows(run)) + 1)
    for epoch in epochs:
        assert_once_each(Counter(batches.epoch(epoch)), training_rows, epoch)
    assert len({tuple(batches.epoch(epoch)) for epoch in epochs}) == len(epochs) == 6


# -- resume --------------------------------------------------------------------------------------


def in_any_folder(state, run: Path):
    """A checkpoint's entry with the run folder in its text made `<run>`, without the score
    that ModelCheckpoint keeps of the epoch it saved last (Lightning does not restore it, and
    nothing reads it)."""
    if isinstance(state, dict):
        kept = {key: value for key, value in state.items() if key != "current_score"}
        return {in_any_folder(key, run): in_any_folder(value, run) for key, value in kept.items()}
    if isinstance(state, list | tuple):
        return type(state)(in_any_folder(value, run) for value in state)
    return state.replace(str(run), "<run>") if isinstance(state, str) else state


def test_a_resumed_run_holds_the_states_of_a_run_without_a_stop(tmp_path):
    """A run of 3 epochs stopped after epoch 2 and continued, against one without a stop: the
    last checkpoint's weights, optimizer, scheduler, random generators and callbacks' states
    are the same, and so are the numbers drawn in epoch 3 and the best checkpoint; the
    learning rate of each epoch is the cosine schedule's, written out. Both callbacks keep
    the highest validation loss: the first epoch's (training lowers it), so their states
    after epoch 3 hold what they kept before the stop (early stopping: 2 epochs without
    improvement)."""
    settings = ["debug=fast", "trainer.max_epochs=3", "scheduler=cosine", "data.limit=32"]
    settings += ["loader.batch_size=16", "callbacks.early_stopping.mode=max"]
    settings += ["callbacks.model_checkpoint.monitor=val_loss"]
    settings += ["callbacks.model_checkpoint.mode=max"]
    for name in ("whole", "stopped"):
        (tmp_path / name).mkdir()
    whole_draws, stopped_draws = Draws(), Draws()
    with extra_callbacks(whole_draws):
        run_cli("train", *settings, cwd=tmp_path / "whole")
    with extra_callbacks(stopped_draws), interrupted_after_epoch(2):
        with pytest.raises(SystemExit):
            run_cli("train", *settings, cwd=tmp_path / "stopped")
    stopped = the_run_folder(tmp_path / "stopped")
    assert engine.epochs_on_disk(stopped) == 2
    with extra_callbacks(stopped_draws):
        run_cli("train", f"resume={stopped}", cwd=tmp_path / "stopped")

    whole = the_run_folder(tmp_path / "whole")
    expected = torch.load(whole / engine.LAST_CHECKPOINT, weights_only=True)
    resumed = torch.load(stopped / engine.LAST_CHECKPOINT, weights_only=True)
    assert resumed["epoch"] == expected["epoch"] == 2
    assert resumed["global_step"] == expected["global_step"] == 3 * 2  # 32 rows, 16 a batch
    assert "RandomState" in expected["callbacks"]  # with the other callbacks' states
    for entry in ["state_dict", "optimizer_states", "lr_schedulers", "callbacks"]:
        ours, theirs = in_any_folder(resumed[entry], stopped), in_any_folder(expected[entry], whole)
        assert_same(ours, theirs, entry)
    assert stopped_draws.epoch(3) == whole_draws.epoch(3) and len(whole_draws.epoch(3)) == 2
    losses = [float(row["val_loss"]) for row in metrics_rows(whole)]
    assert max(losses) == losses[0], "the scenario needs the highest validation loss first"
    best = [torch.load(run / engine.CHECKPOINT, weights_only=True) for run in (stopped, whole)]
    assert best[0]["epoch"] == best[1]["epoch"] == 0
    assert_same(best[0]["state_dict"], best[1]["state_dict"], "the best checkpoint's weights")
    # each epoch trains with lr/2 (1 + cos(pi e / 3)), e = 0, 1, 2
    lr = [2e-3 * (1 + math.cos(math.pi * epoch / 3)) / 2 for epoch in range(3)]
    assert [float(row["lr"]) for row in metrics_rows(stopped)] == pytest.approx(lr, rel=1e-12)
    assert metrics_rows(stopped) == metrics_rows(whole)


# -- several processes ---------------------------------------------------------------------------

# `python <this script> <train args>`: train, each process recording its training batches (the
# samples, their epoch and the batch's loss) into $ORACLE_RECORD/process_<rank>.npz. Lightning
# starts the other process with the same script and arguments.
RECORDING = """
import os
from pathlib import Path

import lightning as L
import numpy as np
from {package} import engine, train


class Record(L.Callback):
    def __init__(self):
        self.columns = {"x": [], "y": [], "epoch": [], "loss": []}

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        x, y = batch
        loss = outputs["loss"] if isinstance(outputs, dict) else outputs
        for name, value in [("x", x.numpy()), ("y", y.numpy()),
                            ("epoch", np.full(len(y), trainer.current_epoch + 1)),
                            ("loss", np.full(len(y), float(loss)))]:
            self.columns[name].append(value.copy())

    def on_train_end(self, trainer, pl_module):
        path = Path(os.environ["ORACLE_RECORD"]) / f"process_{trainer.global_rank}.npz"
        with open(path.with_suffix(".partial"), "wb") as file:
            np.savez(file, **{name: np.concatenate(v) for name, v in self.columns.items()})
        os.replace(path.with_suffix(".partial"), path)


make = engine.make_trainer


def make_trainer(*args, **kwargs):
    trainer = make(*args, **kwargs)
    trainer.callbacks.append(Record())
    return trainer


engine.make_trainer = make_trainer
train.main()
"""


@pytest.mark.processes
def test_two_processes_train_on_each_row_once_an_epoch_and_log_all_samples_metrics(tmp_path):
    """trainer=ddp in two CPU processes: every epoch, the two together train on each training
    row exactly once; metrics.csv's training loss is the mean over the batches of both, its
    validation metrics and metrics.json's test metrics those of every sample, measured here.
    (359 test rows: each of 2 processes would get 180, one row twice; process 0 tests alone.)"""
    script = tmp_path / "record.py"
    script.write_text(RECORDING.replace("{package}", PACKAGE))
    record = tmp_path / "record"
    record.mkdir()
    ddp = ["trainer=ddp", "trainer.accelerator=cpu", "trainer.devices=2", "debug=fast"]
    # 256 training, 270 validation and 359 test rows
    done = subprocess.run(
        [sys.executable, str(script), *ddp, "loader.batch_size=32"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "ORACLE_RECORD": str(record)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    run = the_run_folder(tmp_path)
    splits = digits_splits(run)
    assert [len(splits[name][1]) for name in ("train", "val", "test")] == [256, 270, 359]
    processes = [np.load(record / f"process_{rank}.npz") for rank in (0, 1)]
    table = metrics_rows(run)
    assert len(table) == 2
    for row in table:
        epoch = int(row["epoch"])
        shares = [{key: part[key][part["epoch"] == epoch] for key in part} for part in processes]
        seen = sum((samples(share["x"], share["y"]) for share in shares), Counter())
        assert_once_each(seen, samples(*splits["train"]), epoch)
        assert [len(share["y"]) for share in shares] == [128, 128]  # half of the rows each
        losses = np.concatenate([share["loss"] for share in shares])
        assert float(row["train_loss"]) == pytest.approx(losses.mean(), rel=1e-5)
    last = run / engine.LAST_CHECKPOINT
    assert measured_checkpoint(last, *splits["val"]) == same_metrics(logged(table[-1], "val"))
    metrics = read_json(run / "metrics.json")
    best = measured_checkpoint(run / engine.CHECKPOINT, *splits["test"])
    assert best == same_metrics(logged(metrics, "test"))
