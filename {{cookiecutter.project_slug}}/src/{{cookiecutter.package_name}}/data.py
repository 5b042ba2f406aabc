"""Data sets as numpy arrays, split into train / val / test.

Each loader is the `_target_` of a file in configs/data/ and returns a `Splits`. numpy and
scikit-learn are imported inside the functions, so the command line starts without them.
"""

import csv
from dataclasses import dataclass
from typing import Any

from .paths import existing_file


@dataclass
class Splits:
    """Features `x_*` (float32, shaped [n, *input_shape]) and integer labels `y_*`."""

    x_train: Any
    y_train: Any
    x_val: Any
    y_val: Any
    x_test: Any
    y_test: Any
    input_shape: tuple[int, ...]
    num_classes: int


def load_digits(**split_options) -> Splits:
    """scikit-learn's 8x8 digits (offline), scaled to [0, 1] and shaped [1, 8, 8]."""
    from sklearn.datasets import load_digits as sklearn_digits

    digits = sklearn_digits()
    x = digits.images.reshape(-1, 1, 8, 8) / 16.0
    return split(x, digits.target, **split_options)


def load_csv(
    path: str, target_column: str, input_shape: list[int] | None = None, **split_options
) -> Splits:
    """A CSV file with numeric features and an integer class column `target_column`."""
    import numpy as np

    file = existing_file(path, "data.path")
    with open(file, newline="") as lines:
        columns = next(csv.reader(lines))
    if target_column not in columns:
        raise ValueError(
            f"data.target_column: {target_column!r} is not a column of {file} ({columns})"
        )
    table = np.loadtxt(file, delimiter=",", skiprows=1)
    target = columns.index(target_column)
    x, y = np.delete(table, target, axis=1), table[:, target]
    if input_shape is not None:
        x = x.reshape(-1, *input_shape)
    return split(x, y, **split_options)


def split(
    x, y, val_fraction: float, test_fraction: float, split_seed: int, limit: int | None = None
) -> Splits:
    """Stratified train / val / test split, each fraction of all the samples rounded to a whole
    number; `limit` keeps the first N training samples."""
    import numpy as np
    from sklearn.model_selection import train_test_split

    x = np.asarray(x, dtype=np.float32)
    y = np.asarray(y, dtype=np.int64)
    n_val, n_test = round(val_fraction * len(y)), round(test_fraction * len(y))
    x_rest, x_test, y_rest, y_test = train_test_split(
        x, y, test_size=n_test, random_state=split_seed, stratify=y
    )
    x_train, x_val, y_train, y_val = train_test_split(
        x_rest, y_rest, test_size=n_val, random_state=split_seed, stratify=y_rest
    )
    if limit is not None:
        x_train, y_train = x_train[:limit], y_train[:limit]
    return Splits(
        x_train,
        y_train,
        x_val,
        y_val,
        x_test,
        y_test,
        input_shape=tuple(x.shape[1:]),
        num_classes=int(y.max()) + 1,
    )
