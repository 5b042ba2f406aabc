"""Data sets as numpy arrays, split into train / val / test: the place to add your own.

Each loader is the `_target_` of a file in configs/data/ and returns a `Splits`. Labels become
class indices 0..K-1; `Splits.classes` keeps what each index stands for (the labels as they
were: numbers or names), and a checkpoint stores it, with the names of the feature columns
(`Splits.feature_names`). A new data set is a function here that reads its arrays and calls
`split`, and a YAML file in configs/data/ that names it. Data that would train to a wrong result
(NaN or infinite features, fractional labels, a single class) is refused with one line
(harness/tables.py reads and checks CSV files).
numpy, pandas and scikit-learn are imported inside the functions, so the command line starts
without them.
"""

from dataclasses import dataclass
from typing import Any

from .harness.contract import digest, file_digest, fingerprint
from .harness.errors import RunError
from .harness.tables import (
    class_indices,
    csv_header,
    read_columns,
    refuse_non_finite,
    split_rows,
    table_rows,
)
from .paths import existing_file


@dataclass
class Splits:
    """Features `x_*` (float32, shaped [n, *input_shape]) and class indices `y_*` (int64)."""

    x_train: Any
    y_train: Any
    x_val: Any
    y_val: Any
    x_test: Any
    y_test: Any
    input_shape: tuple[int, ...]
    # the label that each class index stands for: [0, 1, ...] or ["cat", "dog", ...]
    classes: list
    # the name of each feature, in the order of a flattened sample (None: the data has no names)
    feature_names: list[str] | None = None
    # what identifies the data and its split: a hash of the source and of each split's row
    # numbers (harness/contract.py); a run's contract keeps it, evaluate checks it
    fingerprint: dict | None = None

    @property
    def num_classes(self) -> int:
        return len(self.classes)


def load_digits(classes: list | None = None, **split_options) -> Splits:
    """scikit-learn's 8x8 digits (offline), scaled to [0, 1] and shaped [1, 8, 8]."""
    from sklearn.datasets import load_digits as sklearn_digits

    digits = sklearn_digits()
    x = digits.images.reshape(-1, 1, 8, 8) / 16.0
    names = list(digits.feature_names)  # pixel_0_0 ... pixel_7_7, row by row
    return split(x, digits.target, classes=classes, feature_names=names, **split_options)


def load_csv(
    path: str,
    target_column: str,
    input_shape: list[int] | None = None,
    classes: list | None = None,
    **split_options,
) -> Splits:
    """A CSV file with numeric feature columns and a class column `target_column` (whole
    numbers or names). pandas reads it: the features straight into float32, the labels as the
    text they are (`NA` or `None` is a class name, an empty label is refused)."""
    import math

    import numpy as np

    file = existing_file(path, "data.path")
    columns = csv_header(file, "data.path")
    if target_column not in columns:
        raise RunError(
            f"data.target_column: {target_column!r} is not a column of {file} ({columns})"
        )
    features = [name for name in columns if name != target_column]
    if input_shape is not None:  # checked before the file is read
        shape = list(input_shape)
        if min(shape, default=1) < 1:
            raise RunError(f"data.input_shape: {shape} has a size below 1")
        if math.prod(shape) != len(features):
            raise RunError(
                f"data.input_shape: {shape} holds {math.prod(shape)} features, but {file} has "
                f"{len(features)} (every column but {target_column!r})"
            )
    columns, labels = read_columns(file, "data.path", features, target_column)
    refuse_non_finite(columns)
    y, classes = class_indices(labels, classes)
    train, val, test = split_rows(y, **split_options)
    # the rows of the three splits, in turn, in one array that each split is a slice of: the
    # only copy of the features that load_csv makes besides pandas' columns
    x = table_rows(columns, np.concatenate([train, val, test]), len(y))
    del columns
    if input_shape is not None:
        x = x.reshape(-1, *input_shape)
    val_start, test_start = len(train), len(train) + len(val)
    return Splits(
        x[:val_start],
        y[train],
        x[val_start:test_start],
        y[val],
        x[test_start:],
        y[test],
        tuple(x.shape[1:]),
        classes=classes,
        feature_names=features,
        fingerprint=fingerprint({"path": str(file), "sha256": file_digest(file)}, train, val, test),
    )


def split(
    x,
    labels,
    val_fraction: float,
    test_fraction: float,
    split_seed: int,
    limit: int | None = None,
    classes: list | None = None,
    feature_names: list[str] | None = None,
) -> Splits:
    """Stratified train / val / test split, each fraction of all the samples rounded to a whole
    number; `limit` keeps the first N training samples. `classes` (a checkpoint's) fixes which
    label each class index stands for; `feature_names` name the features of a sample."""
    import numpy as np

    x = np.asarray(x, dtype=np.float32)
    refuse_non_finite([x])
    y, classes = class_indices(labels, classes)
    train, val, test = split_rows(y, val_fraction, test_fraction, split_seed, limit)
    rows = fingerprint({"sha256": digest(x, labels)}, train, val, test)
    return Splits(
        x[train],
        y[train],
        x[val],
        y[val],
        x[test],
        y[test],
        tuple(x.shape[1:]),
        classes=classes,
        feature_names=feature_names,
        fingerprint=rows,
    )
