"""The scikit-learn engine: every option builds, the metrics are right, model files."""

import math

import numpy as np
import pytest
from conftest import (
    ALL_OPTIONS,
    PACKAGE,
    assert_the_checkpoint_could_not_be_written,
    command,
    compose_job,
    compose_option,
    log_messages,
    module,
    run_cli,
    the_run_folder,
    train_in_process,
    train_writing_at_most,
)
from hydra.utils import instantiate
from sklearn.pipeline import Pipeline
from test_fail_fast import refusal

engine = module("engine")
Features = module("harness.features").Features
RunError = module("harness.errors").RunError
train = module("train")


@pytest.mark.parametrize(("group", "option"), ALL_OPTIONS)
def test_every_option_builds(group, option, digits_csv):
    cfg = compose_option(group, option, digits_csv)
    data = instantiate(cfg.data)
    model = instantiate(cfg.model)

    assert data.x_train.shape[1:] == data.input_shape
    assert isinstance(model, Pipeline) and type(model[0]).__name__ == "StandardScaler"
    x = engine.flat(data.x_train[:200])
    assert model.fit(x, data.y_train[:200]).predict(x).shape == (200,)


def test_flat_makes_one_row_per_sample():
    x = np.arange(2 * 1 * 2 * 3).reshape(2, 1, 2, 3)
    assert engine.flat(x).tolist() == [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]]


class FixedModel:
    """A fitted classifier whose probabilities are given."""

    def __init__(self, proba):
        self.proba = np.array(proba)
        self.classes_ = np.arange(self.proba.shape[1])

    def predict_proba(self, x):
        return self.proba


def test_evaluate_matches_a_hand_computed_loss_and_accuracy():
    model = FixedModel([[0.8, 0.2], [0.4, 0.6], [0.3, 0.7]])
    x, y = np.zeros((3, 2)), np.array([0, 0, 1])  # right, wrong, right
    metrics = engine.evaluate(model, x, y, split="test")
    assert metrics.keys() == {"test_loss", "test_acc"}
    assert metrics["test_loss"] == pytest.approx(
        -(math.log(0.8) + math.log(0.4) + math.log(0.7)) / 3
    )
    assert metrics["test_acc"] == pytest.approx(2 / 3)


def test_a_class_missing_from_a_split_still_counts_in_the_loss():
    model = FixedModel([[0.5, 0.3, 0.2], [0.1, 0.6, 0.3]])  # three classes, no 2 in y
    metrics = engine.evaluate(model, np.zeros((2, 2)), np.array([0, 1]), split="val")
    assert metrics["val_loss"] == pytest.approx(-(math.log(0.5) + math.log(0.6)) / 2)
    assert metrics["val_acc"] == 1.0


def test_models_scale_then_classify():
    model = instantiate(compose_job("train", []).model)
    assert list(model.named_steps) == ["scale", "classify"]
    assert type(model.named_steps["classify"]).__name__ == "LogisticRegression"


def test_the_log_tells_the_model_and_the_training_samples(trained_run):
    messages = log_messages(trained_run / "train.log")
    assert "Fitting LogisticRegression on 256 samples" in messages  # debug=fast: data.limit=256


def test_fit_is_one_epoch_of_training_and_validation_metrics():
    cfg = compose_job("train", ["data.limit=300"])
    data = instantiate(cfg.data)
    model = instantiate(cfg.model)
    row = engine.fit(model, data)
    assert row == {
        "epoch": 1,
        **engine.evaluate(model, data.x_train, data.y_train, split="train"),
        **engine.evaluate(model, data.x_val, data.y_val, split="val"),
    }
    assert row["train_acc"] > 0.9


def test_model_file_round_trip(tmp_path):
    cfg = compose_job("train", ["data.limit=300"])
    data = instantiate(cfg.data)
    model = instantiate(cfg.model)
    engine.fit(model, data)
    path = tmp_path / engine.CHECKPOINT
    engine.save_checkpoint(path, model, data.classes, data.feature_names)
    loaded, classes, features = engine.load_checkpoint(path)
    x = engine.flat(data.x_test)
    assert (loaded.predict(x) == model.predict(x)).all()
    assert classes == data.classes == list(range(10))
    # scikit-learn's names of the 8x8 pixels, row by row; the model takes them flat
    names = [f"pixel_{r}_{c}" for r in range(8) for c in range(8)]
    assert features == Features((64,), names)
    assert [p.name for p in tmp_path.iterdir()] == [engine.CHECKPOINT]
    engine.joblib.dump({"model": model, "classes": classes}, path)  # saved before names
    assert engine.load_checkpoint(path)[2] == Features((64,), None)


def test_predict_proba_has_a_column_per_class_index():
    """A model that saw classes 0 and 2 only (of three): class 1 has probability 0."""
    model = FixedModel([[0.9, 0.1], [0.25, 0.75]])
    model.classes_ = np.array([0, 2])
    proba = engine.predict_proba(model, np.zeros((2, 1, 2, 2)), num_classes=3)
    assert proba.tolist() == [[0.9, 0.0, 0.1], [0.25, 0.0, 0.75]]


@pytest.mark.parametrize("content", [b"", b"not a model", "truncated", "foreign"])
def test_a_broken_or_foreign_model_file_is_refused_with_one_line_naming_it(tmp_path, content):
    path = tmp_path / engine.CHECKPOINT
    if content == "truncated":
        engine.save_checkpoint(path, list(range(1000)), [0, 1])
        path.write_bytes(path.read_bytes()[:100])
    elif content == "foreign":  # a joblib file, but not one that `train` wrote
        engine.joblib.dump([1, 2, 3], path)
    else:
        path.write_bytes(content)
    with pytest.raises(RunError) as refused:
        engine.load_checkpoint(path)
    message = str(refused.value)
    assert message.startswith(f"ckpt_path: {path} is not a model file of this project's")
    assert "\n" not in message
    if content == b"":
        assert "(EOFError" in message  # the reason joblib gave


def test_an_interrupted_save_keeps_the_previous_model_file(tmp_path, monkeypatch):
    path = tmp_path / engine.CHECKPOINT
    engine.save_checkpoint(path, {"model": "before"}, [0, 1])
    before = path.read_bytes()

    def interrupted(saved, file):
        with open(file, "wb") as half:
            half.write(b"half a model")
        raise KeyboardInterrupt

    monkeypatch.setattr(engine.joblib, "dump", interrupted)
    with pytest.raises(KeyboardInterrupt):
        engine.save_checkpoint(path, {"model": "after"}, [0, 1])
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [engine.CHECKPOINT]


@pytest.mark.slow
def test_seed_fixes_the_run_and_changes_it(tmp_path):
    forest = ["model=random_forest", "model.classifier.n_estimators=5"]
    first, first_rows = train_in_process(tmp_path / "a", *forest, "seed=1")
    again, again_rows = train_in_process(tmp_path / "b", *forest, "seed=1", "tags=[b]")
    other, _ = train_in_process(tmp_path / "c", *forest, "seed=2")
    assert first == again and first_rows == again_rows
    assert first != other


def test_experiment_overrides_groups_and_keys():
    cfg = compose_job("train", ["experiment=big_forest"])
    assert cfg.model.classifier._target_ == "sklearn.ensemble.RandomForestClassifier"
    assert cfg.model.classifier.n_estimators == 500


def test_command_line_overrides_beat_experiment():
    cfg = compose_job("train", ["experiment=big_forest", "model.classifier.n_estimators=7"])
    assert cfg.model.classifier.n_estimators == 7


def test_resume_is_one_line_a_fit_has_nothing_to_continue(tmp_path):
    for value in ["latest", str(tmp_path)]:
        with pytest.raises(SystemExit) as refused:
            run_cli("train", f"resume={value}", cwd=tmp_path)
        one_step = f"{command('train')}: error: resume: this project trains in one step"
        assert str(refused.value.code).startswith(one_step)
    assert list(tmp_path.iterdir()) == []


LOGISTIC = "penalty, C, l1_ratio, dual, tol, fit_intercept, intercept_scaling, class_weight"


@pytest.mark.parametrize(
    ("overrides", "line"),
    [
        (
            ["+model.classifier.CC=1"],
            "model.classifier.CC: sklearn.linear_model.LogisticRegression takes no argument "
            f"'CC' (did you mean C?); it takes {LOGISTIC}",
        ),
        (
            ["model=random_forest", "+model.classifier.n_estimator=5"],
            "model.classifier.n_estimator: sklearn.ensemble.RandomForestClassifier takes no "
            "argument 'n_estimator' (did you mean n_estimators?); it takes n_estimators, ",
        ),
        (["+model.scaler=none"], f"model.scaler: {PACKAGE}.models.scaled takes no argument"),
    ],
)
def test_an_argument_that_the_model_does_not_take_is_one_line_naming_the_accepted_ones(
    tmp_path, capfd, overrides, line
):
    """`instantiate` would stop the run with a TypeError after the run folder is made: the
    signature of the `_target_` is read before, and nothing is written."""
    assert refusal(tmp_path, capfd, "train", *overrides).startswith(line)


@pytest.mark.processes
def test_a_model_file_that_cannot_be_written_is_one_line_naming_it(tmp_path):
    # no file over 32 KiB: the model file of a forest (a few MiB) fails as on a full disk
    done = train_writing_at_most(32768, tmp_path, "debug=fast", "model=random_forest")
    assert_the_checkpoint_could_not_be_written(done, the_run_folder(tmp_path))
