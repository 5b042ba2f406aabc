"""logger=tensorboard: the run's event files, read back with TensorBoard's own reader."""

import csv
import json
from pathlib import Path

import pytest
import yaml
from conftest import compose_job, module, read_json

tracking = module("harness.tracking")


def read_events(folder: Path):
    """TensorBoard's EventAccumulator over a run's event files, loaded in full."""
    from tensorboard.backend.event_processing import event_accumulator as events

    accumulator = events.EventAccumulator(str(folder), size_guidance={events.SCALARS: 0})
    return accumulator.Reload()


def logged_params(accumulator) -> dict:
    """The parameters in TensorBoard's HPARAMS tab for this run."""
    from tensorboard.plugins.hparams import plugin_data_pb2

    content = accumulator.PluginTagToContent("hparams")["_hparams_/session_start_info"]
    start = plugin_data_pb2.HParamsPluginData.FromString(content).session_start_info
    return {key: getattr(value, value.WhichOneof("kind")) for key, value in start.hparams.items()}


def test_tensorboard_is_the_default_logger():
    assert compose_job("train").logger._target_.endswith(".tracking.TensorBoard")


def test_event_files_hold_each_epochs_metrics_the_test_metrics_and_the_params(trained_run):
    events = read_events(trained_run / "tensorboard")
    rows = list(csv.DictReader((trained_run / "metrics.csv").open()))
    for name in set(rows[0]) - {"epoch"}:  # every column of metrics.csv
        logged = [(event.step, event.value) for event in events.Scalars(name)]
        expected = [(int(row["epoch"]), float(row[name])) for row in rows]
        assert logged == [(step, pytest.approx(value, rel=1e-6)) for step, value in expected]
    metrics = read_json(trained_run / "metrics.json")
    assert events.Scalars("test_acc")[-1].value == pytest.approx(metrics["test_acc"], rel=1e-6)

    resolved = yaml.safe_load((trained_run / "resolved_config.yaml").read_text())
    expected = tracking.flatten(resolved)
    params = logged_params(events)
    assert set(params) == set(expected)
    for key, value in expected.items():  # numbers, text and flags as they are; lists as JSON
        plain = value if isinstance(value, bool | int | float | str) else json.dumps(value)
        wanted = pytest.approx(plain) if isinstance(plain, float) else plain
        assert params[key] == wanted, key


@pytest.mark.processes
def test_each_sweep_job_has_its_own_event_files_under_the_sweep(sweep_of_two):
    seeds = {}
    for job in ("0", "1"):
        params = logged_params(read_events(sweep_of_two / job / "tensorboard"))
        seeds[job] = params["seed"]
    assert seeds == {"0": 1, "1": 2}  # `tensorboard --logdir <sweep folder>` shows both
