"""`resume=` continues a run as it started, or refuses with one line and changes nothing: a change
to what the run is, a folder another process writes, a config or data file that changed since
the run started, a broken record. `resume=latest` takes only runs that stopped early
(harness/resume.py, harness/contract.py, harness/run_state.py)."""

import json
import os
import shutil

import pytest
from conftest import (
    command,
    module,
    read_json,
    run_cli,
    snapshot,
    the_run_folder,
    train_signalled_after_epoch,
)

engine = module("engine")
resume = module("harness.resume")


def refusal(tmp_path, run, *args) -> str:
    """The one line that `train resume=<run> <args>` stops with; the run folder is unchanged."""
    before = snapshot(run)
    with pytest.raises(SystemExit) as refused:
        run_cli("train", f"resume={run}", *args, cwd=tmp_path)
    line = str(refused.value.code)
    assert line.startswith(f"{command('train')}: error: resume") and "\n" not in line, line
    assert snapshot(run) == before
    return line.split(": error: ", 1)[1]


@pytest.fixture
def run(trained_run, tmp_path):
    """A copy of a finished `train debug=fast` run (2 epochs) to continue."""
    return shutil.copytree(trained_run, tmp_path / "run")


@pytest.mark.parametrize(
    "change", ["data.split_seed=7", "data.test_fraction=0.5", "model=cnn", "optimizer.lr=0.1",
               "seed=3", "+model.extra=1"]
)  # fmt: skip
def test_what_the_run_is_cannot_change_on_resume(tmp_path, run, change):
    line = refusal(tmp_path, run, "trainer.max_epochs=5", change)
    key = change.split("=")[0].lstrip("+")
    assert line.startswith(f"resume: {key} would change what the run is; ")
    assert line.endswith("start a new run instead")


@pytest.mark.processes
def test_a_folder_another_process_writes_is_refused_naming_it(tmp_path, run, held):
    held(run)  # a second `resume=` of the same run, a run still training: the lock is taken
    line = refusal(tmp_path, run, "trainer.max_epochs=5")
    assert line.startswith(f"resume: {run} is being written by process ")
    assert line.endswith("; one process continues a run at a time")


@pytest.mark.slow
def test_a_config_that_changed_since_the_run_started_is_refused(tmp_path, run):
    """The model config of the run's contract differs from today's (configs/model/ edited
    since): continuing would build another model than the one the checkpoint holds."""
    contract = read_json(run / "contract.json")
    key, value = next((k, v) for k, v in contract["model"].items() if k != "_target_")
    contract["model"][key] = "another value"
    (run / "contract.json").write_text(json.dumps(contract))
    line = refusal(tmp_path, run, "trainer.max_epochs=5")
    assert line.startswith(
        f"resume: the config differs from the run's: model.{key} was 'another value', now {value!r}"
    )


@pytest.mark.slow
def test_a_schedule_over_the_epochs_cannot_stretch_to_more_epochs(tmp_path):
    """Cosine decays the rate to its end over trainer.max_epochs (its T_max); the resumed
    scheduler keeps the run's T_max, so more epochs would train at a rate of 0."""
    run_cli("train", "debug=fast", "scheduler=cosine", cwd=tmp_path)
    line = refusal(tmp_path, the_run_folder(tmp_path), "trainer.max_epochs=3")
    assert line.startswith(
        "resume: the config differs from the run's: scheduler.T_max was 2, now 3"
    )


@pytest.mark.slow
def test_a_data_file_that_changed_since_the_run_started_is_refused(tmp_path, digits_csv):
    table = tmp_path / "digits.csv"
    shutil.copy(digits_csv, table)
    run_cli("train", "debug=fast", "data=csv", f"data.path={table}", "data.input_shape=[1,8,8]",
            cwd=tmp_path)  # fmt: skip
    run = the_run_folder(tmp_path)
    table.write_text(table.read_text() + table.read_text().splitlines()[1] + "\n")  # a row more
    line = refusal(tmp_path, run, "trainer.max_epochs=5")
    assert line == (
        f"resume: {table} changed since the run read it (another sha256); a run continues on "
        "the data it started with"
    )


def test_a_broken_overrides_file_is_one_line(tmp_path, run):
    (run / ".hydra" / "overrides.yaml").write_text("- debug=fast\n  : [\n")
    line = refusal(tmp_path, run, "trainer.max_epochs=5")
    assert line.startswith(f"resume: {run / '.hydra' / 'overrides.yaml'} cannot be read (")


@pytest.mark.slow
def test_blank_lines_in_metrics_csv_are_no_epochs(tmp_path, run):
    with open(run / "metrics.csv", "a") as file:
        file.write("\n\n")
    run_cli("train", f"resume={run}", "trainer.max_epochs=3", cwd=tmp_path)
    epochs = [line.split(",")[0] for line in (run / "metrics.csv").read_text().splitlines()]
    assert epochs == ["epoch", "1", "2", "3"]


def test_latest_takes_the_newest_run_that_stopped_early_never_a_running_or_finished_one(
    trained_run, tmp_path, held
):
    def copy(name: str, state: str, age: int):
        folder = shutil.copytree(trained_run, tmp_path / "outputs" / "runs" / "d" / name)
        (folder / "state.json").write_text(json.dumps({"state": state}))
        os.utime(folder / engine.LAST_CHECKPOINT, (1e9 + age, 1e9 + age))
        return folder

    interrupted = copy("interrupted", "interrupted", age=1)
    copy("finished", "finished", age=2)
    held(copy("running", "running", age=3))
    killed = copy("killed", "running", age=0)  # says running, but nobody holds it
    assert resume.latest(tmp_path / "outputs", engine.LAST_CHECKPOINT) == interrupted
    (interrupted / "state.json").write_text(json.dumps({"state": "finished"}))
    assert resume.latest(tmp_path / "outputs", engine.LAST_CHECKPOINT) == killed


@pytest.mark.processes
def test_a_signal_after_the_last_epoch_gives_advice_that_works(trained_run, tmp_path):
    # a SIGTERM right after the last row (epoch 2 of debug=fast's 2): the training is done, the
    # test metrics and the record are not
    stopped = train_signalled_after_epoch(2, tmp_path, "debug=fast")
    assert stopped.returncode == 1, stopped.stderr[-2000:]
    folder = the_run_folder(tmp_path)
    done = engine.epochs_on_disk(folder)  # 2, or 1 where the row is written before the checkpoint
    relative = folder.relative_to(tmp_path)
    last_line = stopped.stdout.strip().splitlines()[-1]
    if done == 2:
        assert last_line.endswith(
            "interrupted by SIGTERM after the last epoch (2 of 2), before the run's results were "
            f"written; write them with: {command('train')} resume={relative}"
        )
    assert read_json(folder / "state.json")["state"] == "interrupted"
    run_cli("train", f"resume={relative}", cwd=tmp_path)  # the advice, followed
    assert read_json(folder / "state.json")["state"] == "finished"
    expected = read_json(trained_run / "metrics.json")  # the same run, never stopped
    assert read_json(folder / "metrics.json") == pytest.approx(expected)
