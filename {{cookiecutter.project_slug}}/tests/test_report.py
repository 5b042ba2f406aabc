"""`<project>-report`: a sweep's jobs in one table, the best one marked, seeds aggregated, and
the jobs without results (running, interrupted, failed) named."""

import csv
import json
import shutil
import subprocess
import sys

import pytest
import yaml
from conftest import PACKAGE, module, read_json

report = module("harness.report")
PNG = b"\x89PNG\r\n\x1a\n"


def make_sweep(tmp_path, **settings):
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    settings = {"optimized_metric": "val_acc", **settings}
    (sweep / "multirun.yaml").write_text(yaml.safe_dump(settings))
    return sweep


def make_job(sweep, number, overrides, metrics=None, error=False):
    job = sweep / str(number)
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
    if metrics is not None:
        (job / "metrics.json").write_text(json.dumps(metrics))
    line = "[ERROR] - the training loss is nan" if error else "[INFO] - epoch 1/10"
    (job / "train.log").write_text(f"[2026-01-31 12:00:00,000][my.train]{line}\n")


def read_rows(path):
    with open(path, newline="") as file:
        return list(csv.DictReader(file))


def test_every_job_is_a_row_and_the_best_is_marked(tmp_path):
    sweep = make_sweep(tmp_path)
    make_job(sweep, 0, ["optimizer.lr=0.01", "seed=1"], {"val_acc": 0.5, "val_loss": 1.0})
    make_job(sweep, 1, ["optimizer.lr=0.1", "seed=1"], {"val_acc": 0.9, "val_loss": 0.3})
    make_job(sweep, 2, ["optimizer.lr=10", "seed=1"], error=True)
    make_job(sweep, 3, ["optimizer.lr=0.001", "seed=1"])  # still running
    found = report.report(sweep)
    assert (found["best"].number, found["failed"], found["missing"]) == (1, [2], [3])
    rows = read_rows(sweep / "report.csv")
    assert [(r["job"], r["status"], r["best"]) for r in rows] == [
        ("0", "done", ""),
        ("1", "done", "*"),
        ("2", "failed", ""),
        ("3", "missing", ""),
    ]
    assert list(rows[1]) == ["job", "status", "best", "optimizer.lr", "val_acc", "val_loss"]
    assert (rows[1]["optimizer.lr"], float(rows[1]["val_acc"])) == ("0.1", 0.9)
    markdown = (sweep / "report.md").read_text().splitlines()
    assert markdown[0] == "| job | status | best | optimizer.lr | val_acc | val_loss |"
    assert markdown[3] == "| 1 | done | * | 0.1 | 0.9000 | 0.3000 |"
    assert (sweep / "report.png").read_bytes().startswith(PNG)


def test_a_job_marked_failed_is_no_result_even_with_its_metrics(tmp_path):
    """A FAILED file (errors.mark_failed: an error, an interruption) outranks a metrics.json
    that the job may have left: the job is failed, and never the best."""
    sweep = make_sweep(tmp_path)
    make_job(sweep, 0, ["optimizer.lr=0.01"], {"val_acc": 0.5, "val_loss": 1.0})
    make_job(sweep, 1, ["optimizer.lr=0.1"], {"val_acc": 0.9, "val_loss": 0.3})
    (sweep / "1" / "FAILED").write_text("interrupted by SIGTERM after epoch 3 of 10\n")
    found = report.report(sweep)
    assert (found["best"].number, found["failed"]) == (0, [1])


def test_a_real_sweep_finished_and_then_partial(sweep_of_two, tmp_path):
    """A real multirun of two jobs: both rows, the better one best; with one job's results gone
    (a job still running or stopped), that job is named missing and the other stays."""
    sweep = shutil.copytree(sweep_of_two, tmp_path / "sweep")
    found = report.report(sweep)
    scores = [read_json(sweep / str(job) / "metrics.json")["val_acc"] for job in (0, 1)]
    assert [row["job"] for row in found["table"]] == [0, 1]
    assert found["best"].metrics["val_acc"] == max(scores)
    assert (found["failed"], found["missing"]) == ([], [])

    (sweep / "1" / "metrics.json").unlink()
    found = report.report(sweep)
    assert (found["best"].number, found["missing"]) == (0, [1])
    assert [r["status"] for r in read_rows(sweep / "report.csv")] == ["done", "missing"]


@pytest.mark.parametrize(
    ("settings", "metric", "best"),
    [
        ({}, "val_loss", 0),  # a loss is minimized
        ({}, "val_acc", 1),
        ({"hydra": {"sweeper": {"direction": "minimize"}}}, "val_acc", 0),  # the sweeper's own
        ({"hydra": {"sweeper": {"direction": "maximize"}}}, "val_loss", 0),  # not its metric
    ],
)
def test_the_direction_follows_the_metric_or_the_sweeper(tmp_path, settings, metric, best):
    sweep = make_sweep(tmp_path, **settings)
    make_job(sweep, 0, ["model=mlp"], {"val_acc": 0.5, "val_loss": 0.2})
    make_job(sweep, 1, ["model=cnn"], {"val_acc": 0.9, "val_loss": 0.4})
    assert report.report(sweep, metric)["best"].number == best


def test_jobs_that_differ_by_seed_are_averaged_per_configuration(tmp_path):
    sweep = make_sweep(tmp_path)
    scores = {("0.1", "1"): 0.8, ("0.1", "2"): 0.9, ("0.01", "1"): 0.5, ("0.01", "2"): 0.7}
    for number, ((lr, seed), score) in enumerate(scores.items()):
        make_job(sweep, number, [f"optimizer.lr={lr}", f"seed={seed}"], {"val_acc": score})
    groups = {group["optimizer.lr"]: group for group in report.report(sweep)["seed_groups"]}
    assert groups["0.1"]["seeds"] == 2
    assert groups["0.1"]["val_acc_mean"] == pytest.approx(0.85)
    assert groups["0.01"]["val_acc_std"] == pytest.approx(0.1414, abs=1e-4)
    assert "val_acc_mean" in (sweep / "report.md").read_text()


def test_an_optuna_search_names_the_trials_not_started_yet(tmp_path):
    sweep = make_sweep(tmp_path, hydra={"sweeper": {"n_trials": 4, "direction": "maximize"}})
    make_job(sweep, 0, ["optimizer.lr=0.1"], {"val_acc": 0.5})
    make_job(sweep, 1, ["optimizer.lr=0.2"])
    assert report.report(sweep)["missing"] == [1, 2, 3]


def test_a_folder_that_is_not_a_sweep_is_one_line(tmp_path):
    with pytest.raises(SystemExit, match=r"no multirun.yaml, so not a sweep folder"):
        report.report(tmp_path)


def test_the_command_prints_the_table_and_the_best_job(tmp_path, capsys):
    sweep = make_sweep(tmp_path)
    make_job(sweep, 0, ["optimizer.lr=0.01"], {"val_acc": 0.5})
    make_job(sweep, 1, ["optimizer.lr=0.1"], {"val_acc": 0.75})
    wide = {f"a_long_swept_key_{i}": i for i in range(8)}  # wider than 80 columns in all
    make_job(sweep, 2, [f"{key}={value}" for key, value in wide.items()], {"val_acc": 0.25})
    report.main([str(sweep)])  # printed into a pipe, as in CI: no terminal width to fit
    out = capsys.readouterr().out
    assert "optimizer.lr" in out and "0.7500" in out
    assert all(key in out for key in wide)  # headers whole, not cut to fit 80 columns
    assert f"Best (maximize val_acc): job 1, 0.7500, {sweep / '1'}\n" in out  # one line


def test_help_is_instant():
    """--help imports neither matplotlib, rich nor numpy (nor what imports numpy: the training
    libraries)."""
    probe = (
        "import sys\n"
        f"from {PACKAGE}.harness import report\n"
        "try:\n"
        "    report.main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print([m for m in ('matplotlib', 'rich', 'numpy') if m in sys.modules])\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "a sweep folder" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"
