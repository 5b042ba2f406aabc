"""Each framework's project as a user gets it: `pip install`, its own tests, `train`, `evaluate`."""

import json
import subprocess

import pytest

from devtools.venv import make_venv, pip_install

# One xdist group per framework: its bake, venv and install happen once, in one worker.
FRAMEWORKS = [
    pytest.param(name, marks=pytest.mark.xdist_group(name))
    for name in ("pytorch", "lightning", "sklearn")
]
CHECKPOINT = {"pytorch": "checkpoint.pt", "lightning": "checkpoint.ckpt", "sklearn": "model.joblib"}


@pytest.fixture(scope="session", params=FRAMEWORKS)
def installed_project(request, cookies_session, tmp_path_factory):
    """A bake of one framework, installed (not editable) into a fresh venv: configs must ship."""
    framework = request.param
    result = cookies_session.bake(extra_context={"framework": framework})
    assert result.exit_code == 0, result.exception
    venv = make_venv(tmp_path_factory.mktemp(f"venv-{framework}"))
    pip_install(venv, f"{result.project_path}[dev]")
    return framework, result.project_path, venv / "bin"


def test_generated_test_suite_passes(installed_project):
    _, project, bin_dir = installed_project
    done = subprocess.run(
        [bin_dir / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert " passed" in done.stdout and "failed" not in done.stdout


def test_default_training_reaches_95_percent_and_evaluates(installed_project, tmp_path):
    framework, _, bin_dir = installed_project
    train = subprocess.run([bin_dir / "train"], cwd=tmp_path, capture_output=True, text=True)
    assert train.returncode == 0, train.stderr[-3000:]
    (run,) = (tmp_path / "outputs" / "runs").glob("*/*")
    assert f"Run folder: {run}" in train.stdout
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["test_acc"] >= 0.95, metrics

    checkpoint = run / CHECKPOINT[framework]
    evaluate = subprocess.run(
        [bin_dir / "evaluate", f"ckpt_path={checkpoint}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert evaluate.returncode == 0, evaluate.stderr[-3000:]
    assert f"test_acc: {metrics['test_acc']:.4f}" in evaluate.stdout
