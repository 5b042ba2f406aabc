"""Data sets as numpy arrays, split into train / val / test.

Each loader is the `_target_` of a file in configs/data/ and returns a `Splits`. Labels become
class indices 0..K-1; `Splits.classes` keeps what each index stands for (the labels as they
were: numbers or names), and a checkpoint stores it. Data that would train to a wrong result
(NaN or infinite features, fractional labels, a single class) is refused with one line.
numpy and scikit-learn are imported inside the functions, so the command line starts without
them.
"""

import csv
from dataclasses import dataclass
from typing import Any

from .errors import RunError
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

    @property
    def num_classes(self) -> int:
        return len(self.classes)


def load_digits(classes: list | None = None, **split_options) -> Splits:
    """scikit-learn's 8x8 digits (offline), scaled to [0, 1] and shaped [1, 8, 8]."""
    from sklearn.datasets import load_digits as sklearn_digits

    digits = sklearn_digits()
    x = digits.images.reshape(-1, 1, 8, 8) / 16.0
    return split(x, digits.target, classes=classes, **split_options)


def load_csv(
    path: str,
    target_column: str,
    input_shape: list[int] | None = None,
    classes: list | None = None,
    **split_options,
) -> Splits:
    """A CSV file with numeric feature columns and a class column `target_column` (whole
    numbers or names)."""
    import numpy as np

    file = existing_file(path, "data.path")
    with open(file, newline="") as lines:
        columns = next(csv.reader(lines))
    if target_column not in columns:
        raise RunError(
            f"data.target_column: {target_column!r} is not a column of {file} ({columns})"
        )
    table = np.loadtxt(file, delimiter=",", skiprows=1, dtype=str, ndmin=2)
    target = columns.index(target_column)
    try:
        x = np.delete(table, target, axis=1).astype(np.float64)
    except ValueError as error:
        raise RunError(f"data.path: {file} has a feature that is not a number ({error})") from None
    if input_shape is not None:
        x = x.reshape(-1, *input_shape)
    return split(x, table[:, target], classes=classes, **split_options)


def class_indices(labels, classes: list | None = None) -> tuple[Any, list]:
    """Labels as class indices 0..K-1, and the label of each index. Whole numbers (3, 3.0,
    "3") are numbers, sorted; if any label is not a number, every label is a name, sorted as
    text. Given `classes` (a checkpoint's) fix the indices, and a label outside them is
    refused; so are fractional labels (0.7, nan) and a single class."""
    import numpy as np

    values = np.asarray(labels)
    try:
        numbers = values.astype(np.float64)
    except ValueError:
        values = values.astype(str)
        if (values == "").any():
            raise RunError(f"data: sample {int((values == '').argmax())} has no label") from None
    else:
        whole = np.isfinite(numbers) & (numbers == np.round(numbers))
        if not whole.all():
            raise RunError(
                f"data: the label {values[~whole].tolist()[0]!r} is not a whole number; "
                "labels are class numbers or class names"
            )
        values = numbers.astype(np.int64)
    found, inverse = np.unique(values, return_inverse=True)
    found = found.tolist()
    if classes is not None:
        classes = list(classes)
    elif len(found) < 2:
        raise RunError(
            f"data: every sample has the label {found[0]!r}; a classifier needs two classes or more"
        )
    else:
        classes = found
    index = {label: i for i, label in enumerate(classes)}
    unknown = [label for label in found if label not in index]
    if unknown:
        raise RunError(f"data: labels {unknown} are not among the model's classes {classes}")
    y = np.array([index[label] for label in found], dtype=np.int64)[inverse.ravel()]
    return y, list(classes)


def split(
    x,
    labels,
    val_fraction: float,
    test_fraction: float,
    split_seed: int,
    limit: int | None = None,
    classes: list | None = None,
) -> Splits:
    """Stratified train / val / test split, each fraction of all the samples rounded to a whole
    number; `limit` keeps the first N training samples. `classes` (a checkpoint's) fixes which
    label each class index stands for."""
    import numpy as np
    from sklearn.model_selection import train_test_split

    x = np.asarray(x, dtype=np.float32)
    if not np.isfinite(x).all():
        row = int(np.argwhere(~np.isfinite(x.reshape(len(x), -1)))[0][0])
        raise RunError(f"data: sample {row} has a NaN or infinite feature; clean the data first")
    y, classes = class_indices(labels, classes)
    n_val, n_test = round(val_fraction * len(y)), round(test_fraction * len(y))
    try:
        x_rest, x_test, y_rest, y_test = train_test_split(
            x, y, test_size=n_test, random_state=split_seed, stratify=y
        )
        x_train, x_val, y_train, y_val = train_test_split(
            x_rest, y_rest, test_size=n_val, random_state=split_seed, stratify=y_rest
        )
    except ValueError as error:
        raise RunError(f"data: {len(y)} samples cannot be split as configured: {error}") from None
    if limit is not None:
        x_train, y_train = x_train[:limit], y_train[:limit]
    return Splits(
        x_train, y_train, x_val, y_val, x_test, y_test, tuple(x.shape[1:]), classes=classes
    )
