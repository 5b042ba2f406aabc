"""Scoring and saving fitted estimators."""

import csv
import os
from pathlib import Path

import joblib
import numpy as np
from sklearn.metrics import accuracy_score, log_loss


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


def save_metrics_csv(path: Path, row: dict) -> None:
    """metrics.csv with the columns of a training epoch, in a single row: one fit is one epoch."""
    with open(path, "w", newline="") as file:
        writer = csv.DictWriter(file, list(row))
        writer.writeheader()
        writer.writerow(row)


def save_model(model, path: Path) -> None:
    """joblib, scikit-learn's own format. Written to a temporary file, then renamed, so an
    interrupted save never leaves half a file."""
    partial = path.with_suffix(path.suffix + ".partial")
    joblib.dump(model, partial)
    os.replace(partial, path)


def load_model(path: Path):
    """Load a model saved by `save_model`. joblib files are pickles: load only files you trust,
    such as your own runs (skops.io is the format for files from elsewhere)."""
    return joblib.load(path)
