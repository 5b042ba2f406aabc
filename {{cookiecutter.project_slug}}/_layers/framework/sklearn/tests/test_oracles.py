"""The scikit-learn engine against answers computed here: the rows that `fit` receives and the
metrics that a run reports, for the rows of each split taken here (the data read by
scikit-learn or numpy, split by conftest.split_by_hand) and the loss and accuracy written out
with numpy, not through data.py or engine.evaluate."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from conftest import compose_job, module, read_json, split_by_hand, train_in_process
from sklearn.datasets import load_digits
from sklearn.pipeline import Pipeline
from test_predict_oracles import NUMBERS, predicted_rows, separable_run

engine = module("engine")


@dataclass
class Fitted:
    """A `train debug=fast` run and what it was given, as this file reads it."""

    folder: Path  # the run folder
    calls: list  # (features, labels) of each call of Pipeline.fit during the run
    metrics: dict  # its metrics.json
    rows: list  # its metrics.csv rows
    x: np.ndarray  # every sample of the data set, flat, read here
    labels: np.ndarray  # every sample's label (the digits: 0..9, their own class indices)
    split: dict  # the row numbers of each split, taken here


def data_by_hand(kind: str, digits_csv: Path) -> tuple:
    """The samples and labels of the data set, read here: scikit-learn's digits scaled to
    [0, 1], or the CSV file of them read by numpy."""
    if kind == "digits":
        digits = load_digits()
        return (digits.data / 16.0).astype(np.float32), digits.target
    table = np.loadtxt(digits_csv, delimiter=",", skiprows=1)
    return table[:, :-1].astype(np.float32), table[:, -1].astype(np.int64)


@pytest.fixture(scope="module", params=["digits", "csv"])
def fitted(request, tmp_path_factory, digits_csv) -> Fitted:
    """One `train debug=fast` run on the digits (data=digits, or data=csv of the same table),
    with each call of the pipeline's fit recorded."""
    calls = []
    fit = Pipeline.fit

    def recording(self, x, y, **params):
        calls.append((np.array(x, copy=True), np.array(y, copy=True)))
        return fit(self, x, y, **params)

    out = tmp_path_factory.mktemp(request.param) / "run"
    table = ["data=csv", f"data.path={digits_csv}"] if request.param == "csv" else []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Pipeline, "fit", recording)
        metrics, rows = train_in_process(out, *table)
    x, labels = data_by_hand(request.param, digits_csv)
    split = split_by_hand(labels, read_json(out / "contract.json")["data"])
    return Fitted(out, calls, metrics, rows, x, labels, split)


def sorted_samples(x, y) -> np.ndarray:
    """Samples with their labels as rows, sorted: the same rows in any order compare equal."""
    table = np.c_[np.reshape(x, (len(x), -1)), y]
    return table[np.lexsort(table.T[::-1])]


def test_the_pipeline_is_fitted_once_on_the_training_rows_only(fitted):
    """Not on validation or test rows, not on more rows than the training split: the samples
    that `fit` received, and the scaler's statistics in the saved model, are those of the
    training rows taken here (debug=fast: the first 256 of them)."""
    train = fitted.split["train"]
    assert len(train) == 256
    (x, y), *more = fitted.calls
    assert more == []
    expected = sorted_samples(fitted.x[train], fitted.labels[train])
    np.testing.assert_array_equal(sorted_samples(x, y), expected)
    model, _, _ = engine.load_checkpoint(fitted.folder / engine.CHECKPOINT)
    scaler = model.named_steps["scale"]
    assert scaler.n_samples_seen_ == 256
    features = fitted.x[train].astype(np.float64)
    np.testing.assert_allclose(scaler.mean_, features.mean(axis=0), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(scaler.var_, features.var(axis=0), rtol=1e-6, atol=1e-9)


def measured_here(model, x, labels) -> tuple[float, float]:
    """Log loss and accuracy of a fitted classifier on samples with these class indices, from
    its predict_proba, written out with numpy: a class that the model did not see has
    probability 0, which log loss takes as the smallest number of the probabilities' type."""
    seen = model.predict_proba(x)
    proba = np.zeros((len(x), max(*model.classes_, *labels) + 1), seen.dtype)
    for column, index in enumerate(model.classes_):  # column j of scikit-learn's: classes_[j]
        proba[:, index] = seen[:, column]
    truth = proba[np.arange(len(labels)), labels]
    loss = -np.mean(np.log(np.clip(truth, np.finfo(proba.dtype).eps, 1.0), dtype=np.float64))
    return float(loss), float(np.mean(proba.argmax(axis=1) == labels))


@pytest.fixture(scope="module")
def expected(fitted) -> dict[str, float]:
    """The saved model's loss and accuracy on each split's rows taken here."""
    model, _, _ = engine.load_checkpoint(fitted.folder / engine.CHECKPOINT)
    metrics = {}
    for split, rows in fitted.split.items():
        loss, acc = measured_here(model, fitted.x[rows], fitted.labels[rows])
        metrics |= {f"{split}_loss": loss, f"{split}_acc": acc}
    return metrics


def test_the_reported_metrics_are_the_saved_models_on_each_splits_rows(fitted, expected):
    """metrics.csv's training and validation metrics, metrics.json's validation and test
    metrics: those of the saved model on the rows of each split taken here."""
    (row,) = fitted.rows
    # float32 samples give float32 probabilities: losses summed in another order agree to 1e-6
    logged = {name: float(row[name]) for name in ("train_loss", "train_acc", "val_loss", "val_acc")}
    assert logged == pytest.approx({name: expected[name] for name in logged}, rel=1e-6)
    reported = {name: expected[name] for name in ("val_loss", "val_acc", "test_loss", "test_acc")}
    assert fitted.metrics == pytest.approx(reported, rel=1e-6)
    assert expected["train_acc"] > 0.9 and expected["test_acc"] > 0.9  # a model, not noise


def test_evaluate_reports_the_test_metrics_computed_here(fitted, expected, tmp_path):
    """`evaluate` of the saved model, on the run's own data: the test rows taken here."""
    checkpoint = fitted.folder / engine.CHECKPOINT
    tested = module("evaluate").evaluate(
        compose_job("eval", [f"ckpt_path={checkpoint}"], output_dir=tmp_path)
    )
    test = {name: value for name, value in expected.items() if name.startswith("test_")}
    assert tested == pytest.approx(test, rel=1e-6)


@pytest.mark.slow
def test_a_class_left_out_of_the_training_rows_has_probability_0(tmp_path):
    """Eight training rows (data.limit=8) of twelve classes: training ends, predictions.csv
    gives the classes left out probability 0 and each other class the probability that the
    saved model's predict_proba gives it (its column of model.classes_), and the reported
    metrics are those computed here (a left-out class counted wrong, at log loss's smallest
    probability)."""
    run = separable_run(tmp_path, NUMBERS, "data.limit=8")
    split = split_by_hand(run.y, read_json(run.folder / "contract.json")["data"])
    model, _, _ = engine.load_checkpoint(run.folder / engine.CHECKPOINT)
    assert model.classes_.tolist() == sorted(set(run.y[split["train"]].tolist()))
    assert len(model.classes_) < len(NUMBERS)  # classes were left out
    seen = model.predict_proba(run.x)
    expected = np.zeros((len(run.x), len(NUMBERS)))
    for column, index in enumerate(model.classes_):
        expected[:, index] = seen[:, column]
    rows = predicted_rows(run, tmp_path / "rows")
    written = np.array([[float(row[f"proba_{label}"]) for label in NUMBERS] for row in rows])
    np.testing.assert_allclose(written, expected, rtol=1e-5, atol=1e-12)
    most_probable = model.classes_[seen.argmax(axis=1)]
    assert [row["predicted"] for row in rows] == [str(NUMBERS[k]) for k in most_probable]
    metrics = {}
    for name in ("val", "test"):
        loss, acc = measured_here(model, run.x[split[name]], run.y[split[name]])
        metrics |= {f"{name}_loss": loss, f"{name}_acc": acc}
    assert read_json(run.folder / "metrics.json") == pytest.approx(metrics, rel=1e-6)
