"""logger=mlflow: the run in the project's MLflow store, read back with MLflow's own client."""

import csv
import multiprocessing
from pathlib import Path

import pytest
import yaml
from conftest import compose_job, module, read_json, run_cli

tracking = module("tracking")


def client_of(outputs: Path):
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=f"sqlite:///{outputs / 'mlflow.db'}")


def runs_in(outputs: Path) -> list:
    """Every run of the project's experiment in the store under `outputs`, oldest first."""
    client = client_of(outputs)
    experiment = client.get_experiment_by_name(compose_job("train").logger.experiment)
    return sorted(client.search_runs([experiment.experiment_id]), key=lambda r: r.info.start_time)


def test_mlflow_is_the_default_logger():
    assert compose_job("train").logger._target_.endswith(".tracking.MLflow")


def test_the_store_holds_the_params_each_epoch_the_test_metrics_and_artifacts(trained_run):
    outputs = trained_run.parents[2]  # <launch>/outputs/runs/<date>/<time>
    (run,) = runs_in(outputs)
    client = client_of(outputs)
    assert run.info.status == "FINISHED" and run.info.run_name == "_".join(trained_run.parts[-2:])
    resolved = yaml.safe_load((trained_run / "resolved_config.yaml").read_text())
    assert run.data.params == {key: str(value) for key, value in tracking.flatten(resolved).items()}
    assert run.data.tags["run_folder"] == str(trained_run) and run.data.tags["tags"] == "debug"

    rows = list(csv.DictReader((trained_run / "metrics.csv").open()))
    for name in set(rows[0]) - {"epoch"}:  # every column of metrics.csv
        history = client.get_metric_history(run.info.run_id, name)
        logged = sorted((metric.step, metric.value) for metric in history)
        assert logged == [(int(row["epoch"]), pytest.approx(float(row[name]))) for row in rows]
    metrics = read_json(trained_run / "metrics.json")
    assert {name: run.data.metrics[name] for name in metrics} == metrics

    artifacts = {artifact.path for artifact in client.list_artifacts(run.info.run_id)}
    checkpoint = module("engine").CHECKPOINT
    assert artifacts == {checkpoint, "resolved_config.yaml", "summary.json", "learning_curves.png"}


def test_each_sweep_job_is_one_run_tagged_with_its_sweep(sweep_of_two):
    runs = runs_in(sweep_of_two.parents[2])  # <launch>/outputs/multiruns/<date>/<time>
    assert [run.data.params["seed"] for run in runs] == ["1", "2"]
    assert {run.data.tags["sweep"] for run in runs} == {"_".join(sweep_of_two.parts[-2:])}


def test_a_failed_run_is_marked_failed_in_the_store(tmp_path):
    with pytest.raises(SystemExit):
        run_cli("train", "debug=fast", "data=csv", "data.path=missing.csv", cwd=tmp_path)
    (run,) = runs_in(tmp_path / "outputs")
    assert run.info.status == "FAILED"


def start_a_run(outputs: str, name: str) -> None:
    tracker = tracking.MLflow(store=f"{outputs}/mlflow.db", experiment="parallel")
    tracker.start(tracking.RunInfo(name, Path(outputs), {"job": name}))
    tracker.finish({"acc": 1.0}, [])


@pytest.mark.slow
def test_parallel_jobs_create_the_store_once_and_each_records_its_run(tmp_path):
    """Sweep jobs on the joblib launcher start together on a store that does not exist yet."""
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        pool.starmap(start_a_run, [(str(tmp_path), f"job{i}") for i in range(4)])
    client = client_of(tmp_path)
    experiment = client.get_experiment_by_name("parallel")
    names = {run.info.run_name for run in client.search_runs([experiment.experiment_id])}
    assert names == {"job0", "job1", "job2", "job3"}
