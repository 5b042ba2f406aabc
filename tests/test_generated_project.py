"""The default project as a user gets it: `pip install`, its own tests, `train`, `evaluate`."""

import json
import subprocess

import pytest
from conftest import pip_install


@pytest.fixture(scope="session")
def installed_project(default_project, project_venv):
    """The default bake, installed (not editable) into a fresh venv: configs must ship in it."""
    pip_install(project_venv, f"{default_project}[dev]")
    return default_project, project_venv / "bin"


def test_generated_test_suite_passes(installed_project):
    project, bin_dir = installed_project
    done = subprocess.run(
        [bin_dir / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert " passed" in done.stdout and "failed" not in done.stdout


def test_default_training_reaches_95_percent_and_evaluates(installed_project, tmp_path):
    _, bin_dir = installed_project
    train = subprocess.run([bin_dir / "train"], cwd=tmp_path, capture_output=True, text=True)
    assert train.returncode == 0, train.stderr[-3000:]
    (run,) = (tmp_path / "outputs" / "runs").glob("*/*")
    assert f"Run folder: {run}" in train.stdout
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["test_acc"] >= 0.95, metrics

    evaluate = subprocess.run(
        [bin_dir / "evaluate", f"ckpt_path={run}/checkpoint.pt"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert evaluate.returncode == 0, evaluate.stderr[-3000:]
    assert f"test_acc: {metrics['test_acc']:.4f}" in evaluate.stdout
