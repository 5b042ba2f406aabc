"""Projects as users get them: installed with pip (not editable: the configs must ship), two of
them in one shared environment, each passing its own tests and training to >= 0.95."""

import json
import os
import shutil
import signal
import subprocess

import pytest
from conftest import without_make_flags

from devtools.venv import make_venv, pip_install

# Each environment is made once, in one xdist worker: its tests share an xdist group.
# "shared" holds two projects whose commands must not collide: the default pytorch project and
# scikit-learn ones with other names; "lightning" a Lightning project with other names. Each
# launcher, search and tracker value is some project's, so their own tests run too; TensorBoard
# with scikit-learn writes its event files without torch.
PROJECTS = {
    "pytorch": ("shared", {"framework": "pytorch"}),
    "sklearn": ("shared", {"framework": "sklearn", "project_name": "Cat Classifier",
                           "package_name": "cats", "launcher": "slurm", "tracker": "mlflow"}),
    "sklearn-tensorboard": ("shared", {"framework": "sklearn", "project_name": "Board",
                                       "package_name": "board", "tracker": "tensorboard"}),
    "lightning": ("lightning", {"framework": "lightning", "project_name": "Lightning Lab",
                                "package_name": "lab", "launcher": "basic",
                                "hparam_search": "none", "tracker": "wandb"}),
}  # fmt: skip
CHECKPOINT = {"pytorch": "checkpoint.pt", "lightning": "checkpoint.ckpt", "sklearn": "model.joblib"}
FRAMEWORKS = [
    pytest.param(name, marks=pytest.mark.xdist_group(environment))
    for name, (environment, _) in PROJECTS.items()
]


@pytest.fixture(scope="session")
def environments(bake, tmp_path_factory):
    """{environment name: its bin folder}, each made (and its projects installed) on first use."""
    made = {}

    def environment(name: str):
        if name not in made:
            venv = make_venv(tmp_path_factory.mktemp(f"venv-{name}"))
            projects = [bake(**answers) for env, answers in PROJECTS.values() if env == name]
            pip_install(venv, *(f"{project}[dev]" for project in projects))
            made[name] = venv / "bin"
        return made[name]

    return environment


@pytest.fixture(scope="session", params=FRAMEWORKS)
def installed_project(request, bake, environments):
    environment, answers = PROJECTS[request.param]
    return answers["framework"], bake(**answers), environments(environment)


# What a suite may be started under and must not depend on: a CI runner (CI, no colour), a shell
# whose locale is C, nohup's ignored SIGHUP (run_suite), no terminal (TERM=dumb, output piped)
HOSTILE = {"CI": "true", "NO_COLOR": "1", "LC_ALL": "C", "LANG": "C", "TERM": "dumb"}


def ignore_sighup() -> None:  # in the child, before it runs: as `nohup` starts a command
    signal.signal(signal.SIGHUP, signal.SIG_IGN)


def test_generated_test_suite_passes(installed_project):
    """Each suite runs once, in the environment it is most likely to break in (HOSTILE, SIGHUP
    ignored): a test that depends on where it is started fails here."""
    _, project, bin_dir = installed_project
    done = subprocess.run(
        [bin_dir / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        capture_output=True,
        text=True,
        env={**without_make_flags(os.environ), **HOSTILE},
        preexec_fn=ignore_sighup,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert " passed" in done.stdout and "failed" not in done.stdout


def test_default_training_reaches_95_percent_evaluates_and_predicts(installed_project, tmp_path):
    framework, project, bin_dir = installed_project
    train = subprocess.run(
        [bin_dir / f"{project.name}-train"], cwd=tmp_path, capture_output=True, text=True
    )
    assert train.returncode == 0, train.stderr[-3000:]
    (run,) = (tmp_path / "outputs" / "runs").glob("*/*")
    assert f"Run folder: {run}" in train.stdout
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["test_acc"] >= 0.95, metrics

    checkpoint = run / CHECKPOINT[framework]
    evaluate = subprocess.run(
        [bin_dir / f"{project.name}-evaluate", f"ckpt_path={checkpoint}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert evaluate.returncode == 0, evaluate.stderr[-3000:]
    assert f"test_acc: {metrics['test_acc']:.4f}" in evaluate.stdout

    predict = subprocess.run(
        [bin_dir / f"{project.name}-predict", f"ckpt_path={checkpoint}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert predict.returncode == 0, predict.stderr[-3000:]
    # the test split of the digits (359 samples), in a folder named after the training run
    (predictions,) = (tmp_path / "outputs" / "predictions").glob("*/*/predictions.csv")
    assert predictions.parent.parent.name == f"{run.parent.name}_{run.name}"
    assert f"Predictions: {predictions} (359 rows)" in predict.stdout


@pytest.mark.xdist_group("shared")
@pytest.mark.parametrize("name", ["sklearn", "sklearn-tensorboard"])
def test_scikit_learn_training_never_imports_torch(environments, tmp_path, name):
    """The sklearn projects have no torch dependency: a run where torch cannot be imported
    trains, saves and reaches its tracker (MLflow; TensorBoard through tensorboardX)."""
    _, answers = PROJECTS[name]
    bin_dir = environments("shared")  # the project installed there
    code = (
        "import sys\n"
        "class NoTorch:  # behaves as if torch were not installed\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'torch':\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, NoTorch())\n"
        f"from {answers['package_name']}.train import main\n"
        "sys.argv = ['train', 'debug=fast']\n"
        "main()\n"
    )
    done = subprocess.run([bin_dir / "python", "-c", code], cwd=tmp_path, capture_output=True)
    assert done.returncode == 0, done.stderr[-3000:]
    (run,) = (tmp_path / "outputs" / "runs").glob("*/*")
    assert (run / "model.joblib").is_file() and (run / "summary.json").is_file()
    tracked = {
        "sklearn": tmp_path / "outputs" / "mlflow.db",
        "sklearn-tensorboard": run / "tensorboard",
    }
    assert tracked[name].exists()


def test_a_run_error_is_one_line_and_exit_status_1(installed_project, tmp_path):
    """The installed command, as a user runs it: a missing checkpoint is one line, no trace."""
    _, project, bin_dir = installed_project
    done = subprocess.run(
        [bin_dir / f"{project.name}-evaluate", "ckpt_path=missing.ckpt"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    lines = (done.stdout + done.stderr).strip().splitlines()
    assert len(lines) == 1 and f"ckpt_path: no file at {tmp_path}/missing.ckpt" in lines[0], lines


@pytest.mark.parametrize("framework", ["pytorch", "lightning", "sklearn"])
def test_make_install_installs_each_framework_into_an_existing_environment(
    bake, tmp_path, framework
):
    """`make install VENV=<yours>`, each framework's own Makefile: it neither makes the
    environment again (PYTHON cannot run) nor installs torch where one imports (TORCH names none
    that exists); it installs the project, whose four commands then run, and its dev tools."""
    baked = bake(framework=framework)
    project = shutil.copytree(baked, tmp_path / baked.name)  # pip writes there
    venv = make_venv(tmp_path / "venv")  # sees this environment's torch
    environment = without_make_flags(os.environ)
    done = subprocess.run(
        ["make", "install", f"VENV={venv}", "PYTHON=false", "TORCH=torch==0.0.0"],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert ("import torch" in done.stdout) == (framework != "sklearn")  # the check, and enough
    installed = subprocess.run(
        [venv / "bin" / "python", "-m", "pip", "show", "--files", project.name],
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr  # the project, in this environment
    for command in ("train", "evaluate", "predict", "report"):
        helped = subprocess.run(
            [venv / "bin" / f"{project.name}-{command}", "--help"], capture_output=True, text=True
        )
        assert helped.returncode == 0 and command in helped.stdout, helped.stderr[-3000:]
