"""The command line: --help and --cfg job answer without importing torch or scikit-learn."""

import json
import os
import subprocess
import sys

import pytest
from conftest import PACKAGE, run_help

HEAVY = ["torch", "sklearn", "lightning"]


@pytest.mark.parametrize("entry_point", ["train", "evaluate"])
def test_help_lists_the_config_groups(entry_point, tmp_path):
    out = run_help(entry_point, "--help", cwd=tmp_path)
    assert f"{entry_point} ({PACKAGE}), configured with Hydra" in out
    assert "data: csv, digits" in out
    assert not (tmp_path / "outputs").exists()  # --help runs nothing


def test_cfg_job_prints_the_composed_config(tmp_path):
{%- if cookiecutter.framework == "sklearn" %}
    args = ["--cfg", "job", "--resolve", "model=random_forest", "seed=7"]
    out = run_help("train", *args, cwd=tmp_path)
    assert "_target_: sklearn.ensemble.RandomForestClassifier" in out
    assert "random_state: 7" in out
{%- else %}
    out = run_help("train", "--cfg", "job", "model=cnn", "optimizer.lr=0.01", cwd=tmp_path)
    assert "_target_: torch.optim.Adam" in out and "lr: 0.01" in out
    assert f"_target_: {PACKAGE}.models.CNN" in out
{%- endif %}


def test_cli_does_not_import_heavy_libraries(tmp_path):
    """--help, --cfg and tab completion only compose configs: they must stay instant. One
    fresh process runs them all and reports, after each, which heavy library got imported."""
    commands = [["--help"], ["--cfg", "job"], ["--cfg", "all"], ["-sc", "query=bash"]]
    probe = (
        "import json, os, sys\n"
        "os.environ['COMP_LINE'] = 'train model='  # what bash passes to a completion query\n"
        f"from {PACKAGE}.train import main\n"
        "imported = {}\n"
        f"for args in {commands!r}:\n"
        "    sys.argv = ['train', *args]\n"
        "    try:\n"
        "        main()\n"
        "    except SystemExit:\n"
        "        pass\n"
        f"    imported[' '.join(args)] = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print(json.dumps(imported))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    imported = json.loads(done.stdout.strip().splitlines()[-1])
    assert imported == {" ".join(args): [] for args in commands}


def test_tab_completion_offers_config_options(tmp_path):
    env = {**os.environ, "COMP_LINE": "train model="}
    command = [sys.executable, "-m", f"{PACKAGE}.train", "-sc", "query=bash"]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
{%- if cookiecutter.framework == "sklearn" %}
    assert {"model=logistic_regression", "model=random_forest"} <= set(done.stdout.split())
{%- else %}
    assert {"model=cnn", "model=mlp"} <= set(done.stdout.split())
{%- endif %}


def test_console_scripts_are_installed():
    from importlib.metadata import entry_points

    scripts = {ep.name: ep.value for ep in entry_points(group="console_scripts")}
    assert scripts["train"] == f"{PACKAGE}.train:main"
    assert scripts["evaluate"] == f"{PACKAGE}.evaluate:main"
