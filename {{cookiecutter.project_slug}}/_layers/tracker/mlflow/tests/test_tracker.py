"""logger=mlflow: the run in the project's MLflow store, read back with MLflow's own client."""

import csv
import json
import multiprocessing
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from conftest import compose_job, module, read_json, run_cli

tracking = module("harness.tracking")


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
    saved = {"resolved_config.yaml", "summary.json", "learning_curves.png", "environment.txt"}
    assert artifacts - {"code.patch"} == {checkpoint, *saved}  # code.patch: changed code


@pytest.mark.processes
def test_each_sweep_job_is_one_run_tagged_with_its_sweep(sweep_of_two):
    runs = runs_in(sweep_of_two.parents[2])  # <launch>/outputs/multiruns/<date>/<time>
    assert [run.data.params["seed"] for run in runs] == ["1", "2"]
    assert {run.data.tags["sweep"] for run in runs} == {
        "multiruns_" + "_".join(sweep_of_two.parts[-2:])
    }


@pytest.mark.slow
def test_a_failed_run_is_marked_failed_in_the_store(tmp_path):
    (tmp_path / "header_only.csv").write_text("a,label\n")  # the run starts, then fails
    with pytest.raises(SystemExit):
        run_cli("train", "debug=fast", "data=csv", "data.path=header_only.csv", cwd=tmp_path)
    (run,) = runs_in(tmp_path / "outputs")
    assert run.info.status == "FAILED"


def start_a_run(outputs: str, name: str) -> None:
    tracker = tracking.MLflow(store=f"{outputs}/mlflow.db", experiment="parallel")
    tracker.start(tracking.RunInfo(name, Path(outputs), {"job": name}))
    tracker.finish({"acc": 1.0}, [])


@pytest.mark.processes
def test_parallel_jobs_create_the_store_once_and_each_records_its_run(tmp_path):
    """Sweep jobs on the joblib launcher start together on a store that does not exist yet."""
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        pool.starmap(start_a_run, [(str(tmp_path), f"job{i}") for i in range(4)])
    client = client_of(tmp_path)
    experiment = client.get_experiment_by_name("parallel")
    names = {run.info.run_name for run in client.search_runs([experiment.experiment_id])}
    assert names == {"job0", "job1", "job2", "job3"}


def ask_until_it_answers(server, url: str, request: dict, log: Path) -> dict:
    """POST `request` to `url` until the server answers (60 s at most), as JSON."""
    for _ in range(120):
        assert server.poll() is None, log.read_text()[-2000:]  # the server stopped
        asked = urllib.request.Request(url, json.dumps(request).encode(), method="POST")
        asked.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(asked, timeout=5) as answer:
                return json.load(answer)
        except OSError:  # not listening yet
            time.sleep(0.5)
    pytest.fail("mlflow ui did not answer in 60 s")


@pytest.mark.processes
def test_mlflow_ui_shows_the_run(trained_run, tmp_path):
    """The README's `mlflow ui --backend-store-uri sqlite:///outputs/mlflow.db` serves the run
    (MLflow 3.17's server fails to start beside SQLAlchemy 1.4, which optuna needs)."""
    launch = trained_run.parents[3]
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    command = [sys.executable, "-m", "mlflow", "ui", "--port", str(port)]
    command += ["--backend-store-uri", "sqlite:///outputs/mlflow.db"]
    url = f"http://127.0.0.1:{port}/ajax-api/2.0/mlflow/runs/search"
    request = {"experiment_ids": [runs_in(launch / "outputs")[0].info.experiment_id]}
    with open(tmp_path / "ui.log", "w") as log:
        server = subprocess.Popen(command, cwd=launch, stdout=log, stderr=subprocess.STDOUT)
        try:
            found = ask_until_it_answers(server, url, request, tmp_path / "ui.log")
        finally:
            server.terminate()
            server.wait(timeout=30)
    names = [run["info"]["run_name"] for run in found["runs"]]
    assert names == ["_".join(trained_run.parts[-2:])]
