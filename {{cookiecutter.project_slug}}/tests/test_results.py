"""Run results: metrics.csv rows, metrics.json and the closing log lines."""

import csv
import errno
import logging

import pytest
from conftest import module

results = module("harness.results")
RunError = module("harness.errors").RunError


def read_rows(path):
    with open(path, newline="") as file:
        return list(csv.reader(file))


def test_rows_share_the_first_rows_header(tmp_path):
    path = tmp_path / "metrics.csv"
    results.append_row(path, {"epoch": 1, "loss": 0.5})
    results.append_row(path, {"loss": 0.25, "epoch": 2})  # columns are matched by name
    assert read_rows(path) == [["epoch", "loss"], ["1", "0.5"], ["2", "0.25"]]


def test_a_new_metric_becomes_a_column(tmp_path):
    path = tmp_path / "metrics.csv"
    results.append_row(path, {"epoch": 1, "loss": 0.5, "f1": 0.75})
    assert read_rows(path)[0] == ["epoch", "loss", "f1"]


def test_a_key_that_is_not_a_column_is_refused(tmp_path):
    path = tmp_path / "metrics.csv"
    results.append_row(path, {"epoch": 1})
    with pytest.raises(ValueError, match="f1"):
        results.append_row(path, {"epoch": 2, "f1": 0.5})


def test_writes_go_through_a_partial_file_beside_the_target(tmp_path):
    target = tmp_path / "model.bin"
    seen = []

    def write(file):
        seen.append(file)
        file.write_bytes(b"new")

    results.write_atomically(target, write)
    assert seen == [tmp_path / "model.bin.partial"]
    assert target.read_bytes() == b"new" and not seen[0].exists()


def test_a_failed_write_keeps_the_previous_file_and_no_partial_one(tmp_path):
    target = tmp_path / "model.bin"
    target.write_bytes(b"old")

    def write(file):
        file.write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(RunError) as refused:  # one line: the file and the reason the OS gives
        results.write_atomically(target, write)
    assert str(refused.value) == f"{target}: cannot write it: No space left on device"
    assert [p.name for p in tmp_path.iterdir()] == ["model.bin"]
    assert target.read_bytes() == b"old"


def test_final_metrics_are_the_validation_and_test_metrics():
    last_epoch = {"epoch": 3, "lr": 0.1, "train_loss": 0.2, "val_loss": 0.3, "val_acc": 0.9}
    test = {"test_loss": 0.4, "test_acc": 0.8}
    assert results.final_metrics(last_epoch, test) == {
        "val_loss": 0.3,
        "val_acc": 0.9,
        "test_loss": 0.4,
        "test_acc": 0.8,
    }


def test_save_writes_metrics_json_and_one_line_per_metric(tmp_path, monkeypatch, caplog):
    monkeypatch.chdir(tmp_path)  # outside a Hydra run, the run folder is the working directory
    metrics = {"val_acc": 0.5, "test_acc": 0.96875}
    with caplog.at_level(logging.INFO):
        assert results.save(metrics) == metrics
    text = (tmp_path / "metrics.json").read_text()
    assert text == '{\n  "val_acc": 0.5,\n  "test_acc": 0.96875\n}\n'  # one entry per line
    assert caplog.messages == [f"Run folder: {tmp_path}", "test_acc: 0.9688", "val_acc: 0.5000"]


@pytest.mark.parametrize("broken", [float("nan"), float("inf")])
def test_save_refuses_a_metric_that_is_not_a_finite_number(tmp_path, monkeypatch, broken):
    """metrics.json is always valid JSON, and a NaN result is a failure, not a success."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RunError, match=r"^metrics \{'val_loss': (nan|inf)\} are not finite"):
        results.save({"val_acc": 0.5, "val_loss": broken})
    assert list(tmp_path.iterdir()) == []


def test_reported_metrics_are_each_metric_on_validation_and_test():
    assert results.reported(["loss", "acc"]) == ["val_loss", "val_acc", "test_loss", "test_acc"]


def test_a_config_value_naming_an_unknown_metric_is_refused():
    results.check_metric_name("optimized_metric", "val_acc", ["val_loss", "val_acc"])
    message = r"^optimized_metric: 'nope' is not a metric of this run; use one of \['val_loss'"
    with pytest.raises(RunError, match=message):
        results.check_metric_name("optimized_metric", "nope", ["val_loss", "val_acc"])


def test_a_partial_file_left_by_a_killed_save_is_replaced_by_the_next_save(tmp_path):
    target = tmp_path / "model.bin"
    (tmp_path / "model.bin.partial").write_bytes(b"half of a file from a killed run")
    results.write_atomically(target, lambda file: file.write_bytes(b"new"))
    assert [p.name for p in tmp_path.iterdir()] == ["model.bin"]
    assert target.read_bytes() == b"new"


def test_predictions_are_one_row_per_sample_with_the_most_probable_class(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # outside Hydra the run folder is the current directory
    proba = [[0.1, 0.7, 0.2], [0.5, 0.25, 0.25], [0.0, 0.0, 1.0]]
    path = results.save_predictions(["cat", "dog", "tabby, cat"], proba)
    assert path == tmp_path / "predictions.csv"
    assert read_rows(path) == [
        ["row", "predicted", "proba_cat", "proba_dog", "proba_tabby, cat"],
        ["0", "dog", "0.1", "0.7", "0.2"],
        ["1", "cat", "0.5", "0.25", "0.25"],
        ["2", "tabby, cat", "0", "0", "1"],
    ]
    assert [p.name for p in tmp_path.iterdir()] == ["predictions.csv"]


def test_predictions_are_logged_with_their_number_of_rows(tmp_path, monkeypatch, caplog):
    monkeypatch.chdir(tmp_path)
    with caplog.at_level(logging.INFO):
        results.save_predictions([3, 7], [[0.4, 0.6]])
    assert caplog.messages[-1] == f"Predictions: {tmp_path / 'predictions.csv'} (1 rows)"
    assert read_rows(tmp_path / "predictions.csv")[1] == ["0", "7", "0.4", "0.6"]


def test_probabilities_that_are_not_finite_are_refused_and_nothing_is_written(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RunError, match=r"^predict: .* of sample 1 are not finite numbers$"):
        results.save_predictions([0, 1], [[0.5, 0.5], [float("nan"), 1.0]])
    assert list(tmp_path.iterdir()) == []
