"""Estimators for the `_target_`s of configs/model/: a scaler in front of any classifier."""

from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler


def scaled(classifier) -> Pipeline:
    """Standardize every feature, then classify. `model.classifier.C=0.1` reaches the classifier."""
    return Pipeline([("scale", StandardScaler()), ("classify", classifier)])
