"""What every training run leaves besides its model: resolved config, summary.json, learning
curves, a quiet console when no one watches; the tracker helpers shared by every tracker."""

import os
import re
import subprocess
import sys

import pytest
from conftest import PACKAGE, compose_job, module, options, read_json, run_command
from hydra.utils import instantiate

console = module("harness.console")
curves = module("harness.curves")
record = module("harness.record")
summary = module("harness.summary")
tracking = module("harness.tracking")
RunError = module("harness.errors").RunError


def test_resolved_config_holds_values_not_interpolations(trained_run):
    import yaml

    resolved = yaml.safe_load((trained_run / record.RESOLVED_CONFIG).read_text())
    assert resolved["logger"]["_target_"].startswith(f"{PACKAGE}.harness.tracking.")
    assert "${" not in (trained_run / record.RESOLVED_CONFIG).read_text()
    assert resolved["seed"] == 42 and resolved["tags"] == ["debug"]


def test_summary_holds_the_final_metrics_seed_duration_and_versions(trained_run):
    found = read_json(trained_run / record.SUMMARY)
    assert found["metrics"] == read_json(trained_run / "metrics.json")
    assert found["seed"] == 42 and found["tags"] == ["debug"]
    assert found["run_name"] == "_".join(trained_run.parts[-2:])  # <date>_<time> of its folder
    assert 0 < found["duration_s"] < 600
    assert found["versions"]["python"] == ".".join(map(str, sys.version_info[:3]))
    assert found["versions"]["hydra-core"].startswith("1.3")  # a dependency, from the metadata
    assert found["versions"]["omegaconf"].startswith("2.")
    assert set(found["git"]) == {"commit", "dirty"}


def test_git_state_names_the_commit_and_sees_a_changed_file(tmp_path):
    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    assert summary.git_state(tmp_path) == {"commit": None, "dirty": None}  # not a repository
    git("init", "-q")
    (tmp_path / "a.py").write_text("x = 1\n")
    git("add", "a.py")
    git("-c", "user.name=t", "-c", "user.email=t@t.t", "commit", "-q", "-m", "first")
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True)
    assert summary.git_state(tmp_path) == {"commit": head.stdout.decode().strip(), "dirty": False}
    (tmp_path / "a.py").write_text("x = 2\n")
    assert summary.git_state(tmp_path)["dirty"] is True


def test_learning_curves_are_a_png_of_each_metric_per_split(trained_run, tmp_path):
    png = (trained_run / record.CURVES).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(png[16:20], "big")
    assert width == 1000  # two panels of 5 inches at 100 dpi: loss and acc
    (tmp_path / "m.csv").write_text(
        "epoch,lr,train_loss,val_loss,val_acc\n1,0.1,2.0,2.5,0.4\n2,,1.0,1.5,\n"
    )
    found = curves.curves(curves.read_rows(tmp_path / "m.csv"))
    assert found == {
        "loss": {"train": [(1.0, 2.0), (2.0, 1.0)], "val": [(1.0, 2.5), (2.0, 1.5)]},
        "acc": {"val": [(1.0, 0.4)]},  # an empty cell is a value not measured
    }


@pytest.mark.parametrize("option", options("logger"))
@pytest.mark.slow
def test_every_logger_option_is_a_tracker(option):
    """Every tracker ships as a config; its package is imported only when a run starts."""
    tracker = instantiate(compose_job("train", [f"logger={option}"]).logger)
    assert isinstance(tracker, tracking.CSV)
    assert type(tracker).__name__.lower() == option  # CSV, TensorBoard, MLflow, WandB


def test_flatten_gives_dotted_keys_and_keeps_lists():
    nested = {"a": {"b": 1, "c": {"d": "x"}}, "e": [1, 2], "f": None}
    assert tracking.flatten(nested) == {"a.b": 1, "a.c.d": "x", "e": [1, 2], "f": None}


def test_a_tracker_whose_package_is_missing_is_one_line_naming_it():
    with pytest.raises(
        RunError, match=r"^logger=x needs the not-a-pkg package: pip install not-a-pkg$"
    ):
        tracking.needs("not_a_module_anywhere", "not-a-pkg", "x")


def test_run_names_come_from_the_run_folder(tmp_path):
    root = tmp_path / "outputs"
    folder = root / "runs" / "2026-01-02" / "03-04-05-000006"
    assert record.run_names(folder, root) == ("2026-01-02_03-04-05-000006", None)
    assert record.run_names(tmp_path / "elsewhere", root) == ("elsewhere", None)


def test_progress_bars_only_at_a_terminal(monkeypatch):
    items = [1, 2, 3]
    assert not sys.stdout.isatty()  # pytest captures the output
    assert console.progress(items, "epoch 1/2") is items  # untouched: no bar, no cost
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.setenv("TERM", "dumb")  # a terminal that draws nothing: no bar either
    assert not console.interactive()
    monkeypatch.setenv("TERM", "xterm-256color")  # (the suite may run where TERM=dumb)
    monkeypatch.delenv("RANK", raising=False)
    assert console.interactive()
    assert list(console.progress(items, "epoch 1/2")) == items
    compose_job("train", ["hydra.mode=MULTIRUN"])  # a sweep job: several would draw at once
    assert not console.interactive()
    compose_job("train")
    assert console.interactive()
    monkeypatch.setenv("RANK", "1")  # another process of a multi-process run
    assert not console.interactive()


def test_the_groups_tree_lists_chosen_options_only():
    choices = {"data": "digits", "hydra/launcher": "basic", "experiment": None}
    assert console.config_tree({}, choices) == "config groups\n└── data: digits"


# the quickest command that logs: evaluate's one-line error, before any heavy import
# an error of the run (not of the config): an empty checkpoint file
EMPTY_CHECKPOINT = ("evaluate", "ckpt_path=empty.ckpt")
# a colour code: SGR with a foreground or background colour (bold and cursor moves are not)
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])(?:;[0-9;]*)?m")


@pytest.mark.processes
def test_a_piped_error_line_and_its_log_file_have_no_escape_codes(tmp_path):
    """stdout is a pipe here, as in CI: the ERROR line that a terminal shows red is plain."""
    command = [sys.executable, "-m", f"{PACKAGE}.{EMPTY_CHECKPOINT[0]}", *EMPTY_CHECKPOINT[1:]]
    (tmp_path / "empty.ckpt").touch()
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 1 and "[ERROR] - ckpt_path: " in done.stdout
    assert "\x1b" not in done.stdout + done.stderr
    (log,) = tmp_path.glob("outputs/evaluations/*/*/evaluate.log")
    assert "[ERROR] - ckpt_path: " in log.read_text() and "\x1b" not in log.read_text()


@pytest.mark.processes
def test_a_piped_training_run_has_no_escape_codes(tmp_path):
    """The whole of a run, progress bars included, as a CI log holds it."""
    out = run_command("train", "debug=fast", cwd=tmp_path)
    assert "\x1b" not in out and "Run folder: " in out
    (log,) = tmp_path.glob("outputs/runs/*/*/train.log")
    assert "\x1b" not in log.read_text()


def without_colour_settings(env) -> dict:
    return {name: value for name, value in env.items() if name not in ("NO_COLOR", "FORCE_COLOR")}


def at_a_terminal(tmp_path, env: dict) -> str:
    """The output of `evaluate ckpt_path=empty.ckpt` at a (pseudo-)terminal, as a person
    sees it; with `env`'s settings, not the colour settings of this process (CI sets NO_COLOR)."""
    import pty

    (tmp_path / "empty.ckpt").touch()
    main_fd, child_fd = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", f"{PACKAGE}.{EMPTY_CHECKPOINT[0]}", *EMPTY_CHECKPOINT[1:]],
        cwd=tmp_path,
        env={**without_colour_settings(os.environ), **env},
        stdout=child_fd,
        stderr=child_fd,
    )
    os.close(child_fd)
    chunks = []
    while True:  # read as it comes: a full terminal buffer would block the command
        try:
            chunk = os.read(main_fd, 65536)
        except OSError:  # the command closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main_fd)
    assert process.wait() == 1
    return b"".join(chunks).decode(errors="replace")


@pytest.mark.processes
def test_colours_at_a_terminal_unless_no_color(tmp_path):
    seen = at_a_terminal(tmp_path, {})
    assert COLOUR.search(seen) and "ckpt_path: " in seen  # a red ERROR line
    assert not COLOUR.search(at_a_terminal(tmp_path, {"NO_COLOR": "1"}))
