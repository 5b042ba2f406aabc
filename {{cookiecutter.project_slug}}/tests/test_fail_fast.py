"""A wrong config stops a command before anything is imported, read or written: one line naming
the key, exit status 1, no run folder (config_schemas.py, errors.py)."""

import json
import os
import subprocess
import sys

import pytest
from conftest import PACKAGE, command, module, run_cli

config_schemas = module("harness.config_schemas")


def refusal(tmp_path, capfd, entry_point: str, *overrides: str, expect_files=()) -> str:
    """The one line that `entry_point` stops with, run in this process; nothing is written
    besides `expect_files`, made before."""
    with pytest.raises(SystemExit) as stopped:
        run_cli(entry_point, *overrides, cwd=tmp_path)
    captured = capfd.readouterr()
    # a line printed then exit status 1, or the line as the exit's message (a Hydra callback's)
    if stopped.value.code == 1:
        lines = (captured.out + captured.err).strip().splitlines()
    else:
        assert isinstance(stopped.value.code, str) and not (captured.out + captured.err).strip()
        lines = stopped.value.code.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{command(entry_point)}: error: ")
    written = sorted(path.name for path in tmp_path.iterdir())
    assert written == sorted(expect_files), "the command wrote something"
    return lines[0].split(": error: ", 1)[1]


@pytest.mark.parametrize(
    ("overrides", "line"),
    [
        (["seed=1.5"], "seed: 1.5 is not an integer"),
        (["seed=abc"], "seed: 'abc' is not an integer"),
        # numpy (and every library that seeds from it) takes seeds from 0 to 2**32 - 1
        (["seed=-1"], "seed: -1 is out of range: it must be in [0, 4294967295]"),
        (["seed=4294967296"], "seed: 4294967296 is out of range: it must be in [0, 4294967295]"),
        (["data.split_seed=4294967296"], "data.split_seed: 4294967296 is out of range: it must"),
        (["data.val_fraction=1.5"], "data.val_fraction: 1.5 is out of range: it must be in (0, 1)"),
        (["data.test_fraction=0"], "data.test_fraction: 0.0 is out of range: it must be in (0, 1)"),
        (["data.limit=0"], "data.limit: 0 is out of range: it must be >= 1"),
        (["data.split_seed=x"], "data.split_seed: Value 'x' of type 'str' could not be converted"),
        (["data.batch_size=0"], "data.batch_size: no such key; the keys here: _target_, "),
        (["data=csv", "data.path=???"], "data.path: no value given (it is ???): add data.path="),
        (["model=nope"], "In 'train': Could not find 'model/nope' Available options in 'model':"),
        (["seed=[1"], "no viable alternative at input '[1'"),
    ],
)
@pytest.mark.slow
def test_a_wrong_value_is_one_line_naming_its_key_and_nothing_is_written(
    tmp_path, capfd, overrides, line
):
    assert refusal(tmp_path, capfd, "train", *overrides).startswith(line)


@pytest.mark.parametrize("path", ["missing.csv", "/no/such/folder/missing.csv"])
@pytest.mark.slow
def test_a_missing_file_is_named_with_its_absolute_path_and_where_it_was_resolved_from(
    tmp_path, capfd, path
):
    line = refusal(tmp_path, capfd, "train", "data=csv", f"data.path={path}")
    if os.path.isabs(path):
        assert line == f"data.path: no file at {path}"
    else:
        where = f"'{path}' is taken from the launch directory {tmp_path}"
        assert line == f"data.path: no file at {tmp_path / path} ({where})"


@pytest.mark.parametrize("entry_point", ["evaluate", "predict"])
@pytest.mark.slow
def test_a_missing_checkpoint_stops_evaluate_and_predict_before_they_start(
    tmp_path, capfd, entry_point
):
    assert refusal(tmp_path, capfd, entry_point).startswith("ckpt_path: no value given")
    line = refusal(tmp_path, capfd, entry_point, "ckpt_path=gone.ckpt")
    assert line.startswith(f"ckpt_path: no file at {tmp_path / 'gone.ckpt'} ")


@pytest.mark.slow
def test_an_output_folder_that_cannot_be_made_is_named_with_the_reason(tmp_path, capfd):
    """A file where a folder should be: the same as a read-only disk, also for root."""
    (tmp_path / "a_file").write_text("not a folder\n")
    with pytest.raises(SystemExit) as stopped:
        run_cli("train", f"paths.output_root={tmp_path / 'a_file'}", cwd=tmp_path)
    line = str(stopped.value.code)
    where = tmp_path / "a_file" / "runs"
    assert line.startswith(f"{command('train')}: error: hydra.run.dir: cannot make {where}")
    assert line.endswith(": Not a directory") and "\n" not in line
    assert [path.name for path in tmp_path.iterdir()] == ["a_file"]


@pytest.mark.slow
def test_without_hydras_files_the_folder_that_cannot_be_made_is_one_line_too(tmp_path, capfd):
    """hydra.output_subdir=null: no .hydra/, but the run folder is claimed all the same."""
    (tmp_path / "a_file").write_text("not a folder\n")
    overrides = ["hydra.output_subdir=null", "paths.output_root=a_file"]
    line = refusal(tmp_path, capfd, "train", *overrides, expect_files=["a_file"])
    assert line.startswith("hydra.run.dir: cannot make a_file/runs/")
    assert line.endswith(": Not a directory")


@pytest.mark.parametrize(("root", "given"), [("", "it is empty"), ("/", "'/' is the root")])
@pytest.mark.slow
def test_an_output_root_at_the_root_of_the_file_system_is_refused(tmp_path, capfd, root, given):
    """`paths.output_root=` would put the run folders in /runs, `paths.output_root=/` too."""
    line = refusal(tmp_path, capfd, "train", f"paths.output_root={root}")
    assert line == (
        f"paths.output_root: {given}{' of the file system' if root else ''}, so run folders "
        "would land in /runs; give a folder, e.g. paths.output_root=outputs"
    )


def test_a_sweep_with_cfg_job_is_one_line(tmp_path, capfd):
    """Hydra takes one mode at a time: -m does not go with --cfg."""
    line = refusal(tmp_path, capfd, "train", "-m", "--cfg", "job", "seed=1,2")
    assert line == (
        "give only one of -m (--multirun), --cfg, --info and --shell-completion; for the "
        "config of a sweep's job, leave out -m and give one value per key"
    )


# metrics.json rewritten, a new file written, a row appended to metrics.csv: each too large
WRITES_TOO_LARGE = """
import importlib, json, resource, sys
from pathlib import Path

folder, package = Path(sys.argv[1]), sys.argv[2]
results = importlib.import_module(package + ".harness.results")
RunError = importlib.import_module(package + ".harness.errors").RunError
(folder / "metrics.json").write_text("the previous file")
results.append_row(folder / "metrics.csv", dict(epoch=1, val_acc=0.5))
before = (folder / "metrics.csv").read_text()
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))  # no file over 4 KiB: EFBIG
said = []
for write in (
    lambda: results.write_atomically(folder / "metrics.json", lambda f: f.write_text("x" * 9999)),
    lambda: results.write_atomically(folder / "new.json", lambda f: f.write_text("x" * 9999)),
    lambda: results.append_row(folder / "metrics.csv", dict(epoch="2" * 9999, val_acc=0.6)),
):
    try:
        write()
    except RunError as error:
        said.append(str(error))
print(json.dumps([said, (folder / "metrics.csv").read_text() == before]))
"""


def test_a_write_that_fails_is_one_line_naming_the_file_and_leaves_no_half_file(tmp_path):
    """A full disk or a file too large (RLIMIT_FSIZE: Python ignores SIGXFSZ, so the write
    fails with EFBIG): the reason the OS gives, the file as it was before, no .partial file."""
    done = subprocess.run(
        [sys.executable, "-c", WRITES_TOO_LARGE, str(tmp_path), PACKAGE],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    said, csv_as_before = json.loads(done.stdout)
    names = ["metrics.json", "new.json", "metrics.csv"]
    assert said == [f"{tmp_path / name}: cannot write it: File too large" for name in names]
    assert csv_as_before  # not half a row
    assert (tmp_path / "metrics.json").read_text() == "the previous file"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["metrics.csv", "metrics.json"]


@pytest.mark.slow
def test_a_sweep_with_a_wrong_shared_value_makes_no_sweep_folder(tmp_path, capfd):
    line = refusal(tmp_path, capfd, "train", "-m", "seed=1,2", "data.limit=-1")
    assert line == "data.limit: -1 is out of range: it must be >= 1"


@pytest.mark.processes
def test_the_real_command_prints_one_line_and_exits_1(tmp_path):
    """As a user runs it: a new process, its stdout and stderr together."""
    for overrides in (["data.val_fraction=2"], ["data.val_fraction=abc"]):
        done = subprocess.run(
            [sys.executable, "-m", f"{PACKAGE}.train", *overrides],
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 1
        lines = (done.stdout + done.stderr).strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("train.py: error: data.val_fraction: ")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.processes
def test_the_full_trace_is_there_when_asked_for(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", f"{PACKAGE}.train", "data.val_fraction=abc"],
        cwd=tmp_path,
        env={**os.environ, "HYDRA_FULL_ERROR": "1"},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1 and "Traceback (most recent call last)" in done.stderr
    assert "ValidationError" in done.stderr


def test_ranges_hold_their_bounds():
    fraction = config_schemas.Range(0, 1, open_low=True, open_high=True)
    assert [fraction.holds(v) for v in (0, 1e-9, 0.5, 1 - 1e-9, 1)] == [0, 1, 1, 1, 0]
    assert not fraction.holds(float("nan")) and str(fraction) == "in (0, 1)"
    at_least_one = config_schemas.Range(1)
    assert [at_least_one.holds(v) for v in (0, 1, 10**9)] == [0, 1, 1]
    assert not at_least_one.holds(float("inf")) and str(at_least_one) == ">= 1"
    assert str(config_schemas.Range(0, open_low=True)) == "> 0"
