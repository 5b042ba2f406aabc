"""Interrupted runs continue in their own folder: a last checkpoint every epoch, SIGTERM's one
line, `resume=<run folder>` and `resume=latest` (harness/resume.py)."""

import os
import re
import shutil

import pytest
from conftest import (
    command,
    metrics_rows,
    module,
    read_json,
    run_cli,
    snapshot,
    the_run_folder,
    train_signalled_after_epoch,
)

engine = module("engine")
resume = module("harness.resume")
signals = module("harness.signals")
Interrupted = module("harness.errors").Interrupted
RunError = module("harness.errors").RunError


@pytest.mark.processes
def test_a_run_stopped_by_sigterm_continues_to_the_metrics_of_a_run_without_a_stop(tmp_path):
    settings = ["debug=fast", "trainer.max_epochs=4"]
    stopped = train_signalled_after_epoch(3, tmp_path, *settings)
    folder = the_run_folder(tmp_path)
    assert stopped.returncode == 1 and "Traceback" not in stopped.stdout + stopped.stderr
    # one line after the epochs: the signal, the last epoch on disk, the command to continue
    last_line = stopped.stdout.strip().splitlines()[-1]
    done = engine.epochs_on_disk(folder)  # 3, or 2 where the row is written before the checkpoint
    relative = folder.relative_to(tmp_path)
    assert last_line.endswith(
        f"interrupted by SIGTERM after epoch {done} of 4; "
        f"continue with: {command('train')} resume={relative}"
    )
    assert done in (2, 3) and not (folder / "metrics.json").exists()

    run_cli("train", f"resume={relative}", cwd=tmp_path)  # the command of the line
    assert f"Continuing {folder} after epoch {done} of 4" in (folder / "train.log").read_text()
    uninterrupted = tmp_path / "uninterrupted"
    uninterrupted.mkdir()
    run_cli("train", *settings, cwd=uninterrupted)
    other = the_run_folder(uninterrupted)
    assert [row["epoch"] for row in metrics_rows(folder)] == ["1", "2", "3", "4"]  # each once
    assert metrics_rows(folder) == metrics_rows(other)
    assert read_json(folder / "metrics.json") == pytest.approx(read_json(other / "metrics.json"))


def test_a_signal_before_the_first_epoch_ended_says_there_is_nothing_to_continue(tmp_path):
    with signals.StopOnSignals(tmp_path, 4, engine.epochs_on_disk) as stop:
        with pytest.raises(Interrupted, match="^interrupted by SIGTERM before epoch 1 of 4"):
            os.kill(os.getpid(), 15)
    assert stop.received == "SIGTERM"


@pytest.fixture
def sighup(request):
    """SIGHUP's disposition set for one test (the suite may start with it ignored: nohup, some
    CI runners), then put back."""
    import signal

    before = signal.getsignal(signal.SIGHUP)
    signal.signal(
        signal.SIGHUP, {"default": signal.SIG_DFL, "ignored": signal.SIG_IGN}[request.param]
    )
    yield signal.SIGHUP
    signal.signal(signal.SIGHUP, before)


@pytest.mark.parametrize("sighup", ["default"], indirect=True, ids=["SIGHUP as by default"])
def test_a_signal_waits_for_the_end_of_a_held_block_and_handlers_come_back(tmp_path, sighup):
    import signal

    before = signal.getsignal(sighup)
    written = []
    with signals.StopOnSignals(tmp_path, 4, lambda folder: 2) as stop:
        with pytest.raises(Interrupted, match=r"^interrupted by SIGHUP after epoch 2 of 4"):
            with stop.held():
                os.kill(os.getpid(), sighup)
                written.append("the whole row")
    assert written == ["the whole row"]
    assert signal.getsignal(sighup) == before


@pytest.mark.parametrize("sighup", ["ignored"], indirect=True, ids=["SIGHUP ignored (nohup)"])
def test_a_signal_someone_ignores_is_left_to_them(tmp_path, sighup):
    """Under nohup a hang-up must not stop training: an ignored SIGHUP stays ignored."""
    import signal

    with signals.StopOnSignals(tmp_path, 4, lambda folder: 2) as stop:
        os.kill(os.getpid(), sighup)  # ignored: nothing happens
        assert signal.getsignal(sighup) == signal.SIG_IGN and stop.received is None


def make_run(folder, last=True, age=0):
    (folder / ".hydra").mkdir(parents=True)
    (folder / ".hydra" / "overrides.yaml").write_text("- seed=3\n- resume=old\n")
    if last:
        (folder / engine.LAST_CHECKPOINT).write_bytes(b"checkpoint")
        os.utime(folder / engine.LAST_CHECKPOINT, (1e9 + age, 1e9 + age))
    return folder


def test_latest_is_the_run_whose_last_checkpoint_was_written_last(tmp_path):
    make_run(tmp_path / "runs" / "d" / "older", age=1)
    newest = make_run(tmp_path / "multiruns" / "d" / "t" / "0", age=5)
    make_run(tmp_path / "runs" / "d" / "newer_but_no_checkpoint", last=False)
    assert resume.latest(tmp_path, engine.LAST_CHECKPOINT) == newest
    with pytest.raises(RunError, match="^resume=latest: no run under"):
        resume.latest(tmp_path / "runs" / "d" / "older", engine.LAST_CHECKPOINT)


def test_the_continued_command_line_is_the_runs_overrides_then_the_new_ones(tmp_path):
    folder = make_run(tmp_path / "run")
    args = resume.continued(["resume=run", "trainer.max_epochs=9"], str(folder))
    quoted = resume.quoted(folder)
    assert args == ["seed=3", f"hydra.run.dir={quoted}", "trainer.max_epochs=9", f"resume={quoted}"]


@pytest.mark.parametrize("make", ["nothing", "no_checkpoint", "not_a_run"])
def test_a_folder_that_cannot_continue_is_one_line_and_nothing_is_written(tmp_path, make):
    folder = tmp_path / "run"
    if make == "no_checkpoint":
        make_run(folder, last=False)
    elif make == "not_a_run":
        folder.mkdir()
        (folder / engine.LAST_CHECKPOINT).write_bytes(b"checkpoint")
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(SystemExit) as refused:
        run_cli("train", "resume=run", cwd=tmp_path)
    message = str(refused.value.code)
    refusal = r": error: resume: (no run folder at|.* is not a run folder|.* holds no last)"
    assert message.startswith(f"{command('train')}: error: ") and re.search(refusal, message)
    assert "\n" not in message and sorted(tmp_path.rglob("*")) == before


def test_reopening_keeps_the_rows_of_the_checkpoints_epochs_and_drops_the_end_markers(tmp_path):
    (tmp_path / "metrics.csv").write_text("epoch,val_acc\n1,0.5\n2,0.6\n3,0.7\n")
    (tmp_path / "FAILED").write_text("interrupted by SIGTERM after epoch 2 of 4\n")
    resume.reopen(tmp_path, 2, 4)
    assert (tmp_path / "metrics.csv").read_text().splitlines() == [
        "epoch,val_acc",
        "1,0.5",
        "2,0.6",
    ]
    assert not (tmp_path / "FAILED").exists()
    with pytest.raises(RunError, match="trained 5 epochs already, more than trainer.max_epochs=4"):
        resume.reopen(tmp_path, 5, 4)


@pytest.mark.slow
@pytest.mark.parametrize("epochs", [[], ["trainer.max_epochs=1"]], ids=["as-many", "fewer"])
def test_continuing_a_finished_run_without_more_epochs_leaves_it_as_it_was(
    trained_run, tmp_path, epochs
):
    """Refused with one line before Hydra writes into the folder, whether it asks for the epochs
    the run trained (its own max_epochs) or fewer: the finished run keeps its results and its
    own overrides (.hydra/), and is not marked failed."""
    run = shutil.copytree(trained_run, tmp_path / "run")
    before = snapshot(run)
    with pytest.raises(SystemExit) as refused:
        run_cli("train", f"resume={run}", *epochs, cwd=tmp_path)
    message = str(refused.value.code)
    assert message.endswith(
        f"resume: {run} trained 2 epochs already; give trainer.max_epochs=<more> to train it "
        "further"
    )
    assert snapshot(run) == before


@pytest.mark.slow
def test_a_finished_run_continues_in_its_own_folder_with_more_epochs(trained_run, tmp_path):
    """The run-folder claim lets `resume=<the run folder>` take it again (harness/run_folder.py),
    and the run trains the epochs it was given more, then finishes again."""
    run = shutil.copytree(trained_run, tmp_path / "run")
    run_cli("train", f"resume={run}", "trainer.max_epochs=3", cwd=tmp_path)
    assert [row["epoch"] for row in metrics_rows(run)] == ["1", "2", "3"]
    assert read_json(run / "state.json")["state"] == "finished"
    metrics = read_json(run / "metrics.json")
    assert metrics["val_acc"] == pytest.approx(float(metrics_rows(run)[-1]["val_acc"]))


def test_the_last_checkpoint_loads_with_weights_only(trained_run):
    import torch

    state = torch.load(trained_run / engine.LAST_CHECKPOINT, weights_only=True)
    assert engine.epochs_on_disk(trained_run) == 2
    assert "epoch" in state and (trained_run / engine.CHECKPOINT).is_file()


def test_resume_must_name_the_runs_own_folder(tmp_path):
    from conftest import compose_job

    other = make_run(tmp_path / "other")
    cfg = compose_job("train", ["debug=fast", f"resume={other}"], output_dir=tmp_path / "new")
    with pytest.raises(RunError, match=r"^resume: continues a run in its own"):
        module("train").train(cfg)
