"""The command line: --help and --cfg job answer without importing torch or scikit-learn."""

import json
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


@pytest.mark.parametrize("args", [["--help"], ["--cfg", "job"], ["--cfg", "all"]])
def test_cli_does_not_import_heavy_libraries(args, tmp_path):
    probe = (
        "import json, sys\n"
        f"sys.argv = ['train', *{args!r}]\n"
        f"from {PACKAGE}.train import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_console_scripts_are_installed():
    from importlib.metadata import entry_points

    scripts = {ep.name: ep.value for ep in entry_points(group="console_scripts")}
    assert scripts["train"] == f"{PACKAGE}.train:main"
    assert scripts["evaluate"] == f"{PACKAGE}.evaluate:main"
