"""`predict`: predictions.csv of a checkpoint, for the test split or the rows of a CSV file."""

import csv
import functools
import re

import numpy as np
import pytest
from conftest import (
    compose_job,
    log_messages,
    module,
    read_json,
    run_cli,
    the_run_folder,
    train_in_process,
)
from hydra.utils import instantiate

engine = module("engine")
RunError = module("harness.errors").RunError


def read_predictions(folder) -> list[dict]:
    with open(folder / "predictions.csv", newline="") as file:
        return list(csv.DictReader(file))


def probabilities(row: dict) -> dict[str, float]:
    return {name: float(value) for name, value in row.items() if name.startswith("proba_")}


@functools.cache
def the_test_split():
    """The default data's test split, as `predict` reads it, with its true labels (read once:
    no test changes it)."""
    return instantiate(compose_job("predict", ["ckpt_path=unused"]).data)


def digit_rows(path, rows: list, names) -> None:
    """A CSV file of test-split samples: a line of feature names, then one sample per line."""
    lines = [",".join(names)] + [",".join(f"{v:.9g}" for v in np.ravel(row)) for row in rows]
    path.write_text("\n".join(lines) + "\n")


@functools.cache
def digit_names() -> tuple[str, ...]:
    """The feature names of the digits, as scikit-learn gives them (and training kept them)."""
    from sklearn.datasets import load_digits

    return tuple(load_digits().feature_names)


def test_predictions_on_the_test_split_agree_with_evaluate(evaluated_run, predicted_run):
    rows = read_predictions(predicted_run)
    split = the_test_split()
    truth = [str(split.classes[index]) for index in split.y_test]
    assert [int(row["row"]) for row in rows] == list(range(len(truth)))
    right = sum(row["predicted"] == label for row, label in zip(rows, truth, strict=True))
    test_acc = read_json(evaluated_run / "metrics.json")["test_acc"]
    assert right / len(truth) == pytest.approx(test_acc, abs=1e-6)


def test_each_row_holds_the_most_probable_class_and_probabilities_summing_to_1(predicted_run):
    rows = read_predictions(predicted_run)
    classes = [str(label) for label in the_test_split().classes]
    assert list(rows[0]) == ["row", "predicted", *(f"proba_{label}" for label in classes)]
    for row in rows:
        proba = probabilities(row)
        assert sum(proba.values()) == pytest.approx(1.0, abs=1e-4)
        assert all(0.0 <= p <= 1.0 for p in proba.values())
        assert f"proba_{row['predicted']}" == max(proba, key=proba.get)


def test_predict_writes_into_a_tree_of_its_own_and_logs_the_file(trained_run, predicted_run):
    outputs = trained_run.parents[2]  # <launch>/outputs/runs/<date>/<time>
    run_name = f"{trained_run.parent.name}_{trained_run.name}"  # outputs/runs/<date>/<time>
    assert predicted_run.parent == outputs / "predictions" / run_name
    assert re.fullmatch(r"\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d-\d{6}", predicted_run.name)
    rows = len(read_predictions(predicted_run))
    closing = f"Predictions: {predicted_run / 'predictions.csv'} ({rows} rows)"
    assert log_messages(predicted_run / "predict.log")[-1] == closing


@pytest.mark.slow
def test_the_rows_of_a_csv_file_get_the_predictions_of_the_same_samples(
    trained_run, predicted_run, tmp_path
):
    """Test-split samples written as rows, in another order and with the columns shuffled:
    one prediction per row, in the file's order, as for the same samples of the test split.
    The file's path is relative to where predict was launched, also with hydra.job.chdir."""
    picked = [5, 0, 17]
    names = digit_names()
    order = names[::-1]  # columns are matched by name
    samples = [the_test_split().x_test[i].ravel()[[names.index(n) for n in order]] for i in picked]
    (tmp_path / "tables").mkdir()
    digit_rows(tmp_path / "tables" / "rows.csv", samples, order)
    checkpoint = trained_run / engine.CHECKPOINT
    args = [f"ckpt_path={checkpoint}", "input=tables/rows.csv", "hydra.job.chdir=true"]
    run_cli("predict", *args, cwd=tmp_path)
    run = the_run_folder(tmp_path, "predictions")
    rows, expected = read_predictions(run), read_predictions(predicted_run)
    assert [row["row"] for row in rows] == ["0", "1", "2"]
    for row, sample in zip(rows, picked, strict=True):
        assert row["predicted"] == expected[sample]["predicted"]
        assert probabilities(row) == pytest.approx(probabilities(expected[sample]), abs=1e-5)
    assert not (run / "tables").exists()


@pytest.mark.slow
def test_a_csv_whose_columns_are_not_the_models_fails_with_one_line(trained_run, tmp_path, capfd):
    names = digit_names()
    digit_rows(tmp_path / "rows.csv", [the_test_split().x_test[0].ravel()[:-1]], names[:-1])
    with pytest.raises(SystemExit) as stopped:
        run_cli(
            "predict",
            f"ckpt_path={trained_run / engine.CHECKPOINT}",
            "input=rows.csv",
            cwd=tmp_path,
        )
    assert stopped.value.code == 1
    captured = capfd.readouterr()
    lines = (captured.out + captured.err).strip().splitlines()
    message = (
        f"input: the columns of {tmp_path / 'rows.csv'} are not the 64 features the model was "
        "trained on ('pixel_0_0', 'pixel_0_1', 'pixel_0_2' and 61 more): missing 'pixel_7_7'"
    )
    assert len(lines) == 1 and message in lines[0]
    assert list((tmp_path / "outputs").rglob("predictions.csv*")) == []


def predict_in_process(trained_run, out, *overrides: str):
    """`predict` by its function, into the run folder `out`."""
    out.mkdir()
    checkpoint = f"ckpt_path={trained_run / engine.CHECKPOINT}"
    return module("predict").predict(compose_job("predict", [checkpoint, *overrides], out))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, r"no file at .*rows\.csv$"),
        ("", r".*rows\.csv is empty; its first line must name the columns$"),
        ("header", r".*rows\.csv has no rows, only the line naming the columns$"),
        (
            "five",
            r".*rows\.csv has a feature that is not a number: column 'pixel_3_4' of sample 1 ",
        ),
        ("label", r"the columns of .*rows\.csv are not the 64 features .*: not features of the "),
        ("x", r"the columns of .*rows\.csv are not .*: missing 'pixel_0_0'; not features of the "),
        ("nan", r"sample 1 has a NaN or infinite feature; clean the data first$"),
    ],
)
@pytest.mark.slow
def test_a_file_that_cannot_be_predicted_is_one_line_and_nothing_is_written(
    trained_run, tmp_path, text, message
):
    names, sample = digit_names(), the_test_split().x_test[0].ravel()
    if text == "":
        (tmp_path / "rows.csv").write_text("")
    elif text == "header":
        digit_rows(tmp_path / "rows.csv", [], names)
    elif text == "label":  # the label column left in
        digit_rows(tmp_path / "rows.csv", [np.append(sample, 3)], [*names, "label"])
    elif text == "x":  # the first column renamed
        digit_rows(tmp_path / "rows.csv", [sample], ["x", *names[1:]])
    elif text is not None:  # the second sample's pixel_3_4 holds it
        digit_rows(tmp_path / "rows.csv", [sample, sample], names)
        lines = (tmp_path / "rows.csv").read_text().splitlines()
        cells = lines[2].split(",")
        cells[names.index("pixel_3_4")] = text
        lines[2] = ",".join(cells)
        (tmp_path / "rows.csv").write_text("\n".join(lines) + "\n")
    out = tmp_path / "run"
    with pytest.raises(RunError, match=rf"^input: {message}"):
        predict_in_process(trained_run, out, f"input={tmp_path / 'rows.csv'}")
    assert list(out.iterdir()) == []


def test_a_data_set_whose_features_are_not_the_models_is_one_line(
    trained_run, tmp_path, digits_csv
):
    """The digits as a CSV file whose columns are named pixel0 ... pixel63: not the names the
    model was trained on (scikit-learn's pixel_0_0 ...)."""
    table = ["data=csv", f"data.path={digits_csv}", "data.input_shape=[1,8,8]"]
    message = r"^data: the columns of the data set are not the 64 features .*: missing 'pixel_0_0'"
    with pytest.raises(RunError, match=message):
        predict_in_process(trained_run, tmp_path / "run", *table)
    # what it read, and no predictions
    assert [path.name for path in (tmp_path / "run").iterdir()] == ["inputs.json"]


@pytest.mark.slow
def test_class_numbers_of_any_size_come_back_from_the_checkpoint_exact(tmp_path):
    """Labels that a float64 would merge (2**53 and 2**53 + 1) and one beyond int64 (2**64):
    three classes, saved in the checkpoint and predicted as they were written."""
    labels = [2**53 + 1, 2**53, 2**64]
    lines = ["a,b,label"] + [f"{i % 3},{i % 5},{labels[i % 3]}" for i in range(90)]
    (tmp_path / "big.csv").write_text("\n".join(lines) + "\n")
    table = ["data=csv", f"data.path={tmp_path / 'big.csv'}"]
    train_in_process(tmp_path / "train", *table)
    predict_in_process(tmp_path / "train", tmp_path / "predict", *table)
    rows = read_predictions(tmp_path / "predict")
    assert list(rows[0])[2:] == [f"proba_{label}" for label in sorted(labels)]
    assert {row["predicted"] for row in rows} <= {str(label) for label in labels}
