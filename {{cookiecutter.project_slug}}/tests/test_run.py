"""Real runs of the command line: a training run's files, evaluation, sweeps, CSV data."""

import csv
import re
import subprocess
import sys

import pytest
from conftest import (
    PACKAGE,
    command,
    compose_job,
    log_messages,
    module,
    read_json,
    run_cli,
    snapshot,
    the_run_folder,
    train_in_process,
)
from hydra.errors import InstantiationException

engine = module("engine")
RunError = module("harness.errors").RunError


def test_training_run_writes_its_artifacts(trained_run):
    hydra_files = [".hydra/config.yaml", ".hydra/hydra.yaml", ".hydra/overrides.yaml"]
    for name in [*hydra_files, "train.log", "metrics.csv", "metrics.json", engine.CHECKPOINT]:
        assert (trained_run / name).is_file(), name
    assert "debug=fast" in (trained_run / ".hydra/overrides.yaml").read_text()
    assert not list(trained_run.glob("*.partial"))


def test_metrics_csv_has_a_full_row_per_epoch(trained_run):
    rows = list(csv.DictReader((trained_run / "metrics.csv").open()))
    assert [int(row["epoch"]) for row in rows] == list(range(1, len(rows) + 1))
    assert {"train_loss", "train_acc", "val_loss", "val_acc"} <= set(rows[0])
    for row in rows:
        values = [float(value) for value in row.values()]  # no blank or text cell
        assert all(0.0 <= value for value in values)


def test_metrics_json_holds_the_last_epoch_and_the_test_metrics(trained_run):
    metrics = read_json(trained_run / "metrics.json")
    last_epoch = list(csv.DictReader((trained_run / "metrics.csv").open()))[-1]
    val = {name: float(value) for name, value in last_epoch.items() if name.startswith("val_")}
    test = {name: value for name, value in metrics.items() if name.startswith("test_")}
    assert metrics == {**val, **test}
    assert set(test) == {"test_loss", "test_acc"}
    assert 0.0 <= metrics["test_acc"] <= 1.0


def test_log_ends_with_the_run_folder_and_every_metric(trained_run):
    metrics = read_json(trained_run / "metrics.json")
    closing = [f"Run folder: {trained_run}"]
    closing += [f"{name}: {value:.4f}" for name, value in sorted(metrics.items())]
    assert log_messages(trained_run / "train.log")[-len(closing) :] == closing


def test_the_log_starts_with_the_config_groups_then_the_whole_config_at_debug(trained_run):
    """debug=fast turns on DEBUG lines for this package: after the chosen groups (INFO), every
    key of the resolved config, with its value, in a tree."""
    import yaml

    text = (trained_run / "train.log").read_text()
    groups, full = text.split("[INFO] - config groups\n")[1], text.split("[DEBUG] - config\n")[1]
    chosen = yaml.safe_load((trained_run / ".hydra" / "hydra.yaml").read_text())
    chosen = chosen["hydra"]["runtime"]["choices"]
    for group in ("data", "model", "logger"):
        assert f"── {group}: {chosen[group]}\n" in groups
    resolved = yaml.safe_load((trained_run / "resolved_config.yaml").read_text())
    for key, value in resolved["data"].items():
        assert f"── {key}: {value}\n" in full
    assert (
        text.index("config groups") < text.index("[DEBUG] - config\n") < text.index("Run folder:")
    )


def test_evaluate_reports_the_test_metrics_of_training(trained_run, evaluated_run):
    assert (evaluated_run / "evaluate.log").is_file()
    trained = read_json(trained_run / "metrics.json")
    test = {name: value for name, value in trained.items() if name.startswith("test_")}
    assert read_json(evaluated_run / "metrics.json") == test


def test_evaluate_logs_its_checkpoint(trained_run, evaluated_run):
    checkpoint = trained_run / engine.CHECKPOINT
    assert f"Checkpoint: {checkpoint}" in log_messages(evaluated_run / "evaluate.log")


def test_evaluate_runs_have_a_tree_of_their_own_named_after_the_checkpoints_run(
    trained_run, evaluated_run
):
    """outputs/runs/<date>/<time>/<checkpoint> is evaluated into
    outputs/evaluations/<date>_<time>/<date>_<time with microseconds>/; training runs stay
    alone in outputs/runs/."""
    outputs = trained_run.parents[2]  # <launch>/outputs/runs/<date>/<time>
    date, time = trained_run.parent.name, trained_run.name
    assert evaluated_run.parent == outputs / "evaluations" / f"{date}_{time}"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d-\d{6}", evaluated_run.name)
    assert list((outputs / "runs").glob("*/*")) == [trained_run]


def test_evaluate_names_a_missing_checkpoint_by_its_key(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = compose_job("eval", ["ckpt_path=missing.ckpt"], output_dir=tmp_path)
    with pytest.raises(RunError, match=r"^ckpt_path: no file at .*missing\.ckpt"):
        module("evaluate").evaluate(cfg)


@pytest.mark.slow
def test_main_returns_the_optimized_metric(tmp_path):
    """What a sweeper optimizes: the metrics.json entry that `optimized_metric` names."""
    cfg = compose_job("train", ["debug=fast", "optimized_metric=val_loss"], output_dir=tmp_path)
    returned = module("train").main(cfg)
    metrics = read_json(tmp_path / "metrics.json")
    assert returned == metrics["val_loss"] != metrics["val_acc"]


@pytest.mark.processes
def test_multirun_gives_one_folder_per_job(sweep_of_two):
    sweep = sweep_of_two  # train -m hydra/launcher=basic seed=1,2 debug=fast
    assert (sweep / "multirun.yaml").is_file()
    jobs = sorted(p for p in sweep.iterdir() if p.is_dir())
    assert [p.name for p in jobs] == ["0", "1"]
    for job, seed in zip(jobs, ["seed=1", "seed=2"], strict=True):
        assert seed in (job / ".hydra/overrides.yaml").read_text()
        assert (job / engine.CHECKPOINT).is_file() and (job / "metrics.json").is_file()
    found = module("harness.report").report(sweep)  # <project>-report on the finished sweep
    assert [(row["job"], row["status"], row["seed"]) for row in found["table"]] == [
        (0, "done", "1"),
        (1, "done", "2"),
    ]
    assert found["missing"] == found["failed"] == []
    assert (sweep / "report.csv").is_file() and (sweep / "report.png").is_file()


@pytest.mark.slow
def test_csv_data_path_is_relative_to_the_launch_dir_even_with_chdir(tmp_path, digits_csv):
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "digits.csv").write_bytes(digits_csv.read_bytes())
    data = ["data=csv", "data.path=tables/digits.csv"]
    run_cli("train", *data, "hydra.job.chdir=true", "debug=fast", cwd=tmp_path)
    run = the_run_folder(tmp_path)
    assert (run / "metrics.json").is_file() and (run / engine.CHECKPOINT).is_file()
    assert not (run / "tables").exists()


def test_a_metric_name_that_the_run_will_not_report_stops_it_before_training(tmp_path):
    cfg = compose_job("train", ["debug=fast", "optimized_metric=nope"], output_dir=tmp_path)
    error = r"^optimized_metric: 'nope' is not a metric of this run; use one of \['val_"
    with pytest.raises(RunError, match=error):
        module("train").train(cfg)
    assert list(tmp_path.iterdir()) == []  # no metrics.csv, no checkpoint: nothing trained


@pytest.mark.slow
def test_a_run_error_is_one_line_and_exit_status_1(tmp_path, capfd):
    """What a user sees: the reason on one line, no traceback (test_fail_fast.py: the errors
    found before the run starts)."""
    (tmp_path / "empty.ckpt").touch()
    with pytest.raises(SystemExit) as stopped:
        run_cli("evaluate", "ckpt_path=empty.ckpt", cwd=tmp_path)
    assert stopped.value.code == 1
    captured = capfd.readouterr()
    lines = (captured.out + captured.err).strip().splitlines()
    assert len(lines) == 1 and f"ckpt_path: {tmp_path / 'empty.ckpt'} is " in lines[0]
    (state,) = tmp_path.glob("outputs/evaluations/*/*/state.json")  # and its run folder says so
    assert read_json(state)["state"] == "failed"
    assert read_json(state)["reason"] == lines[0].split("[ERROR] - ", 1)[1]


@pytest.mark.slow
def test_a_run_folder_that_holds_a_run_is_refused_and_left_as_it_was(trained_run, tmp_path):
    before = snapshot(trained_run)
    with pytest.raises(SystemExit) as refused:
        run_cli("train", "debug=fast", f"hydra.run.dir={trained_run}", "seed=7", cwd=tmp_path)
    message = f"{command('train')}: error: hydra.run.dir: {trained_run} already holds files"
    assert str(refused.value.code).startswith(message)
    after = snapshot(trained_run)
    assert after == before


def test_claiming_a_run_folder_makes_its_folders_and_is_exclusive(tmp_path):
    claim = module("harness.run_folder").claim
    claim(tmp_path / "new" / "run", "hydra.run.dir", ".lock")
    assert [path.name for path in (tmp_path / "new" / "run").iterdir()] == [".lock"]
    with pytest.raises(SystemExit, match=r": error: hydra.run.dir: .*run already holds files"):
        claim(tmp_path / "new" / "run", "hydra.run.dir", ".lock")


@pytest.mark.slow
def test_a_sweep_folder_that_holds_a_sweep_is_refused(tmp_path):
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    (sweep / "multirun.yaml").write_text("an earlier sweep\n")
    with pytest.raises(SystemExit, match=": error: hydra.sweep.dir: .* already holds files"):
        run_cli("train", "-m", "seed=1,2", f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert [p.name for p in sweep.iterdir()] == ["multirun.yaml"]


@pytest.mark.slow
def test_evaluate_reads_labels_with_the_checkpoints_classes(tmp_path, digits_csv):
    """Labels 1..10 are ten classes (not eleven); evaluate maps them as training did, and
    refuses a label the model was not trained on."""
    lines = digits_csv.read_text().splitlines()
    shifted = [lines[0]] + [
        f"{row.rsplit(',', 1)[0]},{int(row.rsplit(',', 1)[1]) + 1}" for row in lines[1:]
    ]
    table = tmp_path / "shifted.csv"
    table.write_text("\n".join(shifted) + "\n")
    data = ["data=csv", f"data.path={table}", "data.input_shape=[1,8,8]"]
    trained, _ = train_in_process(tmp_path / "run", *data)
    checkpoint = tmp_path / "run" / engine.CHECKPOINT
    cfg = compose_job("eval", [*data, f"ckpt_path={checkpoint}"], output_dir=tmp_path / "eval")
    (tmp_path / "eval").mkdir()
    tested = module("evaluate").evaluate(cfg)
    assert tested == {name: value for name, value in trained.items() if name.startswith("test_")}

    table.write_text("\n".join([*shifted, shifted[-1].rsplit(",", 1)[0] + ",11"]) + "\n")
    with pytest.raises(InstantiationException) as refused:  # what instantiate(cfg.data) raises
        module("evaluate").evaluate(cfg)
    message = str(module("harness.errors").run_error(refused.value))
    assert message.startswith("data: labels [11] are not among the model's classes [1, 2, ")


@pytest.mark.slow
def test_a_run_that_fails_is_marked_failed_and_has_no_results(tmp_path, capfd):
    """Data that cannot be trained on, found once the run has started: its folder's state says
    failed, with the reason that was printed, and it has no metrics.json or summary.json."""
    (tmp_path / "header_only.csv").write_text("a,b,label\n")
    with pytest.raises(SystemExit) as stopped:
        run_cli("train", "debug=fast", "data=csv", "data.path=header_only.csv", cwd=tmp_path)
    assert stopped.value.code == 1
    run = the_run_folder(tmp_path)
    state = read_json(run / "state.json")
    reason = state["reason"]
    assert state["state"] == "failed" and reason.startswith("data.path: ")
    assert reason.endswith("has no rows, only the line naming the columns")
    assert reason.strip() in capfd.readouterr().out
    assert not (run / "metrics.json").exists() and not (run / "summary.json").exists()


# a Hydra app with train's config and Hydra settings whose task does nothing: run folders are
# made and claimed before a task starts, so this is all of a run that they depend on
BARE_RUN = f"""
import hydra
from {PACKAGE} import paths  # the resolvers and schemas of the configs

@hydra.main(config_path="pkg://{PACKAGE}.configs", config_name="train", version_base="1.3")
def task(cfg):
    (paths.output_dir() / "done").touch()

task()
"""


def started_together(tmp_path, count: int, *args: str) -> list[tuple[int, str]]:
    """The exit status and output of `count` bare runs with `args`, started at once."""
    command = [sys.executable, "-c", BARE_RUN, *args]
    processes = [
        subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(count)
    ]
    return [(process.wait(), process.stdout.read().decode()) for process in processes]


@pytest.mark.processes
def test_eight_runs_started_at_once_get_eight_folders(tmp_path):
    """Folder names hold microseconds, and a folder is claimed exclusively (run_folder.py)."""
    ended = started_together(tmp_path, 8)
    assert [code for code, _ in ended] == [0] * 8, [out[-2000:] for _, out in ended]
    runs = list((tmp_path / "outputs" / "runs").glob("*/*"))
    assert len(runs) == 8 and all((run / "done").is_file() for run in runs)


@pytest.mark.processes
def test_two_sweeps_started_at_once_never_share_a_folder(tmp_path):
    ended = started_together(tmp_path, 2, "-m", "seed=1,2", "hydra/launcher=basic")
    assert [code for code, _ in ended] == [0, 0], [out[-2000:] for _, out in ended]
    sweeps = list((tmp_path / "outputs" / "multiruns").glob("*/*"))
    assert len(sweeps) == 2
    for sweep in sweeps:  # each sweep has its own two jobs
        assert sorted(job.name for job in sweep.iterdir() if job.is_dir()) == ["0", "1"]
        assert all((sweep / job / "done").is_file() for job in ("0", "1"))


@pytest.mark.processes
def test_runs_started_at_once_into_one_folder_never_share_it(tmp_path):
    """The same instant down to the microsecond, forced: one run takes the folder, the others
    stop with one line and write nothing into it."""
    ended = started_together(tmp_path, 4, "hydra.run.dir=same")
    assert sorted(code for code, _ in ended) == [0, 1, 1, 1], [out[-2000:] for _, out in ended]
    refusals = [out.strip() for code, out in ended if code == 1]
    assert all(": error: hydra.run.dir: same already holds files" in line for line in refusals)
    assert all(len(line.splitlines()) == 1 for line in refusals)
    assert (tmp_path / "same" / "done").is_file() and len(list(tmp_path.glob("same/*.log"))) == 1


def test_a_run_takes_no_folder_of_another_run_with_resume(trained_run, tmp_path):
    """`resume=` names another folder, or none: the folder that holds a run is refused
    (test_resume.py: a run continues its own)."""
    from omegaconf import OmegaConf

    callback = module("harness.run_folder").OneRunPerFolder()

    def config(resume):
        hydra = {"output_subdir": ".hydra", "run": {"dir": str(trained_run)}}
        return OmegaConf.create({"hydra": hydra, "resume": resume})

    for other in [None, str(tmp_path)]:
        with pytest.raises(SystemExit, match="already holds files"):
            callback.on_run_start(config(other))
