"""Shared fixtures: the config package, a CSV copy of the digits, and one real training run."""

import importlib
import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
from hydra import compose, initialize_config_module
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, open_dict

PACKAGE = "{{ cookiecutter.package_name }}"
CONFIGS = resources.files(f"{PACKAGE}.configs")
# what `train` saves in its run folder and `evaluate ckpt_path=...` reads
{%- if cookiecutter.framework == "pytorch" %}
CHECKPOINT = "checkpoint.pt"
{%- elif cookiecutter.framework == "lightning" %}
CHECKPOINT = "checkpoint.ckpt"
{%- else %}
CHECKPOINT = "model.joblib"
{%- endif %}


@pytest.fixture(autouse=True)
def no_hydra_run_left():
    """Each test starts outside any Hydra run, whatever the previous test ran in-process."""
    yield
    HydraConfig.instance().cfg = None


def compose_job(config_name: str, overrides=(), output_dir: Path | None = None) -> DictConfig:
    """The config a `train`/`evaluate` job receives, composed without running the job. Hydra's
    own settings are set up as in a run, so `${hydra:runtime.output_dir}` resolves."""
    with initialize_config_module(f"{PACKAGE}.configs", version_base="1.3"):
        cfg = compose(config_name, overrides=list(overrides), return_hydra_config=True)
    cfg.hydra.runtime.output_dir = str(output_dir or Path.cwd())
    HydraConfig.instance().set_config(cfg)
    with open_dict(cfg):
        del cfg["hydra"]
    return cfg


def run_cli(entry_point: str, *args: str, cwd: Path) -> None:
    """Run `train` or `evaluate` as its console script does (argv, working directory, main()),
    but inside this process: the heavy libraries are imported once for the whole suite."""
    main = importlib.import_module(f"{PACKAGE}.{entry_point}").main
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        patch.setattr(sys, "argv", [entry_point, *args])
        main()  # Hydra turns an exception into SystemExit(1), which fails the test


def the_run_folder(launch_dir: Path) -> Path:
    """The single run folder under a launch directory that saw one `train` or `evaluate`."""
    (run,) = (launch_dir / "outputs" / "runs").glob("*/*")
    return run


def run_help(entry_point: str, *args: str, cwd: Path) -> str:
    """The output of a command that only composes configs (--help, --cfg), in a new process."""
    done = subprocess.run(
        [sys.executable, "-m", f"{PACKAGE}.{entry_point}", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.fixture(scope="session")
def digits_csv(tmp_path_factory) -> Path:
    """The digits data set as a CSV file with a `label` column."""
    import numpy as np
    from sklearn.datasets import load_digits

    digits = load_digits()
    path = tmp_path_factory.mktemp("data") / "digits.csv"
    header = ",".join([f"pixel{i}" for i in range(64)] + ["label"])
    np.savetxt(
        path, np.c_[digits.data, digits.target], delimiter=",", header=header, comments="", fmt="%g"
    )
    return path


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory) -> Path:
    """One short `train debug=fast` run, launched from a fresh directory; its run folder."""
    launch = tmp_path_factory.mktemp("launch")
    run_cli("train", "debug=fast", cwd=launch)
    return the_run_folder(launch)


def read_json(path: Path) -> dict:
    return json.loads(path.read_text())
