"""Scoring and saving fitted estimators."""

import csv
import json
import os
from pathlib import Path

import numpy as np
import skops.io
from sklearn.metrics import accuracy_score, log_loss

# Types of the estimators in configs/model/ that skops does not trust by default.
TRUSTED_TYPES = ["sklearn.tree._tree.Tree"]


def flat(x: np.ndarray) -> np.ndarray:
    """Samples as rows of features: images [n, 1, 8, 8] become [n, 64]."""
    return x.reshape(len(x), -1)


def score(model, x, y, prefix: str) -> dict[str, float]:
    """Log loss and accuracy of a fitted classifier, as {prefix}loss and {prefix}acc."""
    proba = model.predict_proba(flat(x))
    predicted = model.classes_[proba.argmax(axis=1)]
    return {
        f"{prefix}loss": float(log_loss(y, proba, labels=model.classes_)),
        f"{prefix}acc": float(accuracy_score(y, predicted)),
    }


def save_metrics(path: Path, metrics: dict[str, float]) -> None:
    path.write_text(json.dumps(metrics, indent=2) + "\n")


def save_metrics_csv(path: Path, row: dict) -> None:
    """metrics.csv with the columns of a training epoch, in a single row: one fit is one epoch."""
    with open(path, "w", newline="") as file:
        writer = csv.DictWriter(file, list(row))
        writer.writeheader()
        writer.writerow(row)


def save_model(model, path: Path) -> None:
    """skops format: loading it never runs pickled code. Written to a temporary file, then
    renamed, so an interrupted save never leaves half a file."""
    partial = path.with_suffix(path.suffix + ".partial")
    skops.io.dump(model, partial)
    os.replace(partial, path)


def load_model(path: Path):
    """Load a model saved by `save_model`, refusing any type outside skops' defaults and
    TRUSTED_TYPES: add to that list the types of an estimator you trust."""
    unknown = [t for t in skops.io.get_untrusted_types(file=path) if t not in TRUSTED_TYPES]
    if unknown:
        raise ValueError(f"{path} holds types that are not trusted: {unknown}")
    return skops.io.load(path, trusted=TRUSTED_TYPES)
