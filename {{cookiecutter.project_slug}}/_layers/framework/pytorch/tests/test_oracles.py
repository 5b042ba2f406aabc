"""Oracles: what a run reports, checked against a computation of its own (torch_oracles.py),
never against the code path that reported it. The checkpoint kept as the best is the epoch that
metrics.csv says is best; each epoch's validation metrics and metrics.json's test metrics are
the saved weights measured again; training takes the training samples only, each once per epoch,
shared out between processes; a resumed run holds bit for bit what a run without a stop holds."""

import random
import subprocess
import sys
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from conftest import (
    PACKAGE,
    command,
    compose_job,
    metrics_rows,
    module,
    read_json,
    run_cli,
    split_by_hand,
    the_run_folder,
    train_in_process,
)
from omegaconf import OmegaConf
from torch_oracles import assert_same, correct, cross_entropy, measured, mlp_logits, sample_keys

engine = module("engine")
Interrupted = module("harness.errors").Interrupted

# A run whose best epochs are in the middle: debug=fast (256 training samples) in batches of 16
# for 5 epochs, the learning rate rising (cosine from 0.01 towards eta_min=0.1): it learns, then
# overshoots. With seed 6 the highest val_acc (epoch 2) and the lowest val_loss (epoch 3) are
# two epochs, neither the first nor the last; the tests check that they still are. Early
# stopping watches val_acc too, without stopping the run: its state after epoch 5 (no better
# val_acc for 3 epochs) is one that a resumed run has only if it restored it.
RISING = (
    "seed=6",
    "trainer.max_epochs=5",
    "loader.batch_size=16",
    "optimizer.lr=0.01",
    "scheduler=cosine",
    "+scheduler.eta_min=0.1",
    "logger=csv",
    "trainer.early_stopping.monitor=val_acc",
    "trainer.early_stopping.mode=max",
    "trainer.early_stopping.patience=10",
)
EPOCHS = 5
# debug=fast keeps the first 256 training samples (data.limit)
TRAINING_SAMPLES = 256


@contextmanager
def tapped_training():
    """While open, every training epoch (engine.train_one_epoch) is recorded, batch by batch:
    the samples the loop took (`x`, `y`) and the weights that met them (`weights`), in a list
    with a list of batches per epoch. Each epoch also draws from python's and numpy's random
    generators, as a user's augmentation would: a resumed run must restore those too."""
    epochs: list[list[dict]] = []
    original = engine.train_one_epoch

    def recorded(model, batches, steps, device):
        random.random()  # (python's generator)
        np.random.random()  # (numpy's)
        epoch: list[dict] = []
        epochs.append(epoch)
        network = getattr(model, "module", model)  # the model inside DistributedDataParallel

        def taken():
            for x, y in batches:
                weights = {
                    name: value.detach().cpu().clone()
                    for name, value in network.state_dict().items()
                }
                epoch.append({"x": x.cpu().clone(), "y": y.cpu().clone(), "weights": weights})
                yield x, y

        return original(model, taken(), steps, device)

    engine.train_one_epoch = recorded
    try:
        yield epochs
    finally:
        engine.train_one_epoch = original


def epochs_of(run: Path) -> list[dict[str, float]]:
    """The rows of a run's metrics.csv, as numbers."""
    return [{key: float(value) for key, value in row.items()} for row in metrics_rows(run)]


def load(path: Path) -> dict:
    return torch.load(path, map_location="cpu", weights_only=True)


def epochs_measuring(rows: list[dict], metrics: dict) -> list[int]:
    """The epochs whose validation metrics in metrics.csv are `metrics` (as `measured` gives)."""
    return [
        int(row["epoch"])
        for row in rows
        if row["val_acc"] == metrics["acc"]
        and row["val_loss"] == pytest.approx(metrics["loss"], rel=1e-5)
    ]


def rows_taken(epoch: list[dict], splits) -> Counter:
    """The row numbers (in the data set) of the samples that an epoch's batches took, counted;
    -1 for a sample that is no sample of the data set."""
    keys = [key for batch in epoch for key in sample_keys(batch["x"], batch["y"])]
    return Counter(splits.number.get(key, -1) for key in keys)


@pytest.fixture(scope="module")
def splits():
    """The samples of each split of debug=fast's data, by hand, not by data.py: scikit-learn's
    digits scaled to [0, 1], split as the data config says (split_by_hand); `x_<split>`,
    `y_<split>`, the row numbers of each split (`rows`) and the row number of each sample
    (`number`, by its sample_keys)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x, y = (digits.images / 16.0).astype(np.float32), digits.target
    config = OmegaConf.to_container(compose_job("train", ["debug=fast"]).data, resolve=True)
    rows = split_by_hand(y, config)
    assert len(rows["train"]) == TRAINING_SAMPLES
    parts = {
        f"{axis}_{name}": v[part] for name, part in rows.items() for axis, v in (("x", x), ("y", y))
    }
    number = {key: row for row, key in enumerate(sample_keys(x, y))}
    assert len(number) == len(y)  # no two samples alike
    return SimpleNamespace(**parts, rows=rows, number=number)


@pytest.fixture(scope="module")
def best_by_val_acc(tmp_path_factory):
    """A RISING run with the shipped checkpoint settings, its training recorded
    (tapped_training): its run folder and its epochs' batches."""
    launch = tmp_path_factory.mktemp("launch")
    with tapped_training() as epochs:
        run_cli("train", "debug=fast", *RISING, cwd=launch)
    return the_run_folder(launch), epochs


@pytest.fixture(scope="module")
def best_by_val_loss(tmp_path_factory):
    """A RISING run whose checkpoint keeps the epoch of the lowest val_loss; its run folder."""
    out = tmp_path_factory.mktemp("val_loss") / "run"
    train_in_process(
        out, *RISING, "trainer.checkpoint.monitor=val_loss", "trainer.checkpoint.mode=min"
    )
    return out


def test_the_best_checkpoint_holds_the_epoch_of_the_highest_val_acc_by_default(
    best_by_val_acc, splits
):
    shipped = compose_job("train", []).trainer.checkpoint  # the run overrides none of it
    assert (shipped.monitor, shipped.mode) == ("val_acc", "max")
    run, _ = best_by_val_acc
    rows = epochs_of(run)
    acc = [row["val_acc"] for row in rows]
    best = acc.index(max(acc)) + 1
    # the run tells the epochs apart: one best, neither the first nor the last
    assert acc.count(max(acc)) == 1 and best not in (1, EPOCHS), acc
    kept = measured(load(run / engine.CHECKPOINT)["state_dict"], splits.x_val, splits.y_val)
    assert epochs_measuring(rows, kept) == [best]


def test_the_best_checkpoint_holds_the_epoch_of_the_lowest_val_loss_when_configured(
    best_by_val_loss, splits
):
    rows = epochs_of(best_by_val_loss)
    loss, acc = [row["val_loss"] for row in rows], [row["val_acc"] for row in rows]
    best = loss.index(min(loss)) + 1
    # neither the first nor the last epoch, nor the one that val_acc would pick
    assert best not in (1, EPOCHS, acc.index(max(acc)) + 1), (loss, acc)
    kept = measured(
        load(best_by_val_loss / engine.CHECKPOINT)["state_dict"], splits.x_val, splits.y_val
    )
    assert epochs_measuring(rows, kept) == [best]


def test_each_epochs_validation_metrics_are_its_weights_measured_on_the_validation_samples(
    best_by_val_acc, splits
):
    run, epochs = best_by_val_acc
    rows, last = epochs_of(run), load(run / engine.LAST_CHECKPOINT)
    assert len(rows) == len(epochs) == last["epoch"] == EPOCHS
    # an epoch's weights: those that the next epoch's first batch met; the last one's: last.pt's
    ends = [epoch[0]["weights"] for epoch in epochs[1:]] + [last["state_dict"]]
    for row, weights in zip(rows, ends, strict=True):
        expected = measured(weights, splits.x_val, splits.y_val)
        epoch = f"epoch {row['epoch']:.0f}"
        assert row["val_acc"] == expected["acc"], epoch
        assert row["val_loss"] == pytest.approx(expected["loss"], rel=1e-5), epoch


def test_metrics_json_holds_the_best_checkpoint_measured_on_the_test_samples(
    best_by_val_acc, splits
):
    run, _ = best_by_val_acc
    reported = read_json(run / "metrics.json")
    best = measured(load(run / engine.CHECKPOINT)["state_dict"], splits.x_test, splits.y_test)
    last_weights = load(run / engine.LAST_CHECKPOINT)["state_dict"]
    last = measured(last_weights, splits.x_val, splits.y_val)
    assert reported.keys() == {"val_loss", "val_acc", "test_loss", "test_acc"}
    assert reported["test_acc"] == best["acc"]
    assert reported["test_loss"] == pytest.approx(best["loss"], rel=1e-5)
    # the validation metrics: the last epoch's
    assert reported["val_acc"] == last["acc"]
    assert reported["val_loss"] == pytest.approx(last["loss"], rel=1e-5)
    # (the last epoch's weights measure otherwise on the test samples: they are not the best)
    assert measured(last_weights, splits.x_test, splits.y_test) != pytest.approx(best)


def test_training_takes_each_training_sample_once_per_epoch_and_no_other(best_by_val_acc, splits):
    _, epochs = best_by_val_acc
    training = Counter(splits.rows["train"].tolist())
    held_out = {*splits.rows["val"].tolist(), *splits.rows["test"].tolist()}
    assert len(epochs) == EPOCHS
    for number, epoch in enumerate(epochs, start=1):
        taken = rows_taken(epoch, splits)
        assert sorted(taken.keys() & held_out) == [], f"epoch {number}: held-out rows taken"
        assert sorted(taken.keys() - training.keys()) == [], f"epoch {number}: other rows taken"
        assert sum(taken.values()) == TRAINING_SAMPLES, f"epoch {number}"
        assert taken == training, f"epoch {number}: each training row once"


def test_a_resumed_run_holds_bit_for_bit_what_the_run_without_a_stop_holds(
    best_by_val_acc, tmp_path
):
    """Stopped after epoch 2 of 5, then continued with `resume=`: after epoch 5, its last.pt
    holds the weights, the optimizer's state, the scheduler's, the best value so far and the
    states of the random generators (python, numpy, torch) of the run that never stopped, and
    its checkpoint.pt the same best epoch's weights. Each epoch draws from every generator
    (tapped_training), so that each one's state tells whether it was restored."""
    uninterrupted, _ = best_by_val_acc
    save = engine.Checkpoints.save

    def save_then_stop(self, row):  # as a SIGTERM after epoch 2 does (test_resume.py)
        save(self, row)
        if row["epoch"] == 2:
            raise Interrupted("interrupted after epoch 2 of 5 by the test")

    with tapped_training():
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(engine.Checkpoints, "save", save_then_stop)
            with pytest.raises(SystemExit) as stopped:
                run_cli("train", "debug=fast", *RISING, cwd=tmp_path)
        assert stopped.value.code == 1
        run = the_run_folder(tmp_path)
        assert engine.epochs_on_disk(run) == 2
        run_cli("train", f"resume={run}", cwd=tmp_path)

    resumed = load(run / engine.LAST_CHECKPOINT)
    expected = load(uninterrupted / engine.LAST_CHECKPOINT)
    assert resumed["epoch"] == expected["epoch"] == EPOCHS
    assert resumed["scheduler"] is not None  # (scheduler=cosine)
    assert {"python", "numpy", "torch"} <= set(resumed["random_state"])
    assert resumed["early_stopping"]["wait"] == 3  # no better val_acc since epoch 2
    for entry in ("state_dict", "optimizer", "scheduler", "best", "random_state", "early_stopping"):
        assert_same(resumed[entry], expected[entry], f"last.pt[{entry!r}]")
    assert_same(resumed, expected, "last.pt")  # and nothing else differs
    assert_same(
        load(run / engine.CHECKPOINT), load(uninterrupted / engine.CHECKPOINT), "checkpoint.pt"
    )


# `torchrun ... <this script> <records folder> <tests folder> <overrides>`: train, each process
# recording its training (tapped_training) into <records folder>/rank<RANK>.pt
TAPPED_TRAIN = """
import os, sys
import torch
records, tests = sys.argv.pop(1), sys.argv.pop(1)
sys.path.insert(0, tests)
from test_oracles import tapped_training
from {package} import train
sys.argv[0] = {command!r}
with tapped_training() as epochs:
    train.main()
torch.save(epochs, os.path.join(records, "rank" + os.environ["RANK"] + ".pt"))
"""


@pytest.mark.processes
def test_two_processes_share_out_the_training_samples_and_log_the_metrics_of_all(tmp_path, splits):
    """torchrun, 2 processes on CPU, without dropout (the loss of a batch is a function of the
    weights that met it): each epoch, the two take disjoint halves of the training samples,
    together each once; they step with the same weights; metrics.csv's training metrics are
    those of every sample of both, measured with the weights that met it."""
    script = tmp_path / "tapped_train.py"
    script.write_text(TAPPED_TRAIN.format(package=PACKAGE, command=command("train")))
    launch = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
    overrides = ["debug=fast", "model.dropout=0", "logger=csv"]
    done = subprocess.run(
        [*launch, str(script), str(tmp_path), str(Path(__file__).parent), *overrides],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    first, second = (load(tmp_path / f"rank{rank}.pt") for rank in (0, 1))
    rows = epochs_of(the_run_folder(tmp_path))
    training = Counter(splits.rows["train"].tolist())
    assert len(rows) == len(first) == len(second) == 2  # debug=fast: 2 epochs

    for row, ours, theirs in zip(rows, first, second, strict=True):
        taken = rows_taken(ours, splits), rows_taken(theirs, splits)
        assert [sum(half.values()) for half in taken] == [TRAINING_SAMPLES // 2] * 2
        assert sorted(taken[0].keys() & taken[1].keys()) == []  # no row in both processes
        assert taken[0] + taken[1] == training
        for one, other in zip(ours, theirs, strict=True):  # the same model in both processes
            assert_same(one["weights"], other["weights"], f"epoch {row['epoch']:.0f}: weights")
        losses, hits = [], 0
        for batch in [*ours, *theirs]:
            logits = mlp_logits(batch["weights"], batch["x"])
            losses.append(cross_entropy(logits, batch["y"].numpy()))
            hits += correct(logits, batch["y"].numpy())
        assert row["train_loss"] == pytest.approx(np.concatenate(losses).mean(), rel=1e-5)
        assert row["train_acc"] == hits / TRAINING_SAMPLES
    # another share each epoch (set_epoch)
    assert rows_taken(first[0], splits) != rows_taken(first[1], splits)
