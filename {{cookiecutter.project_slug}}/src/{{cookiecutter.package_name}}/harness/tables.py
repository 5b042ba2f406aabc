"""Reading a CSV table exactly, and the checks every data set goes through: labels to class
indices, the stratified split's row numbers, no NaN or infinite feature. Each problem is one line
naming the file or the sample (data.py's loaders call these)."""

import codecs
import math
import numbers
import re
import warnings
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

from .errors import RunError

# how a CSV feature may spell NaN (refused then as any NaN, naming the sample); any other text
# that is not a number, an empty field too, is refused naming its column
NAN_TEXT = ["nan", "NaN", "NAN", "-nan", "-NaN"]
# a label written as a whole number in digits: an int of any size, exactly
INTEGER = re.compile(r"\s*[+-]?[0-9]+\s*")
# how much of a CSV file is checked to be UTF-8 text before pandas reads it (pandas decodes the
# rest strictly: a byte that is not UTF-8 stops it, see `not_utf8`)
FIRST_BYTES = 1 << 16
SAVE = "save it as UTF-8"
# files that are not UTF-8 text, told by their first bytes (any of): what they are, what to do
SIGNATURES = {
    (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"): ("UTF-32, by its byte order mark", SAVE),
    (b"\xff\xfe", b"\xfe\xff"): ("UTF-16, by its byte order mark", SAVE),  # after UTF-32's
    b"\x1f\x8b": ("gzip-compressed data", "decompress it first"),
    b"BZh": ("bzip2-compressed data", "decompress it first"),
    b"\xfd7zXZ\x00": ("xz-compressed data", "decompress it first"),
    b"(\xb5/\xfd": ("zstd-compressed data", "decompress it first"),
    b"PK\x03\x04": ("a zip archive", "take the CSV file out of it first"),
}
# names of files that pandas decompresses as it reads them (its compression="infer")
COMPRESSED = (".gz", ".bz2", ".zip", ".xz", ".zst", ".tar")


def csv_header(file: Path, key: str) -> list[str]:
    """The column names on the first line of a CSV file (given by the config key `key`), as
    written there: a name given twice or a column without a name is refused (pandas would read
    them as other columns, `label.1` or `Unnamed: 2`). The first read of the file, so the one
    that says when it cannot be read or is not UTF-8 text."""
    import pandas as pd

    try:
        refuse_non_text(file, key)
        # the first line as pandas reads a row (no renaming), its fields as text
        text = {"dtype": str, "keep_default_na": False, "index_col": False}
        names = pd.read_csv(file, header=None, nrows=1, **text).iloc[0].tolist()
    except pd.errors.EmptyDataError:
        raise RunError(f"{key}: {file} is empty; its first line must name the columns") from None
    except UnicodeDecodeError as error:  # the first line of a file whose name says compressed
        raise not_utf8(file, key, error) from None
    except OSError as error:  # no permission to read it, say
        raise RunError(f"{key}: cannot read {file}: {error.strerror or error}") from None
    if "" in names:
        where = f"column {names.index('') + 1} of its first line"
        raise RunError(f"{key}: {file} has a column without a name: {where}")
    twice = [name for name, count in Counter(names).items() if count > 1]
    if twice:
        raise RunError(
            f"{key}: {file} names the column{'s' if len(twice) > 1 else ''} {few(twice)} more "
            "than once; each column needs a name of its own"
        )
    return names


def refuse_non_text(file: Path, key: str) -> None:
    """Refuse a file whose first bytes are not UTF-8 text (or hold a NUL byte, as UTF-16 without
    a byte order mark does); a UTF-8 byte order mark is text, which pandas skips. A file whose
    name says it is compressed is left to pandas to decompress and decode."""
    if file.name.lower().endswith(COMPRESSED):
        return
    with open(file, "rb") as stream:
        start = stream.read(FIRST_BYTES)
    try:  # a character cut at the end of what was read is not an error
        codecs.getincrementaldecoder("utf-8")().decode(start, final=len(start) < FIRST_BYTES)
    except UnicodeDecodeError:
        raise not_utf8(file, key) from None
    if b"\x00" in start:
        raise not_utf8(file, key)


def not_utf8(file: Path, key: str, error: UnicodeDecodeError | None = None) -> RunError:
    """The line for a file that is not UTF-8 text, saying what it looks like: by its first
    bytes (a byte order mark, compressed data) or the first line that is not UTF-8 text. The
    error path: reads the file again, a line at a time up to that line (not a file that pandas
    decompressed: its `error` names the byte)."""
    if file.name.lower().endswith(COMPRESSED):
        byte = error.object[error.start : error.start + 1].hex() if error else "?"
        what = f"decompressed, it holds the byte 0x{byte}"
        return RunError(f"{key}: {file} is not UTF-8 text ({what}); {SAVE}")
    with open(file, "rb") as stream:
        start = stream.read(8)
        told = next((told for magic, told in SIGNATURES.items() if start.startswith(magic)), None)
        what, advice = told or (first_non_text(stream), SAVE)
    return RunError(f"{key}: {file} is not UTF-8 text ({what}); {advice}")


def first_non_text(stream) -> str:
    """Where a binary `stream`, read from its start, stops being UTF-8 text without NUL bytes
    (UTF-8 cannot cut a line: its bytes of a character are never a newline)."""
    stream.seek(0)
    for number, line in enumerate(stream, 1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as bad:
            byte = f"0x{line[bad.start]:02x}"
            return f"line {number} holds the byte {byte}: Latin-1 or Windows-1252 text, perhaps"
        if b"\x00" in line:
            return f"line {number} holds a NUL byte: UTF-16 without a byte order mark, perhaps"
    return "it changed while it was read"


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
    except UnicodeDecodeError as error:  # a line after the first bytes that were checked
        raise not_utf8(file, key, error) from None
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
    """Labels as class indices 0..K-1, and the label of each index. Whole numbers (3, "3", "3.0")
    are numbers: Python ints, exact at any size (2**53 + 1, 2**64), sorted; if any label is not a
    number, or the given `classes` are names, every label is a name (its text), sorted as text.
    Given `classes` (a checkpoint's) fix the indices, and a label outside them is refused; so are
    fractional labels (0.7, nan) and a single class."""
    import numpy as np
    import pandas as pd

    # each distinct label once, in the order they first appear (`codes`: which one each sample
    # has), so that parsing and sorting them costs as many steps as there are classes
    codes, distinct = pd.Series(labels).factorize(use_na_sentinel=False)
    distinct = distinct.tolist()
    names = classes is not None and any(isinstance(label, str) for label in classes)
    values = None if names else [as_number(label) for label in distinct]
    if values is None or None in values:
        values = [str(label) for label in distinct]
        if "" in values:
            sample = int(np.argmax(codes == values.index("")))
            raise RunError(f"data: sample {sample} has no label")
    else:
        fraction = [distinct[i] for i, number in enumerate(values) if isinstance(number, float)]
        if fraction:
            raise RunError(
                f"data: the label {fraction[0]!r} is not a whole number; labels are class "
                "numbers or class names"
            )
    found = sorted(set(values))
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
    return np.array([index[label] for label in values], dtype=np.int64)[codes], classes


def as_number(label) -> int | float | None:
    """A label as the number it is: an int if it is a whole number (of any size, "3.0" and 1e3
    too), a float if it is a number that is not whole (0.7, nan, inf), None if it is a name."""
    if isinstance(label, numbers.Integral):  # numpy's integers too
        return int(label)
    if isinstance(label, numbers.Real):
        value = float(label)
        return int(value) if value.is_integer() else value
    text = str(label)
    try:
        if INTEGER.fullmatch(text):
            return int(text)
        value, exact = float(text), Decimal(text)  # the text as written, exactly
    except (ValueError, ArithmeticError):  # more digits than int() takes; not a number
        return None
    return int(exact) if math.isfinite(value) and exact == exact.to_integral_value() else value


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


def few(names: list[str], shown: int = 3) -> str:
    """Names for a one-line message: the first few, and how many more."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(repr(name) for name in names[:shown]) + more
