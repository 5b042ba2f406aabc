"""What a trained model takes (`Features`: the shape of a sample, the names of its features) and
the rows `predict` gives it: a CSV file of rows (`load_rows`) or the test split
(`samples_to_predict`), their columns checked against the model's, with one line when they are
not its features."""

import math
from dataclasses import dataclass
from pathlib import Path

from .. import paths
from .errors import RunError
from .tables import csv_header, few, read_columns, refuse_non_finite, table_rows


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


def load_rows(path: str | Path, features: Features, key: str = "input"):
    """The samples of a CSV file of feature rows (a line naming the columns, then one sample per
    line), for a model that takes `features`: float32, shaped [n, *input_shape], in the file's
    order. The columns must be the model's: as many, and the same names when the model knows
    them (in any order: they are taken in the model's). Read as `load_csv` reads a table, with
    the same one-line errors."""
    import numpy as np

    file = paths.existing_file(path, key)
    names = model_columns(key, str(file), csv_header(file, key), features)
    columns, _ = read_columns(file, key, names)
    refuse_non_finite(columns, key)
    rows = len(columns[0])
    return table_rows(columns, np.arange(rows), rows).reshape(-1, *features.input_shape)


def samples_to_predict(splits, features: Features):
    """The samples of the test split of `splits` (a data.Splits: what `predict` predicts without
    a file), as a model that takes `features` takes them: in the model's order of features and
    its sample shape. One line when they are not the model's features: other names (when the
    data and the model know them) or another number."""
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
