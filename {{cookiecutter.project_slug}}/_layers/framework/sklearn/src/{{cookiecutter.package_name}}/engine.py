"""Training and evaluation of scikit-learn estimators: fit, measure, save and load, predict
class probabilities."""

from pathlib import Path

import joblib
import numpy as np
from sklearn.metrics import accuracy_score, log_loss

from .data import Splits
from .harness.errors import RunError
from .harness.features import Features
from .harness.results import write_atomically

# the file that `train` writes in its run folder and `evaluate ckpt_path=...` reads
CHECKPOINT = "model.joblib"
# a fit is one step: no epochs to continue from, so no last checkpoint (`resume=` is refused)
LAST_CHECKPOINT = None
# what `evaluate` measures on a split: metrics.json holds val_loss, val_acc, test_loss, test_acc
METRICS = ("loss", "acc")


def flat(x: np.ndarray) -> np.ndarray:
    """Samples as rows of features: images [n, 1, 8, 8] become [n, 64]."""
    return x.reshape(len(x), -1)


def fit(model, data: Splits) -> dict[str, float]:
    """Fit on the training split. One fit is one epoch: its metrics row holds the epoch number
    and the training and validation metrics, like an epoch of the other frameworks."""
    model.fit(flat(data.x_train), data.y_train)
    train = evaluate(model, data.x_train, data.y_train, split="train")
    return {"epoch": 1, **train, **evaluate(model, data.x_val, data.y_val, split="val")}


def evaluate(model, x, y, split: str) -> dict[str, float]:
    """Log loss and accuracy of a fitted classifier, as {split}_loss and {split}_acc. A class
    that the model did not see in training (`data.limit` can leave one out) has probability 0:
    its samples are wrong, at the loss of log_loss's smallest probability."""
    seen = model.predict_proba(flat(x))
    proba = np.zeros((len(x), max(int(model.classes_.max()), int(np.max(y))) + 1), seen.dtype)
    proba[:, model.classes_] = seen
    return {
        f"{split}_loss": float(log_loss(y, proba, labels=np.arange(proba.shape[1]))),
        f"{split}_acc": float(accuracy_score(y, proba.argmax(axis=1))),
    }


def predict_proba(model, x, num_classes: int) -> np.ndarray:
    """Class probabilities of the samples `x`: one row per sample, one column per class index
    (0 for a class that the model did not see in training)."""
    proba = np.zeros((len(x), num_classes))
    proba[:, model.classes_] = model.predict_proba(flat(x))
    return proba


def save_checkpoint(path: Path, model, classes: list, feature_names: list | None = None) -> None:
    """The fitted model, the label of each of its classes and the name of each feature (None:
    the data had none), in joblib (scikit-learn's own format), written atomically (an
    interrupted save leaves the previous file)."""
    saved = {"model": model, "classes": list(classes), "feature_names": feature_names}
    write_atomically(path, lambda file: joblib.dump(saved, file))


def load_checkpoint(path: Path) -> tuple[object, list, Features]:
    """The model saved by `save_checkpoint`, its classes and the features it takes (no names in
    a file saved before model files kept them). joblib files are pickles, which run code when
    loaded: load only files you trust, such as your own runs. An empty, truncated or foreign
    file is refused with one line."""
    try:
        saved = joblib.load(path)
        model = saved["model"]
        features = Features.saved([model.n_features_in_], saved.get("feature_names"))
        return model, list(saved["classes"]), features
    except Exception as error:
        raise RunError(
            f"ckpt_path: {path} is not a model file of this project's `train` "
            f"({type(error).__name__}: {error})"
        ) from None
