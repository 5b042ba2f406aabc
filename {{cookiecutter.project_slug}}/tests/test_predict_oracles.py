"""`predict` against answers computed here, not by predict's own code: the true label of each
row of a table whose classes a model cannot miss, the same rows in another order of columns or
of rows, the test rows taken here (conftest.split_by_hand) and the loss written out with numpy."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from conftest import read_json, split_by_hand, train_in_process
from sklearn.datasets import load_digits
from test_predict import digit_rows, predict_in_process, probabilities, read_predictions

# twelve classes: as text, 10, 100 and 11 would sort before 2; a label is not its class index
NUMBERS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 100]
# twelve names, in the order of text: digits before capitals before small letters, "10" < "9"
NAMES = ["10", "9", "Ant", "B", "NA", "ant", "b", "cat", "dog", "emu", "x10", "x9"]
PER_CLASS = 20
# the feature of a sample's own class stands out by this much: learnt in any framework's
# debug=fast run, every sample's true class is its most probable one
SIGNAL = 20.0


@dataclass
class Separable:
    """A run trained on a table in which each class has a feature of its own."""

    folder: Path  # the run folder
    table: Path  # the CSV file it trained on: features f0, f1, ..., then `label`
    names: list[str]  # the feature columns, in the table's order
    x: np.ndarray  # each row's features
    y: np.ndarray  # each row's class: its label's place in the sorted labels
    labels: list[str]  # each row's label, as text


def separable_run(folder: Path, classes: list, *overrides: str) -> Separable:
    """`train debug=fast <overrides>` on a table of PER_CLASS samples of each class, in a
    shuffled order: the samples of the k-th class hold SIGNAL in feature k, every feature a
    little noise (no two rows alike)."""
    rng = np.random.default_rng(0)
    y = rng.permutation(np.repeat(np.arange(len(classes)), PER_CLASS))
    x = rng.normal(0.0, 0.1, (len(y), len(classes))).astype(np.float32)
    x[np.arange(len(y)), y] += SIGNAL
    names = [f"f{k}" for k in range(len(classes))]
    labels = [str(classes[k]) for k in y]
    lines = [",".join([*names, "label"])]
    rows = zip(x, labels, strict=True)
    lines += [",".join([*(f"{v:.9g}" for v in row), label]) for row, label in rows]
    table = folder / "table.csv"
    table.write_text("\n".join(lines) + "\n")
    train_in_process(folder / "run", "data=csv", f"data.path={table}", *overrides)
    return Separable(folder / "run", table, names, x, y, labels)


@pytest.fixture(scope="module")
def numbers_run(tmp_path_factory) -> Separable:
    return separable_run(tmp_path_factory.mktemp("numbers"), NUMBERS)


@pytest.fixture(scope="module")
def names_run(tmp_path_factory) -> Separable:
    return separable_run(tmp_path_factory.mktemp("names"), NAMES)


def predicted(run: Path, out: Path, *overrides: str) -> list[dict]:
    """predictions.csv of `predict` of the checkpoint of the run folder `run`, into the run
    folder `out`."""
    predict_in_process(run, out, *overrides)
    return read_predictions(out)


def predicted_rows(run: Separable, out: Path, rows=None, order=None) -> list[dict]:
    """The predictions of the run's samples `rows` (all, in order, if None) written to a CSV
    file with their columns in the `order` (positions in run.names; None: the table's)."""
    out.mkdir()
    rows = range(len(run.labels)) if rows is None else rows
    order = range(len(run.names)) if order is None else order
    samples = run.x[np.ix_(list(rows), list(order))]
    digit_rows(out / "rows.csv", samples, [run.names[k] for k in order])
    return predicted(run.folder, out / "predict", f"input={out / 'rows.csv'}")


def assert_the_true_classes(rows: list[dict], labels: list[str]) -> None:
    """Each row's predicted label is its true one, and so is the label of its most probable
    `proba_<label>` column."""
    assert [row["predicted"] for row in rows] == labels
    most_probable = [max(probabilities(row).items(), key=lambda item: item[1])[0] for row in rows]
    assert most_probable == [f"proba_{label}" for label in labels]


def assert_same_answers(rows: list[dict], expected: list[dict]) -> None:
    """Row by row, the same prediction and probabilities (the line's `row` is its own)."""
    assert [int(row["row"]) for row in rows] == list(range(len(expected)))
    assert [row["predicted"] for row in rows] == [row["predicted"] for row in expected]
    for row, same in zip(rows, expected, strict=True):
        assert probabilities(row) == pytest.approx(probabilities(same), abs=1e-6)


@pytest.mark.parametrize("classes", ["numbers", "names"])
@pytest.mark.slow
def test_each_proba_column_holds_the_probability_of_its_label(request, classes, tmp_path):
    """Twelve classes, numbers (not sorted as text) or names (sorted as text): the columns in
    the order of the labels, and each sample's true label, known here, is the one predicted
    and the label of its most probable column."""
    run = request.getfixturevalue(f"{classes}_run")
    labels = NUMBERS if classes == "numbers" else NAMES
    rows = predicted_rows(run, tmp_path / "rows")
    assert list(rows[0]) == ["row", "predicted", *(f"proba_{label}" for label in labels)]
    assert_the_true_classes(rows, run.labels)


def rotation(count: int) -> list[int]:
    """Columns a, b, c, d as b, c, d, a: a permutation that is not its own inverse."""
    return [*range(1, count), 0]


@pytest.mark.slow
def test_rows_with_their_columns_in_another_order_get_the_same_predictions(numbers_run, tmp_path):
    """Columns are matched by name: a file whose columns are rotated (not a swap, which would
    hide a permutation applied the wrong way round) gets the predictions of the same rows in
    the training order, each sample's true one."""
    in_order = predicted_rows(numbers_run, tmp_path / "in-order")
    order = rotation(len(numbers_run.names))
    rotated = predicted_rows(numbers_run, tmp_path / "rotated", order=order)
    assert_the_true_classes(in_order, numbers_run.labels)
    assert_same_answers(rotated, in_order)


@pytest.mark.slow
def test_a_data_set_with_its_columns_in_another_order_gets_the_same_predictions(
    numbers_run, tmp_path
):
    """predict of the test split of the training table with its columns rotated (the label
    among them), given as data=csv: the predictions of the run's own test split, the true
    labels of the test rows taken here."""
    lines = [line.split(",") for line in numbers_run.table.read_text().splitlines()]
    order = rotation(len(lines[0]))
    rotated = tmp_path / "rotated.csv"
    rotated.write_text("".join(",".join(line[k] for k in order) + "\n" for line in lines))
    own = predicted(numbers_run.folder, tmp_path / "own")
    given = predicted(numbers_run.folder, tmp_path / "given", "data=csv", f"data.path={rotated}")
    contract = read_json(numbers_run.folder / "contract.json")
    test = split_by_hand(numbers_run.y, contract["data"])["test"]
    assert_the_true_classes(own, [numbers_run.labels[i] for i in test])
    assert_same_answers(given, own)


@pytest.mark.slow
def test_shuffled_rows_get_the_answers_of_the_rows_they_came_from(numbers_run, tmp_path):
    """Row i of a shuffled copy of the rows gets the prediction of the row it came from: the
    answer for a sample depends on that sample alone, not on its place or its neighbours (the
    rows span several batches)."""
    shuffled = np.random.default_rng(1).permutation(len(numbers_run.labels))
    in_order = predicted_rows(numbers_run, tmp_path / "in-order")
    rows = predicted_rows(numbers_run, tmp_path / "shuffled", rows=shuffled)
    assert_same_answers(rows, [in_order[i] for i in shuffled])
    assert_the_true_classes(rows, [numbers_run.labels[i] for i in shuffled])


@pytest.fixture(scope="module")
def digits_test_rows(trained_run) -> tuple:
    """The samples and labels of trained_run's test rows, taken here: scikit-learn's digits
    scaled to [0, 1], split as the run's contract.json says."""
    digits = load_digits()
    test = split_by_hand(digits.target, read_json(trained_run / "contract.json")["data"])["test"]
    return (digits.data[test] / 16.0).astype(np.float32), digits.target[test]


@pytest.mark.slow
def test_predict_without_a_file_predicts_the_test_rows_taken_here(
    trained_run, predicted_run, digits_test_rows, tmp_path
):
    """The default rows of predict are the run's held-out test rows, in order: the rows taken
    here, written to a file, get the same predictions."""
    x, _ = digits_test_rows
    digit_rows(tmp_path / "test.csv", x, load_digits().feature_names)
    rows = predicted(trained_run, tmp_path / "predict", f"input={tmp_path / 'test.csv'}")
    assert_same_answers(rows, read_predictions(predicted_run))


def test_the_probabilities_have_evaluates_loss_on_the_true_labels(
    evaluated_run, predicted_run, digits_test_rows
):
    """The probability that predictions.csv gives each test sample's true label (known here):
    their log loss, written out, is evaluate's test_loss, and the share of rows whose predicted
    label is the true one its test_acc. A transformation that keeps the most probable class (a
    second softmax) changes the loss."""
    _, labels = digits_test_rows
    rows = read_predictions(predicted_run)
    pairs = list(zip(rows, labels, strict=True))
    truth = np.array([float(row[f"proba_{label}"]) for row, label in pairs])
    right = np.mean([row["predicted"] == str(label) for row, label in pairs])
    tested = read_json(evaluated_run / "metrics.json")
    assert -np.mean(np.log(truth)) == pytest.approx(tested["test_loss"], rel=1e-4)
    assert right == pytest.approx(tested["test_acc"], abs=1e-9)
