"""Reading a CSV table exactly, and the checks every data set goes through: labels to class
indices, the stratified split's row numbers, no NaN or infinite feature. Each problem is one line
naming the file or the sample (data.py's loaders call these)."""

import warnings
from pathlib import Path
from typing import Any

from .errors import RunError

# how a CSV feature may spell NaN (refused then as any NaN, naming the sample); any other text
# that is not a number, an empty field too, is refused naming its column
NAN_TEXT = ["nan", "NaN", "NAN", "-nan", "-NaN"]


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
