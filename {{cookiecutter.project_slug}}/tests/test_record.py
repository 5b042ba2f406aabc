"""What every training run leaves besides its model: resolved config, summary.json, learning
curves, a quiet console when no one watches; the tracker helpers shared by every tracker."""

import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
from importlib import metadata

import pytest
from conftest import (
    DISTRIBUTION,
    PACKAGE,
    command,
    compose_job,
    module,
    options,
    read_json,
    run_cli,
    run_command,
    the_run_folder,
)
from hydra.utils import instantiate

console = module("harness.console")
curves = module("harness.curves")
provenance = module("harness.provenance")
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
    assert set(found["git"]) == {"commit", "dirty", "patch"}


def git(folder, *args) -> str:
    done = subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def test_git_state_names_the_commit_and_sees_a_changed_file(tmp_path):
    assert provenance.git_state(tmp_path) == {"commit": None, "dirty": None}  # no repository
    git(tmp_path, "init", "-q")
    (tmp_path / "a.py").write_text("x = 1\n")
    git(tmp_path, "add", "a.py")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t.t", "commit", "-q", "-m", "first")
    head = git(tmp_path, "rev-parse", "HEAD")
    assert provenance.git_state(tmp_path) == {"commit": head, "dirty": False}
    (tmp_path / "a.py").write_text("x = 2\n")
    assert provenance.git_state(tmp_path)["dirty"] is True


def test_changed_code_is_a_patch_that_git_apply_puts_back(tmp_path):
    """A project in git whose files changed since its commit: code.patch, applied to a clean
    checkout of that commit, gives the changed files back byte for byte (the binary one too);
    clean code has no patch. The lockfile's hash is that of its bytes."""
    project, out = tmp_path / "project", tmp_path / "run"
    package = project / "src" / "pkg"
    package.mkdir(parents=True)
    out.mkdir()
    (package / "model.py").write_text("width = 64\n")
    (project / "data.bin").write_bytes(bytes(range(256)))
    (package / "latin.py").write_text("# cafe\n")
    (project / "uv.lock").write_text("version = 1\n")
    git(project, "init", "-q")
    git(project, "add", ".")
    git(project, "-c", "user.name=t", "-c", "user.email=t@t.t", "commit", "-q", "-m", "first")
    clean = provenance.record_start(out, package)
    assert clean["git"]["dirty"] is False and clean["git"]["patch"] is None
    assert not (out / provenance.PATCH).exists()
    lock = hashlib.sha256(b"version = 1\n").hexdigest()
    assert clean["environment"]["lockfile"] == {"file": "uv.lock", "sha256": lock}

    (package / "model.py").write_text("width = 128\n")
    (project / "data.bin").write_bytes(bytes(reversed(range(256))))
    (package / "latin.py").write_bytes("# caf\u00e9\n".encode("latin-1"))  # not UTF-8
    changed = {path: path.read_bytes() for path in (package / "model.py", project / "data.bin",
                                                    package / "latin.py")}  # fmt: skip
    found = provenance.record_start(out, package)
    assert found["git"] == {"commit": git(project, "rev-parse", "HEAD"), "dirty": True,
                            "patch": provenance.PATCH}  # fmt: skip
    git(project, "checkout", "-q", "--", ".")  # the commit's files again
    assert (package / "model.py").read_text() == "width = 64\n"
    git(project, "apply", str(out / provenance.PATCH))
    assert {path: path.read_bytes() for path in changed} == changed


@pytest.mark.slow
def test_environment_txt_is_what_pip_lists(trained_run):
    """Every distribution pip lists, at pip's version, and the count in summary.json."""
    listed = subprocess.run(
        [sys.executable, "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip

    def normalized(name: str) -> str:  # PEP 503, as pip compares names
        return re.sub(r"[-_.]+", "-", name).lower()

    pip = {normalized(item["name"]): item["version"] for item in json.loads(listed.stdout)}
    lines = (trained_run / provenance.ENVIRONMENT).read_text().splitlines()
    names = [line.split("==")[0] for line in lines]
    assert names == sorted(names)  # (by name, as pip freeze lists them)
    assert dict(line.split("==") for line in lines) == pip
    assert f"{normalized(DISTRIBUTION)}=={metadata.version(DISTRIBUTION)}" in lines
    found = read_json(trained_run / record.SUMMARY)
    assert found["environment"]["distributions"] == len(lines)
    assert found["environment"]["file"] == provenance.ENVIRONMENT


def test_summary_names_the_machine(trained_run):
    machine = read_json(trained_run / record.SUMMARY)["machine"]
    assert machine["cpu_count"] == os.cpu_count() and machine["cpu"]


@pytest.mark.slow
def test_the_command_summary_json_gives_makes_the_run_again(trained_run, tmp_path):
    """Run as summary.json says, from another folder: the same metrics."""
    reproduce = read_json(trained_run / record.SUMMARY)["reproduce"]
    assert reproduce["command"] == f"{command('train')} debug=fast"
    run_cli("train", *shlex.split(reproduce["command"])[1:], cwd=tmp_path)
    again = read_json(the_run_folder(tmp_path) / "metrics.json")
    assert again == read_json(trained_run / "metrics.json")


def test_reproduce_checks_out_the_commit_and_applies_the_patch():
    changed = {"commit": "abc123", "dirty": True, "patch": provenance.PATCH}
    assert provenance.reproduce("x-train", ["seed=3", "tags=[a, b]"], changed) == {
        "command": "x-train seed=3 'tags=[a, b]'",
        "code": "git checkout abc123 && git apply <run folder>/code.patch",
    }
    clean = {"commit": "abc123", "dirty": False, "patch": None}
    assert provenance.reproduce("x-train", [], clean)["code"] == "git checkout abc123"
    assert "code" not in provenance.reproduce("x-train", [], {"commit": None, "patch": None})


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
