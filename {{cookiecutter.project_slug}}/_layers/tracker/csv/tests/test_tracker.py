"""logger=csv: the run folder's files are the whole record; no other store is written."""

import csv

from conftest import compose_job, read_json


def test_csv_is_the_default_logger():
    assert compose_job("train").logger._target_.endswith(".tracking.CSV")


def test_the_run_folder_holds_the_record_and_nothing_else_is_written(trained_run):
    launch = trained_run.parents[3]  # <launch>/outputs/runs/<date>/<time>
    trees = {path.name for path in (launch / "outputs").iterdir()}
    assert trees <= {"runs", "evaluations", "predictions"}  # run folders only, no store
    assert not (trained_run / "tensorboard").exists() and not (trained_run / "wandb").exists()
    rows = list(csv.DictReader((trained_run / "metrics.csv").open()))
    summary = read_json(trained_run / "summary.json")
    assert summary["metrics"]["val_acc"] == float(rows[-1]["val_acc"])
