"""Data sets as numpy arrays, split into train / val / test.

Each loader is the `_target_` of a file in configs/data/ and returns a `Splits`. Labels become
class indices 0..K-1; `Splits.classes` keeps what each index stands for (the labels as they
were: numbers or names), and a checkpoint stores it, with the names of the feature columns
(`Splits.feature_names`) that `predict` checks a CSV file of rows against (`load_rows`). Data that
would train to a wrong result (NaN or infinite features, fractional labels, a single class) is
refused with one line.
numpy, pandas and scikit-learn are imported inside the functions, so the command line starts
without them.
"""

import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import RunError
from .paths import existing_file

# how a CSV feature may spell NaN (refused then as any NaN, naming the sample); any other text
# that is not a number, an empty field too, is refused naming its column
NAN_TEXT = ["nan", "NaN", "NAN", "-nan", "-NaN"]


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

    @property
    def num_classes(self) -> int:
        return len(self.classes)


@dataclass
class Features:
    """What a trained model takes, as its checkpoint keeps it: the shape of one sample, and the
    names of its features in order (None when the training data had none, or the checkpoint was
    saved before checkpoints kept them)."""

    input_shape: tuple[int, ...]
    names: list[str] | None = None

    @property
    def count(self) -> int:
        return math.prod(self.input_shape)

    @classmethod
    def saved(cls, input_shape, names) -> "Features":
        """From the plain values a checkpoint holds; a ValueError if they do not fit together."""
        shape = tuple(int(size) for size in input_shape)
        if names is not None:
            names = [str(name) for name in names]
            if len(names) != math.prod(shape):
                raise ValueError(f"{len(names)} feature names for samples of shape {shape}")
        return cls(shape, names)


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
    import numpy as np

    file = existing_file(path, "data.path")
    columns = csv_header(file, "data.path")
    if target_column not in columns:
        raise RunError(
            f"data.target_column: {target_column!r} is not a column of {file} ({columns})"
        )
    features = [name for name in columns if name != target_column]
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
    )


def load_rows(path: str | Path, features: Features, key: str = "input"):
    """The samples of a CSV file of feature rows (a line naming the columns, then one sample per
    line), for a model that takes `features`: float32, shaped [n, *input_shape], in the file's
    order. The columns must be the model's: as many, and the same names when the model knows
    them (in any order: they are taken in the model's). Read as `load_csv` reads a table, with
    the same one-line errors."""
    import numpy as np

    file = existing_file(path, key)
    names = model_columns(key, str(file), csv_header(file, key), features)
    columns, _ = read_columns(file, key, names)
    refuse_non_finite(columns, key)
    rows = len(columns[0])
    return table_rows(columns, np.arange(rows), rows).reshape(-1, *features.input_shape)


def samples_to_predict(splits: Splits, features: Features):
    """The samples of the test split (what `predict` predicts without a file), as a model that
    takes `features` takes them: in the model's order of features and its sample shape. One line
    when they are not the model's features: other names (when the data and the model know them)
    or another number."""
    x = splits.x_test.reshape(len(splits.x_test), -1)
    names = splits.feature_names
    if names is not None and features.names is not None:
        order = model_columns("data", "the data set", names, features)
        if order != names:
            x = x[:, [names.index(name) for name in order]]
    elif x.shape[1] != features.count:
        raise RunError(
            f"data: the samples of the data set have {x.shape[1]} features, but the model takes "
            f"{features.count}"
        )
    return x.reshape(-1, *features.input_shape)


def model_columns(key: str, source: str, columns: list[str], features: Features) -> list[str]:
    """The columns of `source` (a file, the data set) to read, in the order the model takes
    them; one line when they are not the model's features."""
    if features.names is None:
        if len(columns) != features.count:
            raise RunError(
                f"{key}: {source} has {len(columns)} columns, but the model takes "
                f"{features.count} features (one column each, no label column)"
            )
        return columns
    missing = [name for name in features.names if name not in columns]
    unknown = [name for name in columns if name not in features.names]
    if missing or unknown:
        wrong = [f"missing {few(missing)}"] if missing else []
        wrong += [f"not features of the model: {few(unknown)}"] if unknown else []
        raise RunError(
            f"{key}: the columns of {source} are not the {features.count} features the model "
            f"was trained on ({few(features.names)}): {'; '.join(wrong)}"
        )
    return features.names


def few(names: list[str], shown: int = 3) -> str:
    """Names for a one-line message: the first few, and how many more."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(repr(name) for name in names[:shown]) + more


def csv_header(file: Path, key: str) -> list[str]:
    """The column names on the first line of a CSV file (given by the config key `key`); the
    first read of the file, so the one that says when it cannot be read."""
    import pandas as pd

    try:
        return list(pd.read_csv(file, nrows=0).columns)
    except pd.errors.EmptyDataError:
        raise RunError(f"{key}: {file} is empty; its first line must name the columns") from None
    except OSError as error:  # no permission to read it, say
        raise RunError(f"{key}: cannot read {file}: {error.strerror or error}") from None


def read_columns(
    file: Path, key: str, features: list[str], target_column: str | None = None
) -> tuple[list, Any]:
    """pandas reads a CSV file: the `features` straight into float32 columns (numpy arrays, in
    that order) and the column `target_column`, if given, as the text it holds (else None). A
    file that is not a table, a feature that is not a number and a file without rows are
    refused with one line naming `key`."""
    import numpy as np
    import pandas as pd

    text = {} if target_column is None else {target_column: str}
    try:
        with warnings.catch_warnings():
            # a first row longer than the header: pandas would drop its extra fields and warn
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                file,
                dtype={**dict.fromkeys(features, np.float32), **text},
                keep_default_na=False,
                na_values=dict.fromkeys(features, NAN_TEXT),
                index_col=False,  # never take the first column as the row names
            )
    except (pd.errors.ParserError, pd.errors.ParserWarning) as error:
        reason = str(error).strip().splitlines()[0]
        raise RunError(f"{key}: {file} is not a table of one row per line: {reason}") from None
    except ValueError as error:
        where = not_a_number(file, features) or f"({error})"
        raise RunError(f"{key}: {file} has a feature that is not a number: {where}") from None
    if len(frame) == 0:
        raise RunError(f"{key}: {file} has no rows, only the line naming the columns")
    labels = None if target_column is None else frame[target_column]
    return [frame[name].to_numpy() for name in features], labels


def table_rows(columns: list, order, rows: int, block: int = 4096):
    """The rows `order` of a table that pandas holds column by column, as one C-ordered float32
    array [len(order), len(columns)]. One pass a block of rows at a time: the block is turned
    into rows in the cache, and each row is written to its place in `order` (cheaper than
    turning the whole table first and then taking rows out of it: no copy in between)."""
    import numpy as np

    place = np.full(rows, -1, dtype=np.intp)  # where each row goes; -1: not taken (`limit`)
    place[order] = np.arange(len(order))
    x = np.empty((len(order), len(columns)), dtype=np.float32)
    tile = np.empty((block, len(columns)), dtype=np.float32)
    for start in range(0, rows, block):
        stop = min(start + block, rows)
        for j, column in enumerate(columns):
            tile[: stop - start, j] = column[start:stop]
        to = place[start:stop]
        taken = to >= 0
        x[to[taken]] = tile[: stop - start] if taken.all() else tile[: stop - start][taken]
    return x


def not_a_number(file, features: list[str]) -> str | None:
    """Where the first feature that is not a number is, as `column 'a' of sample 3 holds
    'five'` (None if no such text is found). The error path only: it reads the file again, as
    text, a chunk of rows at a time."""
    import numpy as np
    import pandas as pd

    start = 0
    text = {"dtype": str, "keep_default_na": False, "index_col": False}
    with pd.read_csv(file, chunksize=10_000, **text) as chunks:
        for chunk in chunks:
            chunk = chunk[features]
            numbers = chunk.apply(pd.to_numeric, errors="coerce")
            wrong = (numbers.isna() & ~chunk.isin(NAN_TEXT)).to_numpy()
            if wrong.any():
                row, column = np.argwhere(wrong)[0]
                value = chunk.iat[row, column]
                return f"column {features[column]!r} of sample {start + row} holds {value!r}"
            start += len(chunk)
    return None


def class_indices(labels, classes: list | None = None) -> tuple[Any, list]:
    """Labels as class indices 0..K-1, and the label of each index. Whole numbers (3, 3.0,
    "3") are numbers, sorted; if any label is not a number, every label is a name, sorted as
    text. Given `classes` (a checkpoint's) fix the indices, and a label outside them is
    refused; so are fractional labels (0.7, nan) and a single class."""
    import numpy as np
    import pandas as pd

    # each distinct label once, in the order they first appear (`codes`: which one each sample
    # has), so that parsing and sorting them costs as many steps as there are classes
    codes, distinct = pd.Series(labels).factorize(use_na_sentinel=False)
    values = np.asarray(distinct)
    try:
        numbers = values.astype(np.float64)
    except ValueError:
        values = values.astype(str)
        if (values == "").any():
            sample = int(np.argmax(codes == np.argmax(values == "")))
            raise RunError(f"data: sample {sample} has no label") from None
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
    y = np.array([index[label] for label in found], dtype=np.int64)[inverse.ravel()][codes]
    return y, list(classes)


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
    )


def split_rows(
    y, val_fraction: float, test_fraction: float, split_seed: int, limit: int | None = None
) -> tuple:
    """The row numbers of the train / val / test samples (see `split`), stratified on the class
    indices `y`: the features are taken once, by these numbers."""
    import numpy as np
    from sklearn.model_selection import train_test_split

    n_val, n_test = round(val_fraction * len(y)), round(test_fraction * len(y))
    rows = np.arange(len(y))
    try:
        rest, test = train_test_split(rows, test_size=n_test, random_state=split_seed, stratify=y)
        train, val = train_test_split(
            rest, test_size=n_val, random_state=split_seed, stratify=y[rest]
        )
    except ValueError as error:
        raise RunError(f"data: {len(y)} samples cannot be split as configured: {error}") from None
    if limit is not None:
        train = train[:limit]
    return train, val, test


def refuse_non_finite(parts: list, key: str = "data") -> None:
    """Refuse a NaN or infinite feature, naming the first sample that has one. `parts` are
    arrays whose first axis is the sample: the whole feature array, or each column of a table."""
    import numpy as np

    rows = [
        int(np.argwhere(~np.isfinite(part))[0][0])
        for part in parts
        # min and max are NaN if any value is, finite only if all are: no mask of all the data
        if part.size and not (np.isfinite(part.min()) and np.isfinite(part.max()))
    ]
    if rows:
        raise RunError(
            f"{key}: sample {min(rows)} has a NaN or infinite feature; clean the data first"
        )
