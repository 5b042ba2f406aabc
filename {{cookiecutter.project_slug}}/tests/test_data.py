"""Data sets: split sizes and contents, the CSV loader, and where `data=csv` reads from."""

import codecs
import gzip
import re

import numpy as np
import pytest
from conftest import compose_job, module
from hydra.errors import InstantiationException
from hydra.utils import instantiate

data = module("data")
inputs = module("harness.features")
tables = module("harness.tables")
RunError = module("harness.errors").RunError


def numbered(n: int = 100):
    """Features that name their row (x[i] == i) and alternating labels 0, 1."""
    return np.arange(n).reshape(n, 1), np.arange(n) % 2


def test_split_sizes_follow_the_fractions_and_keep_every_sample_once():
    x, y = numbered(100)
    splits = data.split(x, y, val_fraction=0.2, test_fraction=0.3, split_seed=0)
    # 30 test and 20 validation samples (fractions of all 100), the other 50 for training
    assert (len(splits.y_train), len(splits.y_val), len(splits.y_test)) == (50, 20, 30)
    rows = np.concatenate([splits.x_train, splits.x_val, splits.x_test]).ravel()
    assert sorted(rows.tolist()) == list(range(100))
    labels = np.concatenate([splits.y_train, splits.y_val, splits.y_test])
    assert sorted(labels.tolist()) == sorted(y.tolist())
    for features, classes in [(splits.x_train, splits.y_train), (splits.x_test, splits.y_test)]:
        assert (features.ravel() % 2 == classes).all()  # each row keeps its own label


def test_split_is_stratified_typed_and_shaped():
    x, y = numbered(100)
    splits = data.split(x, y.astype(float), val_fraction=0.2, test_fraction=0.2, split_seed=0)
    for classes in (splits.y_train, splits.y_val, splits.y_test):
        assert classes.sum() * 2 == len(classes)  # as many 1s as 0s in every split
    assert splits.x_train.dtype == np.float32 and splits.y_train.dtype == np.int64
    assert splits.input_shape == (1,)
    assert splits.num_classes == 2


def test_split_seed_decides_the_split():
    x, y = numbered(100)

    def test_rows(seed):
        splits = data.split(x, y, val_fraction=0.2, test_fraction=0.2, split_seed=seed)
        return sorted(splits.x_test.ravel().tolist())

    assert test_rows(0) == test_rows(0)
    assert test_rows(0) != test_rows(1)


def test_limit_keeps_the_first_training_samples_only():
    x, y = numbered(100)
    full = data.split(x, y, val_fraction=0.2, test_fraction=0.2, split_seed=0)
    limited = data.split(x, y, val_fraction=0.2, test_fraction=0.2, split_seed=0, limit=7)
    assert limited.x_train.tolist() == full.x_train[:7].tolist()
    assert limited.y_train.tolist() == full.y_train[:7].tolist()
    assert limited.x_test.tolist() == full.x_test.tolist()
    assert limited.x_val.tolist() == full.x_val.tolist()


@pytest.mark.parametrize(
    ("labels", "read_as", "classes"),
    [
        ([0, 3, 5], [0, 3, 5], [0, 3, 5]),  # three classes, not six with three empty ones
        ([1000, 7], [1000, 7], [7, 1000]),
        (["dog", "cat", "3"], ["dog", "cat", "3"], ["3", "cat", "dog"]),  # a name: all names
        (["2.0", "1"], [2, 1], [1, 2]),  # whole numbers, however they are written
    ],
)
def test_labels_become_class_indices_and_the_classes_keep_what_they_were(labels, read_as, classes):
    n = 10 * len(labels)
    x, label_of_row = np.arange(n).reshape(n, 1), np.array(labels * 10)
    splits = data.split(x, label_of_row, val_fraction=0.2, test_fraction=0.2, split_seed=0)
    assert splits.classes == classes and splits.num_classes == len(classes)
    for rows, y in [(splits.x_train, splits.y_train), (splits.x_test, splits.y_test)]:
        for row, index in zip(rows.ravel().astype(int), y, strict=True):
            assert splits.classes[index] == (read_as * 10)[row]


def test_class_indices_follow_the_sorted_labels():
    y, classes = tables.class_indices(np.array([10, 2, 7, 2]))
    assert classes == [2, 7, 10] and y.tolist() == [2, 0, 1, 0]
    y, classes = tables.class_indices(np.array(["b", "a", "b"]))
    assert classes == ["a", "b"] and y.tolist() == [1, 0, 1]


def test_given_classes_fix_the_indices_and_refuse_other_labels():
    y, classes = tables.class_indices(np.array([7, 3]), classes=[3, 5, 7])
    assert classes == [3, 5, 7] and y.tolist() == [2, 0]
    with pytest.raises(RunError, match=r"^data: labels \[9\] are not among .* \[3, 5, 7\]$"):
        tables.class_indices(np.array([3, 9]), classes=[3, 5, 7])


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (
            ["0.7", "1.7"],
            r"the label '0.7' is not a whole number; labels are class numbers or class names$",
        ),
        ([0.0, float("nan")], r"the label nan is not a whole number"),
        ([4, 4, 4], r"every sample has the label 4; a classifier needs two classes"),
        (["cat", "", "dog"], r"sample 1 has no label"),
    ],
)
def test_labels_that_would_train_a_wrong_model_are_refused(labels, message):
    with pytest.raises(RunError, match=f"^data: {message}"):
        tables.class_indices(np.array(labels))


BIG = 2**64  # beyond int64 (and 2**53 + 1 beyond what a float64 holds exactly)


@pytest.mark.parametrize(
    ("labels", "classes", "y"),
    [
        (["9007199254740993", "9007199254740992"], [2**53, 2**53 + 1], [1, 0]),  # as CSV text
        (["9007199254740992", "9007199254740993.0", "2.0"], [2, 2**53, 2**53 + 1], [1, 2, 0]),
        (np.array([2**64 - 1, 2**64 - 2], dtype=np.uint64), [2**64 - 2, 2**64 - 1], [1, 0]),
        ([str(BIG + 1), str(BIG), str(-(2**70))], [-(2**70), BIG, BIG + 1], [2, 1, 0]),
        (np.array([BIG + 1, BIG, 3], dtype=object), [3, BIG, BIG + 1], [2, 1, 0]),
    ],
)
def test_whole_numbers_of_any_size_stay_distinct_and_exact(labels, classes, y):
    indices, found = tables.class_indices(np.asarray(labels))
    assert found == classes and all(type(label) is int for label in found)
    assert indices.tolist() == y and indices.dtype == np.int64


def test_labels_are_names_when_the_given_classes_are_names():
    """A model trained on names ("10", "3", "cat") reads "3" as the name it was, not as 3, in
    data whose labels are all numbers."""
    y, classes = tables.class_indices(np.array(["3", "10", "3"]), classes=["10", "3", "cat"])
    assert classes == ["10", "3", "cat"] and y.tolist() == [1, 0, 1]


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_a_nan_or_infinite_feature_is_refused_naming_its_sample(bad):
    _, y = numbered(20)
    x = np.zeros((20, 3))
    x[13, 2] = bad
    with pytest.raises(RunError, match=r"^data: sample 13 has a NaN or infinite feature"):
        data.split(x, y, val_fraction=0.2, test_fraction=0.2, split_seed=0)


def test_a_split_that_cannot_be_made_is_one_line():
    x, y = np.zeros((5, 1)), np.array([0, 0, 0, 0, 1])  # one sample of class 1: no stratification
    with pytest.raises(RunError, match=r"^data: 5 samples cannot be split as configured"):
        data.split(x, y, val_fraction=0.2, test_fraction=0.2, split_seed=0)


def test_digits_are_scaled_images_in_ten_classes():
    digits = data.load_digits(val_fraction=0.15, test_fraction=0.2, split_seed=0)
    # scikit-learn's 1,797 digits: 359 test (20%), 270 val (15%), 1,168 train
    assert (len(digits.y_train), len(digits.y_val), len(digits.y_test)) == (1168, 270, 359)
    assert digits.input_shape == (1, 8, 8) and digits.x_train.shape == (1168, 1, 8, 8)
    assert digits.num_classes == 10
    pixels = np.concatenate([digits.x_train.ravel(), digits.x_test.ravel()])
    assert pixels.min() == 0.0 and pixels.max() == 1.0  # 0..16 scaled by 1/16


def write_table(path, rows=40):
    """A CSV with the label between two feature columns: a = i, label = i % 2, b = 10 * i."""
    lines = ["a,label,b"] + [f"{i},{i % 2},{10 * i}" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_csv_features_are_every_column_but_the_label(tmp_path):
    table = write_table(tmp_path / "table.csv")
    splits = data.load_csv(str(table), "label", val_fraction=0.25, test_fraction=0.25, split_seed=0)
    assert splits.input_shape == (2,)
    features = np.concatenate([splits.x_train, splits.x_val, splits.x_test])
    labels = np.concatenate([splits.y_train, splits.y_val, splits.y_test])
    assert (features[:, 1] == 10 * features[:, 0]).all()
    assert (labels == features[:, 0] % 2).all()
    assert sorted(features[:, 0].tolist()) == list(range(40))


def test_csv_rows_reshape_to_input_shape(tmp_path, digits_csv):
    splits = data.load_csv(
        str(digits_csv), "label", [1, 8, 8], val_fraction=0.15, test_fraction=0.2, split_seed=0
    )
    assert splits.input_shape == (1, 8, 8) and splits.x_test.shape == (359, 1, 8, 8)
    assert splits.num_classes == 10


def test_csv_without_the_label_column_names_the_columns(tmp_path):
    table = write_table(tmp_path / "table.csv")
    with pytest.raises(RunError, match=r"data.target_column: 'y' is not a column of .*'label'"):
        data.load_csv(str(table), "y", val_fraction=0.25, test_fraction=0.25, split_seed=0)


def test_csv_labels_may_be_class_names(tmp_path):
    lines = ["a,label"] + [f"{i},{['cat', 'dog'][i % 2]}" for i in range(40)]
    (tmp_path / "pets.csv").write_text("\n".join(lines) + "\n")
    splits = data.load_csv(
        str(tmp_path / "pets.csv"), "label", val_fraction=0.25, test_fraction=0.25, split_seed=0
    )
    assert splits.classes == ["cat", "dog"]
    features, labels = splits.x_train.ravel(), splits.y_train
    assert (labels == features % 2).all()  # dog, index 1, on the odd rows


@pytest.mark.parametrize("text", ["five", "", "NA", "1,5"])
def test_csv_with_a_feature_that_is_not_a_number_is_one_line(tmp_path, text):
    """The message names the column, the sample and what it holds (an empty field too)."""
    (tmp_path / "bad.csv").write_text(f'a,b,label\n1,2,0\n3,"{text}",1\n')
    where = f"column 'b' of sample 1 holds '{text}'"
    with pytest.raises(
        RunError, match=rf"^data.path: .*bad\.csv has a feature that is not a number: {where}$"
    ):
        load(tmp_path / "bad.csv")


def load(path, *args, **options) -> "data.Splits":
    """`load_csv` of `path` with the class column `label`, by default split 50 / 25 / 25."""
    split = {"val_fraction": 0.25, "test_fraction": 0.25, "split_seed": 0}
    return data.load_csv(str(path), "label", *args, **(split | options))


def test_csv_is_read_by_pandas_with_the_features_straight_into_float32(tmp_path, monkeypatch):
    """pandas parses the file (quoted fields too), asked for float32 features: no float64 or
    text copy of the table is made."""
    import pandas as pd

    asked = []
    read_csv = pd.read_csv

    def spy(*args, **kwargs):
        asked.append(kwargs.get("dtype"))
        return read_csv(*args, **kwargs)

    monkeypatch.setattr(pd, "read_csv", spy)
    pets = ["tabby, cat", "dog"]
    lines = ["a,label,b"] + [f'{i},"{pets[i % 2]}",{i / 4}' for i in range(40)]
    (tmp_path / "pets.csv").write_text("\n".join(lines) + "\n")
    splits = load(tmp_path / "pets.csv")
    assert {"a": np.float32, "b": np.float32, "label": str} in asked
    assert splits.classes == ["dog", "tabby, cat"]
    assert splits.x_train.dtype == np.float32 and splits.x_train.flags.c_contiguous
    for x, y in [(splits.x_train, splits.y_train), (splits.x_test, splits.y_test)]:
        assert (x[:, 1] == x[:, 0] / 4).all()
        assert (y == 1 - x[:, 0] % 2).all()  # "tabby, cat", index 1, on the even rows


def test_csv_labels_are_the_text_as_written(tmp_path):
    """NA and None are class names, not missing labels; an empty label is refused."""
    names = ["NA", "None", "nan-free"]
    lines = ["a,label"] + [f"{i},{names[i % 3]}" for i in range(60)]
    (tmp_path / "names.csv").write_text("\n".join(lines) + "\n")
    assert load(tmp_path / "names.csv").classes == ["NA", "None", "nan-free"]
    (tmp_path / "unlabelled.csv").write_text("a,label\n1,0\n2,\n3,1\n")
    with pytest.raises(RunError, match=r"^data: sample 1 has no label$"):
        load(tmp_path / "unlabelled.csv")


@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "-Infinity"])
def test_csv_nan_or_infinite_feature_is_refused_naming_its_sample(tmp_path, text):
    lines = ["a,b,label"] + [f"{i},{text if i == 7 else i},{i % 2}" for i in range(20)]
    (tmp_path / "nan.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(RunError, match=r"^data: sample 7 has a NaN or infinite feature"):
        load(tmp_path / "nan.csv")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty; its first line must name the columns"),
        ("\n\n", "is empty; its first line must name the columns"),
        ("a,label\n", "has no rows, only the line naming the columns"),
        ("a,label\n\n", "has no rows, only the line naming the columns"),
    ],
)
def test_an_empty_or_header_only_csv_is_one_line(tmp_path, text, message):
    (tmp_path / "empty.csv").write_text(text)
    with pytest.raises(RunError, match=rf"^data.path: .*empty\.csv {message}$"):
        load(tmp_path / "empty.csv")


def test_a_file_that_cannot_be_read_is_one_line_with_the_reason(tmp_path, monkeypatch):
    """No permission to read it (simulated: the tests may run as root, who reads anything)."""
    import pandas as pd

    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / "locked.csv"))

    (tmp_path / "locked.csv").write_text("a,label\n1,0\n")
    monkeypatch.setattr(pd, "read_csv", refused)
    message = f"data.path: cannot read {tmp_path / 'locked.csv'}: Permission denied"
    with pytest.raises(RunError, match=f"^{re.escape(message)}$"):
        data.load_csv(str(tmp_path / "locked.csv"), "label")


@pytest.mark.parametrize("long_row", [0, 2])
def test_a_row_longer_than_the_header_is_one_line(tmp_path, long_row):
    """Not read with its first field as a row name (pandas' habit for the first row)."""
    rows = [f"{i},{i % 2}" + (",9" if i == long_row else "") for i in range(10)]
    (tmp_path / "long.csv").write_text("\n".join(["a,label", *rows]) + "\n")
    with pytest.raises(RunError, match=r"^data.path: .*long\.csv is not a table of one row per"):
        load(tmp_path / "long.csv")


def test_csv_splits_are_those_of_split_on_the_same_table(tmp_path):
    """load_csv takes each split's rows straight from pandas' columns: the same splits, in the
    same order, as `split` of the table's arrays, with `limit` and `input_shape` too."""
    rng = np.random.default_rng(0)
    x, labels = rng.integers(-99, 99, size=(90, 4)) / 8, np.arange(90) % 3
    lines = ["a,b,label,c,d"] + [
        f"{r[0]},{r[1]},{y},{r[2]},{r[3]}" for r, y in zip(x, labels, strict=True)
    ]
    (tmp_path / "table.csv").write_text("\n".join(lines) + "\n")
    options = {"val_fraction": 0.2, "test_fraction": 0.3, "split_seed": 5, "limit": 20}
    read = data.load_csv(str(tmp_path / "table.csv"), "label", [2, 2], **options)
    made = data.split(x.reshape(-1, 2, 2), labels, **options)
    for name in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test"):
        assert getattr(read, name).tolist() == getattr(made, name).tolist(), name
    assert read.x_train.shape == (20, 2, 2) and read.input_shape == (2, 2)
    assert read.classes == made.classes == [0, 1, 2]


def test_table_rows_are_the_rows_in_order_whatever_the_block():
    columns = [np.arange(10, dtype=np.float32) * scale for scale in (1, 10, 100)]
    order = np.array([7, 0, 9, 3, 4])
    rows = tables.table_rows(columns, order, rows=10, block=3)
    assert rows.tolist() == np.stack(columns, axis=1)[order].tolist()
    assert rows.dtype == np.float32 and rows.flags.c_contiguous


def test_csv_with_a_single_row_is_read_as_one_sample(tmp_path):
    (tmp_path / "one.csv").write_text("a,b,label\n1,2,0\n")
    with pytest.raises(RunError, match=r"^data: every sample has the label 0; a classifier needs"):
        data.load_csv(
            str(tmp_path / "one.csv"), "label", val_fraction=0.2, test_fraction=0.2, split_seed=0
        )


def test_given_classes_reach_the_splits():
    """`evaluate` passes a checkpoint's classes: they, not the labels found, name the indices."""
    digits = data.load_digits(
        classes=list(range(12)), val_fraction=0.15, test_fraction=0.2, split_seed=0
    )
    assert digits.classes == list(range(12)) and digits.num_classes == 12


def test_csv_path_is_read_from_the_launch_directory(tmp_path, monkeypatch):
    write_table(tmp_path / "table.csv")
    monkeypatch.chdir(tmp_path)
    splits = data.load_csv(
        "table.csv", "label", val_fraction=0.25, test_fraction=0.25, split_seed=0
    )
    assert len(splits.y_train) + len(splits.y_val) + len(splits.y_test) == 40


def test_data_csv_reads_dataset_csv_in_paths_data_dir(tmp_path, monkeypatch):
    """Changing paths.data_dir changes which file `data=csv` reads."""
    for folder, rows in [("small", 40), ("large", 80)]:
        (tmp_path / folder).mkdir()
        write_table(tmp_path / folder / "dataset.csv", rows)
    monkeypatch.chdir(tmp_path)

    def samples(data_dir: str) -> int:
        splits = instantiate(compose_job("train", ["data=csv", f"paths.data_dir={data_dir}"]).data)
        return len(splits.y_train) + len(splits.y_val) + len(splits.y_test)

    assert samples("small") == 40
    assert samples("large") == 80
    with pytest.raises(InstantiationException, match=r"data.path: no file at .*missing/dataset"):
        samples("missing")


def test_the_feature_names_are_the_csv_columns_or_scikit_learns_pixels(tmp_path):
    table = write_table(tmp_path / "table.csv")
    assert load(table).feature_names == ["a", "b"]  # every column but the label, in order
    digits = data.load_digits(val_fraction=0.15, test_fraction=0.2, split_seed=0)
    rows = [f"pixel_{row}_{column}" for row in range(8) for column in range(8)]
    assert digits.feature_names == rows  # scikit-learn's names of the 8x8 pixels, row by row
    assert data.split(*numbered(), 0.2, 0.2, 0).feature_names is None


def write_rows(path, header: str, *rows: str):
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def test_rows_are_read_in_order_into_the_models_columns_and_shape(tmp_path):
    features = inputs.Features((1, 2), ["a", "b"])
    table = write_rows(tmp_path / "rows.csv", "b,a", "1,2", "3,4.5", "-1,0")
    x = inputs.load_rows(table, features)
    assert x.tolist() == [[[2, 1]], [[4.5, 3]], [[0, -1]]]  # a then b, as the model takes them
    assert x.dtype == np.float32 and x.shape == (3, 1, 2)


def test_rows_without_known_names_need_as_many_columns_as_features(tmp_path):
    unnamed = inputs.Features((3,))
    table = write_rows(tmp_path / "rows.csv", "x,y,z", "1,2,3")
    assert inputs.load_rows(table, unnamed).tolist() == [[1, 2, 3]]
    table = write_rows(tmp_path / "rows.csv", "x,y,z,label", "1,2,3,0")
    message = r"^input: .*rows\.csv has 4 columns, but the model takes 3 features \(one column each"
    with pytest.raises(RunError, match=message):
        inputs.load_rows(table, unnamed)


@pytest.mark.parametrize(
    ("header", "wrong"),
    [
        ("a,b,c,d,label", "not features of the model: 'label'"),
        ("a,b,c", "missing 'd'"),
        ("a,b,c,e", "missing 'd'; not features of the model: 'e'"),
        (
            "A,B,C,D",
            "missing 'a', 'b', 'c' and 1 more; not features of the model: 'A', 'B', 'C' and 1 more",
        ),
    ],
)
def test_rows_whose_columns_are_not_the_models_features_are_one_line(tmp_path, header, wrong):
    features = inputs.Features((4,), ["a", "b", "c", "d"])
    table = write_rows(tmp_path / "rows.csv", header, ",".join(["1"] * len(header.split(","))))
    with pytest.raises(RunError) as refused:
        inputs.load_rows(table, features, "input")
    assert str(refused.value) == (
        f"input: the columns of {table} are not the 4 features the model was trained on "
        f"('a', 'b', 'c' and 1 more): {wrong}"
    )


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("", "is empty; its first line must name the columns"),
        ("a,b\n", "has no rows, only the line naming the columns"),
        (
            "a,b\n1,2\n3,four\n",
            "has a feature that is not a number: column 'b' of sample 1 holds 'four'",
        ),
        ("a,b\n1,2\n3,4,5\n", "is not a table of one row per line: "),
    ],
)
def test_rows_that_cannot_be_read_are_one_line_naming_the_key(tmp_path, rows, message):
    (tmp_path / "rows.csv").write_text(rows)
    with pytest.raises(RunError, match=rf"^input: .*rows\.csv {message}"):
        inputs.load_rows(tmp_path / "rows.csv", inputs.Features((2,), ["a", "b"]))


def test_rows_with_a_nan_or_missing_are_one_line_naming_the_key(tmp_path):
    with pytest.raises(RunError, match=r"^input: sample 1 has a NaN or infinite feature"):
        rows = write_rows(tmp_path / "nan.csv", "a,b", "1,2", "inf,3")
        inputs.load_rows(rows, inputs.Features((2,)))
    with pytest.raises(RunError, match=r"^input: no file at .*missing\.csv"):
        inputs.load_rows(tmp_path / "missing.csv", inputs.Features((2,)))


def read_as(key: str, path):
    """The CSV file `path` read as `data.path` (a table with the class column `label`) or as
    predict's `input` (rows for a model of 3 unnamed features)."""
    return load(path) if key == "data.path" else inputs.load_rows(path, inputs.Features((3,)))


@pytest.mark.parametrize("key", ["data.path", "input"])
@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("a,label,label", "names the column 'label' more than once; each column needs a name of"),
        ("b,a,b,a,label", "names the columns 'b', 'a' more than once; each column needs a name "),
        ("a,,label", "has a column without a name: column 2 of its first line$"),
        ("a,label,", "has a column without a name: column 3 of its first line$"),
    ],
)
def test_a_csv_whose_columns_pandas_would_rename_is_one_line(tmp_path, key, header, message):
    """pandas would read a second `label` as a feature `label.1`, and a column without a name
    as `Unnamed: 2`: the first line is read as it is written."""
    width = len(header.split(","))
    rows = [",".join(str(i * (j + 3) % 2) for j in range(width)) for i in range(40)]
    with pytest.raises(RunError, match=rf"^{key}: .*rows\.csv {message}"):
        read_as(key, write_rows(tmp_path / "rows.csv", header, *rows))


TABLE = "a,b,label\n" + "1,2,0\n1,2,1\n" * 20_000  # 240 kB: more than the first read takes


@pytest.mark.parametrize("key", ["data.path", "input"])
@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("a,b,caf\xe9\n1,2,3\n".encode("latin-1"), "line 1 holds the byte 0xe9: Latin-1 or "),
        ((TABLE + "1,2,caf\xe9\n").encode("latin-1"), "line 40002 holds the byte 0xe9: Latin-1"),
        (TABLE.encode("utf-16"), r"UTF-16, by its byte order mark\); save it as UTF-8$"),
        (TABLE.encode("utf-16-le"), r"line 1 holds a NUL byte: UTF-16 without a byte order mark"),
        (gzip.compress(TABLE.encode()), r"gzip-compressed data\); decompress it first$"),
    ],
)
def test_a_csv_that_is_not_utf8_text_is_one_line_naming_what_it_looks_like(
    tmp_path, key, content, message
):
    (tmp_path / "rows.csv").write_bytes(content)
    with pytest.raises(RunError, match=rf"^{key}: .*rows\.csv is not UTF-8 text \({message}"):
        read_as(key, tmp_path / "rows.csv")


def test_utf8_with_a_byte_order_mark_and_a_gzip_file_named_so_are_read(tmp_path):
    """What the check of the text lets through: the UTF-8 byte order mark that some editors
    write (not part of the first column's name), and a file whose name says it is compressed
    (pandas decompresses .gz, .bz2, .zip, .xz and .zst files)."""
    table = write_table(tmp_path / "table.csv").read_bytes()
    (tmp_path / "bom.csv").write_bytes(codecs.BOM_UTF8 + table)
    (tmp_path / "table.csv.gz").write_bytes(gzip.compress(table))
    for name in ("bom.csv", "table.csv.gz"):
        assert load(tmp_path / name).feature_names == ["a", "b"]
        assert inputs.load_rows(tmp_path / name, inputs.Features((3,))).shape == (40, 3)


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ([3], r"\[3\] holds 3 features, but .*table\.csv has 2 \(every column but 'label'\)$"),
        ([1, 2, 2], r"\[1, 2, 2\] holds 4 features, but .*table\.csv has 2 \(every column but"),
        ([2, -1], r"\[2, -1\] has a size below 1$"),
    ],
)
def test_an_input_shape_that_does_not_hold_the_features_is_one_line(tmp_path, shape, message):
    with pytest.raises(RunError, match=rf"^data.input_shape: {message}"):
        load(write_table(tmp_path / "table.csv"), shape)


def test_features_saved_in_a_checkpoint_must_fit_the_sample_shape():
    saved = inputs.Features.saved([1, 2], ("a", "b"))
    assert saved == inputs.Features((1, 2), ["a", "b"]) and saved.count == 2
    assert inputs.Features.saved([3], None) == inputs.Features((3,), None)
    with pytest.raises(ValueError, match=r"^3 feature names for samples of shape \(1, 2\)$"):
        inputs.Features.saved([1, 2], ["a", "b", "c"])


def splits_with_test_rows(x, feature_names=None) -> "data.Splits":
    """Splits whose every part is `x` (one row per sample), labels 0."""
    y = np.zeros(len(x), dtype=np.int64)
    return data.Splits(x, y, x, y, x, y, x.shape[1:], [0, 1], feature_names)


def test_the_test_split_is_predicted_in_the_models_order_and_shape():
    x = np.arange(8, dtype=np.float32).reshape(2, 4)  # samples [0, 1, 2, 3] and [4, 5, 6, 7]
    splits = splits_with_test_rows(x, ["a", "b", "c", "d"])
    reordered = inputs.samples_to_predict(splits, inputs.Features((2, 2), ["d", "c", "b", "a"]))
    assert reordered.tolist() == [[[3, 2], [1, 0]], [[7, 6], [5, 4]]]
    assert inputs.samples_to_predict(splits, inputs.Features((1, 4))).tolist() == [
        [[0, 1, 2, 3]],
        [[4, 5, 6, 7]],
    ]


def test_a_test_split_whose_features_are_not_the_models_is_one_line():
    x = np.zeros((2, 4), dtype=np.float32)
    with pytest.raises(RunError) as refused:
        inputs.samples_to_predict(
            splits_with_test_rows(x, ["a", "b", "c", "d"]),
            inputs.Features((4,), ["a", "b", "c", "x"]),
        )
    assert str(refused.value) == (
        "data: the columns of the data set are not the 4 features the model was trained on "
        "('a', 'b', 'c' and 1 more): missing 'x'; not features of the model: 'd'"
    )
    message = r"^data: the samples of the data set have 4 features, but the model takes 5$"
    with pytest.raises(RunError, match=message):
        inputs.samples_to_predict(splits_with_test_rows(x), inputs.Features((5,), list("abcde")))
