"""A run's results, written the same way by every entry point: one metrics.csv row per epoch,
metrics.json with the final metrics, and the closing log lines (the run folder, each metric).
Whatever keys the training code puts in a row or a metrics dict become columns and entries.
Files that are written whole (metrics.json, checkpoints) are written atomically."""

import csv
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

from . import paths

log = logging.getLogger(__name__)


def append_row(path: Path, row: dict) -> None:
    """Append one epoch's metrics to a CSV file. The first row's keys become the header; a
    later row with a key that is not a column is an error, not a silently dropped value."""
    header = None
    if path.exists():
        with open(path, newline="") as file:
            header = next(csv.reader(file))
    with open(path, "a", newline="") as file:
        writer = csv.DictWriter(file, header or list(row))
        if header is None:
            writer.writeheader()
        writer.writerow(row)


def final_metrics(last_epoch: dict, test: dict) -> dict[str, float]:
    """What a training run reports: its last epoch's validation metrics and its test metrics."""
    val = {name: value for name, value in last_epoch.items() if name.startswith("val_")}
    return {**val, **test}


def write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """`write(file)` into a temporary file beside `path`, then rename it to `path`: an
    interrupted write leaves the previous file (or none), never half a file."""
    partial = path.with_name(path.name + ".partial")
    try:
        write(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def save(metrics: dict[str, float]) -> dict[str, float]:
    """metrics.json in the run folder, then one log line for the folder and one per metric."""
    out = paths.output_dir()
    text = json.dumps(metrics, indent=2) + "\n"
    write_atomically(out / "metrics.json", lambda file: file.write_text(text))
    log.info("Run folder: %s", out)
    for name, value in sorted(metrics.items()):
        log.info("%s: %.4f", name, value)
    return metrics
