"""`<project>-report`: a sweep's jobs in one table, the best one marked, seeds aggregated, and
the jobs without results (running, interrupted, failed) named."""

import csv
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import PACKAGE, command, module, read_json

report = module("harness.report")
run_state = module("harness.run_state")
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
    header = ["job", "status", "best", "optimizer.lr", "val_acc", "val_loss", "reason"]
    assert list(rows[1]) == header
    assert (rows[1]["optimizer.lr"], float(rows[1]["val_acc"])) == ("0.1", 0.9)
    assert rows[2]["reason"] == "the training loss is nan"  # the error its log holds
    markdown = (sweep / "report.md").read_text().splitlines()
    assert markdown[0] == "| job | status | best | optimizer.lr | val_acc | val_loss | reason |"
    assert markdown[3] == "| 1 | done | * | 0.1 | 0.9000 | 0.3000 |  |"
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


@pytest.mark.processes
def test_a_real_sweep_finished_and_then_partial(sweep_of_two, tmp_path):
    """A real multirun of two jobs: both rows, the better one best; with one job killed before
    its end (its state says running, nobody holds its lock), that job is stopped, the other
    stays, and the command that re-runs it continues it from its last checkpoint."""
    sweep = shutil.copytree(sweep_of_two, tmp_path / "sweep")
    found = report.report(sweep)
    scores = [read_json(sweep / str(job) / "metrics.json")["val_acc"] for job in (0, 1)]
    assert [row["job"] for row in found["table"]] == [0, 1]
    assert found["best"].metrics["val_acc"] == max(scores)
    assert (found["failed"], found["missing"]) == ([], [])

    for name in ("metrics.json", "summary.json", run_state.STATE):
        (sweep / "1" / name).unlink()
    run_state.write(sweep / "1", run_state.RUNNING)
    found = report.report(sweep)
    assert (found["best"].number, found["missing"]) == (0, [])
    assert [r["status"] for r in read_rows(sweep / "report.csv")] == ["done", "stopped"]
    train, last = command("train"), module("engine").LAST_CHECKPOINT
    rerun = f"{train} resume={sweep / '1'}" if last else f"{train} seed=2 debug=fast"
    assert found["reruns"] == {1: ("stopped", rerun)}


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
    assert out.endswith(f"Wrote report.csv, report.md, report.png into {sweep}\n")


def job_folder(sweep, number, overrides, state=None, reason=None, metrics=None):
    """A job folder as a run leaves it: its overrides, its state as run_state.write records
    it, and metrics.json (a text: written as it is, whole or not)."""
    folder = sweep / str(number)
    (folder / ".hydra").mkdir(parents=True)
    text = overrides if isinstance(overrides, str) else yaml.safe_dump(overrides)
    (folder / ".hydra" / "overrides.yaml").write_text(text)
    if state is not None:
        run_state.write(folder, state, reason)
    if metrics is not None:
        (folder / "metrics.json").write_text(metrics)
    return folder


@pytest.fixture
def lock_holder():
    """`hold(folder)`: a child process takes the folder's lock as a run does (run_state.Lock)
    and keeps it until the test ends or `hold(folder)` returns `stop`, which ends it."""
    children = []

    def hold(folder):
        take = (
            f"from {PACKAGE}.harness import run_state; run_state.Lock.take(Path({str(folder)!r}))"
        )
        child = subprocess.Popen(
            [
                sys.executable,
                "-c",
                f"import sys; from pathlib import Path; {take}; print('held', flush=True); "
                "sys.stdin.read()",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        children.append(child)
        assert child.stdout.readline() == "held\n"

        def stop():
            child.stdin.close()
            assert child.wait(timeout=60) == 0

        return child, stop

    yield hold
    for child in children:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_broken_running_and_stopped_jobs_each_have_their_status_and_the_rest_is_tabled(
    tmp_path, lock_holder, capsys
):
    """One table for every job, whatever its files hold: a truncated metrics.json and an
    overrides.yaml that is not YAML (or not a list) are `broken` with the reason; a job whose
    lock a live process holds is running, one whose process died is stopped; NaN and infinity
    are never best. Each job that did not finish gets the command that re-runs it."""
    train, last = command("train"), module("engine").LAST_CHECKPOINT
    sweep = make_sweep(tmp_path)
    finished, failed = run_state.FINISHED, run_state.FAILED
    job_folder(sweep, 0, ["optimizer.lr=1", "seed=1"], finished, metrics='{"val_acc": NaN}')
    job_folder(sweep, 1, ["optimizer.lr=0.1", "seed=1"], finished, metrics='{"val_acc": 0.8}')
    job_folder(sweep, 2, ["optimizer.lr=2", "seed=1"], finished, metrics='{"val_acc": Infinity}')
    continued = ["optimizer.lr=0.5", "seed=1", f"resume='{sweep / '3'}'"]  # resumed once
    job_folder(sweep, 3, continued, finished, metrics='{"val_acc": 0.9, "va')
    job_folder(sweep, 4, "- optimizer.lr=0.3\n- 'seed=1\n", failed, "loss is nan")
    job_folder(sweep, 5, "optimizer.lr: 0.3\n", finished, metrics='{"val_acc": 0.95}')
    running = job_folder(sweep, 6, ["optimizer.lr=0.03", "seed=1"], run_state.RUNNING)
    stopped = job_folder(sweep, 7, ["optimizer.lr=0.01", "seed=1"], run_state.RUNNING)
    (stopped / run_state.LOCK).write_text("process 1 on a-host since 2026-01-31 12:00:00")
    spaced = ["optimizer.lr=0.02", "seed=1", "data.path=my data/digits.csv"]
    job_folder(sweep, 8, spaced, failed, "data.path: my data/digits.csv: no such file")
    job_folder(sweep, 9, ["optimizer.lr=0.2", "seed=1"])  # nothing written yet
    torn = job_folder(sweep, 10, ["optimizer.lr=0.4", "seed=1"])
    (torn / run_state.STATE).write_text('{"state": "runn')
    why = "interrupted by SIGTERM after epoch 2 of 10"
    interrupted = job_folder(sweep, 11, ["optimizer.lr=0.05", "seed=1"], run_state.INTERRUPTED, why)
    if last is not None:  # (sklearn trains in one step: nothing to resume)
        (stopped / last).write_bytes(b"the last epoch's checkpoint")
        (interrupted / last).write_bytes(b"the last epoch's checkpoint")
        (torn / last).write_bytes(b"a broken job starts afresh all the same")
        (sweep / "3" / last).write_bytes(b"a broken job starts afresh all the same")
    child, stop = lock_holder(running)

    found = report.report(sweep)
    statuses = {row["job"]: (row["status"], row["reason"]) for row in found["table"]}
    assert statuses.pop(6)[1].startswith(f"process {child.pid} on ")  # who holds it
    assert statuses == {
        0: ("done", ""),
        1: ("done", ""),
        2: ("done", ""),
        3: (
            "broken",
            "metrics.json is not JSON: Unterminated string starting at: line 1 column 18 (char 17)",
        ),
        4: ("broken", ".hydra/overrides.yaml is not YAML: found unexpected end of stream (line 3)"),
        5: ("broken", ".hydra/overrides.yaml is not a list of overrides"),
        7: ("stopped", "the process ended without a word (killed?)"),
        8: ("failed", "data.path: my data/digits.csv: no such file"),
        9: ("missing", ""),
        10: (
            "broken",
            "state.json is not JSON: Unterminated string starting at: line 1 column 11 (char 10)",
        ),
        11: ("interrupted", why),
    }
    assert found["best"].number == 1  # the finite one: NaN and infinity rank nowhere
    assert list(found["table"][0])[:4] == ["job", "status", "best", "optimizer.lr"]  # no resume
    assert [row["best"] for row in found["table"]] == ["", "*"] + [""] * 10
    resumed = f"{train} resume={stopped}" if last else f"{train} optimizer.lr=0.01 seed=1"
    continues = f"{train} resume={interrupted}" if last else f"{train} optimizer.lr=0.05 seed=1"
    assert found["reruns"] == {
        3: ("broken", f"{train} optimizer.lr=0.5 seed=1"),
        4: ("broken", None),  # nothing says what it ran
        5: ("broken", None),
        7: ("stopped", resumed),
        8: ("failed", f"{train} optimizer.lr=0.02 seed=1 'data.path=my data/digits.csv'"),
        9: ("missing", f"{train} optimizer.lr=0.2 seed=1"),
        10: ("broken", f"{train} optimizer.lr=0.4 seed=1"),
        11: ("interrupted", continues),
    }
    assert shlex.split(found["reruns"][8][1]) == [train, *spaced]  # one argument each

    report.show(found, sweep)
    out = capsys.readouterr().out
    assert f"Best (maximize val_acc): job 1, 0.8000, {sweep / '1'}\n" in out
    assert "Running: jobs [6]\n" in out
    assert f"  job 7 (stopped): {resumed}\n" in out
    assert f"  job 4 (broken): {report.RERUN_BY_HAND}\n" in out

    stop()  # the running job's process ends without a word: it is stopped now
    found = report.report(sweep)
    assert (found["table"][6]["status"], found["running"]) == ("stopped", [])
    assert found["reruns"][6] == ("stopped", f"{train} optimizer.lr=0.03 seed=1")


def test_a_sweep_folder_that_cannot_be_written_still_gets_its_table(tmp_path, capsys, monkeypatch):
    """A read-only sweep folder (someone else's, an archive): the table is printed all the same,
    with one line that says the files could not be written and why; exit status 0."""
    sweep = make_sweep(tmp_path)
    make_job(sweep, 0, ["optimizer.lr=0.01"], {"val_acc": 0.5})
    make_job(sweep, 1, ["optimizer.lr=0.1"], {"val_acc": 0.75})
    sweep.chmod(0o555)
    try:
        (sweep / "probe").touch()
    except PermissionError:
        pass
    else:  # root writes whatever the mode: the OS refuses it the rename into the folder instead
        (sweep / "probe").unlink()
        rename = os.replace

        def refuse(source, target, **options):
            if Path(target).parent == sweep:
                raise PermissionError(13, "Permission denied", str(target))
            rename(source, target, **options)

        monkeypatch.setattr(os, "replace", refuse)
    try:
        report.main([str(sweep)])
    finally:
        sweep.chmod(0o755)
    out = capsys.readouterr().out
    assert "optimizer.lr" in out and "0.7500" in out
    assert f"Best (maximize val_acc): job 1, 0.7500, {sweep / '1'}\n" in out
    line = (
        f"Could not write the report files into {sweep}: {sweep / 'report.csv'}: Permission denied"
    )
    assert out.endswith(line + "\n")
    assert sorted(path.name for path in sweep.iterdir()) == ["0", "1", "multirun.yaml"]


def test_an_unknown_metric_is_one_line_naming_the_known_ones(tmp_path):
    sweep = make_sweep(tmp_path)
    make_job(sweep, 0, ["optimizer.lr=0.01"], {"val_acc": 0.5, "val_loss": 1.0})
    make_job(sweep, 1, ["optimizer.lr=0.1"], {"val_acc": 0.75, "test_acc": 0.7})
    name = command("report")
    run = f"import sys; sys.argv[0] = {name!r}; from {PACKAGE}.harness.report import main; main()"
    done = subprocess.run(
        [sys.executable, "-c", run, str(sweep), "--metric", "val_f1"],
        capture_output=True,
        text=True,
    )
    known = "test_acc, val_acc, val_loss"
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == f"{name}: error: --metric val_f1: no job has it; the jobs have {known}\n"
    assert sorted(path.name for path in sweep.iterdir()) == ["0", "1", "multirun.yaml"]


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
