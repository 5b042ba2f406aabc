"""A run's results, written the same way by every entry point: one metrics.csv row per epoch,
metrics.json with the final metrics, and the closing log lines (the run folder, each metric).
Whatever keys the training code puts in a row or a metrics dict become columns and entries.
Files that are written whole (metrics.json, checkpoints) are written atomically."""

import contextlib
import csv
import json
import logging
import math
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from .. import paths
from .errors import RunError

log = logging.getLogger(__name__)


def append_row(path: Path, row: dict) -> None:
    """Append one epoch's metrics to a CSV file. The first row's keys become the header; a
    later row with a key that is not a column is an error, not a silently dropped value. A
    write that fails (a full disk) leaves the file as it was and is a RunError."""
    header = None
    if path.exists():
        with open(path, newline="") as file:
            header = next(csv.reader(file))
    size = path.stat().st_size if header is not None else None
    try:
        with open(path, "a", newline="") as file:
            writer = csv.DictWriter(file, header or list(row))
            if header is None:
                writer.writeheader()
            writer.writerow(row)
    except OSError as error:  # a full disk: the file as it was, not half a row
        with contextlib.suppress(OSError):
            if size is None:
                path.unlink(missing_ok=True)
            else:
                os.truncate(path, size)
        raise RunError(not_written(path, error)) from error


def reported(metrics: Iterable[str]) -> list[str]:
    """The keys of metrics.json, given what the engine measures (its METRICS): each metric on
    the validation and on the test split, e.g. val_acc and test_acc for "acc"."""
    return [f"{split}_{metric}" for split in ("val", "test") for metric in metrics]


def check_metric_name(key: str, name: str, known: Iterable[str]) -> None:
    """Refuse, before any training, a config value `key` that names a metric the run will not
    report (a sweeper would optimize nothing, or the run would fail at its end)."""
    if name not in known:
        raise RunError(f"{key}: {name!r} is not a metric of this run; use one of {list(known)}")


def last_row(path: Path) -> dict[str, float]:
    """The last row of a metrics.csv file, as numbers (a blank cell: not measured)."""
    with open(path, newline="") as file:
        rows = [row for row in csv.DictReader(file) if any(row.values())]
    return {key: float(value) for key, value in rows[-1].items() if value not in ("", None)}


def final_metrics(last_epoch: dict, test: dict) -> dict[str, float]:
    """What a training run reports: its last epoch's validation metrics and its test metrics."""
    val = {name: value for name, value in last_epoch.items() if name.startswith("val_")}
    return {**val, **test}


def write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """`write(file)` into a temporary file beside `path`, then rename it to `path`: an
    interrupted write leaves the previous file (or none), never half a file. A write that
    fails (a full disk, a file too large) is a RunError naming `path` and the reason."""
    partial = path.with_name(path.name + ".partial")
    try:
        write(partial)
        os.replace(partial, path)
    except OSError as error:
        raise RunError(not_written(path, error)) from error
    finally:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)


def not_written(path: Path, error: OSError) -> str:
    """The one line for a file that could not be written: which file, the reason the OS gave."""
    return f"{path}: cannot write it: {error.strerror or error}"


def save(metrics: dict[str, float]) -> dict[str, float]:
    """metrics.json in the run folder, then one log line for the folder and one per metric.
    A metric that is not a finite number (NaN, infinity) is an error, not a success."""
    out = paths.output_dir()
    broken = {name: value for name, value in metrics.items() if not math.isfinite(value)}
    if broken:
        raise RunError(f"metrics {broken} are not finite numbers: the run failed ({out})")
    text = json.dumps(metrics, indent=2) + "\n"
    write_atomically(out / "metrics.json", lambda file: file.write_text(text))
    log.info("Run folder: %s", out)
    for name, value in sorted(metrics.items()):
        log.info("%s: %.4f", name, value)
    return metrics


# what `predict` writes in its run folder
PREDICTIONS = "predictions.csv"


def save_predictions(classes: list, proba) -> Path:
    """predictions.csv in the run folder, one line per sample in order: `row` (its number, from
    0), `predicted` (the label of its most probable class, as in training) and `proba_<label>`
    (its probability of each class); `proba` holds one row per sample and one column per class
    index. Written atomically, then logged with the number of rows. Probabilities that are not
    finite numbers fail the run instead, and nothing is written."""
    import numpy as np
    import pandas as pd

    proba = np.asarray(proba, dtype=np.float64)
    if not np.isfinite(proba).all():
        row = int(np.argwhere(~np.isfinite(proba))[0][0])
        raise RunError(f"predict: the model's probabilities of sample {row} are not finite numbers")
    table = pd.DataFrame(proba, columns=[f"proba_{label}" for label in classes])
    table.insert(0, "predicted", np.asarray(classes, dtype=object)[proba.argmax(axis=1)])
    table.insert(0, "row", np.arange(len(proba)))
    path = paths.output_dir() / PREDICTIONS
    write_atomically(path, lambda file: table.to_csv(file, index=False, float_format="%.6g"))
    log.info("Predictions: %s (%d rows)", path, len(table))
    return path
