"""The path helpers give the same answers with and without chdir, and outside Hydra."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import PACKAGE, compose_job, module

paths = module("paths")
resolvers = module("harness.resolvers")

APP = textwrap.dedent(f"""
    import json, os
    import hydra
    from {PACKAGE} import paths

    @hydra.main(version_base="1.3", config_path=None)
    def main(cfg):
        print(json.dumps(dict(
            original_cwd=str(paths.original_cwd()),
            resolved=str(paths.resolve("tables/my.csv")),
            data_dir=str(paths.data_dir("data")),
            output_dir=str(paths.output_dir()),
            working_dir=os.getcwd(),
        )))

    main()
""")


@pytest.mark.parametrize("chdir", [False, True])
@pytest.mark.processes
def test_helpers_under_hydra(tmp_path, chdir):
    (tmp_path / "app.py").write_text(APP)
    run_dir = tmp_path / "run"
    done = subprocess.run(
        [sys.executable, "app.py", f"hydra.run.dir={run_dir}", f"hydra.job.chdir={chdir}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    answers = json.loads(done.stdout.strip().splitlines()[-1])
    assert answers == {
        "original_cwd": str(tmp_path),
        "resolved": str(tmp_path / "tables" / "my.csv"),
        "data_dir": str(tmp_path / "data"),
        "output_dir": str(run_dir),
        # the only difference: where Hydra left the process
        "working_dir": str(run_dir if chdir else tmp_path),
    }


def test_helpers_outside_hydra(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert paths.original_cwd() == tmp_path
    assert paths.resolve("tables/my.csv") == tmp_path / "tables" / "my.csv"
    assert paths.resolve("/abs/file.csv").as_posix() == "/abs/file.csv"
    assert paths.resolve("~/file.csv") == Path.home() / "file.csv"
    assert paths.data_dir() == tmp_path / "data"
    assert paths.output_dir() == tmp_path


@pytest.mark.slow
def test_original_cwd_is_the_launch_directory_after_chdir(tmp_path, monkeypatch):
    """In a run with hydra.job.chdir=true the process has moved into the run folder."""
    monkeypatch.chdir(tmp_path)
    compose_job("train", output_dir=tmp_path / "run")
    (tmp_path / "run").mkdir()
    monkeypatch.chdir(tmp_path / "run")
    assert paths.original_cwd() == tmp_path
    assert paths.resolve("data/x.csv") == tmp_path / "data" / "x.csv"
    assert paths.output_dir() == tmp_path / "run"


def test_a_missing_input_file_is_named_by_its_config_key(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "here.csv").write_text("x\n")
    assert paths.existing_file("here.csv", "data.path") == tmp_path / "here.csv"
    RunError = module("harness.errors").RunError
    with pytest.raises(RunError, match=r"^ckpt_path: no file at .*missing\.pt"):
        paths.existing_file("missing.pt", "ckpt_path")


LAUNCH = "/home/ada/project"  # where a command was launched, in the examples below


@pytest.mark.parametrize(
    ("ckpt_path", "output_root", "name"),
    [
        # a training run, a sweep's job: the run folder's path below the output root
        (
            "outputs/runs/2026-11-30/21-44-12-123456/checkpoint.pt",
            "outputs",
            "2026-11-30_21-44-12-123456",
        ),
        (
            "outputs/multiruns/2026-11-30/21-44-12-123456/3/c.pt",
            "outputs",
            "multiruns_2026-11-30_21-44-12-123456_3",
        ),
        # the same folders given another way: absolute, through `..`, the root moved
        (
            "/home/ada/project/outputs/runs/2026-11-30/21-44-12/c.pt",
            "outputs",
            "2026-11-30_21-44-12",
        ),
        ("../project/outputs/runs/d/t/c.pt", "outputs", "d_t"),
        ("/scratch/runs/d/t/c.pt", "/scratch", "d_t"),
        ("~/project/outputs/runs/d/t/c.pt", "/scratch", "t"),
        # anywhere else: the checkpoint's folder
        ("models/best/checkpoint.pt", "outputs", "best"),
        ("outputs/checkpoint.pt", "outputs", "outputs"),
        ("checkpoint.pt", "outputs", "project"),
        ("/checkpoint.pt", "outputs", "checkpoint"),
        # one safe folder name, whatever the folder's
        ("/models/best run: v2!/c.pt", "outputs", "best_run__v2_"),
        ("/models/..hidden/c.pt", "outputs", "hidden"),
        ("/models/-x\nrm -rf/c.pt", "outputs", "x_rm_-rf"),
        ("/models/modèle/c.pt", "outputs", "mod_le"),
        (f"/models/{'a' * 300}/c.pt", "outputs", "a" * 100),
        ("/models/.../c.pt", "outputs", "checkpoint"),
        (None, "outputs", "no_checkpoint"),  # ckpt_path not given: the command stops
    ],
)
def test_checkpoint_run_names_the_training_run_of_a_checkpoint(ckpt_path, output_root, name):
    assert resolvers.checkpoint_run(ckpt_path, output_root, LAUNCH) == name
