"""Baking the template: the exact files of every answer, rendered and parseable, ruff-clean."""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, load_hook, project_files

from devtools.compat import tomllib


def base_files(pkg: str = "my_project") -> set[str]:
    """What every project gets, whatever the answers. Written out by hand, on purpose: a new
    template file must be added here, and a file the hook loses shows up as missing."""
    src = f"src/{pkg}"
    return {
        ".gitignore",
        "Makefile",
        "README.md",
        "data/README.md",
        "pyproject.toml",
        f"{src}/__init__.py",
        f"{src}/data.py",
        f"{src}/paths.py",
        f"{src}/harness/__init__.py",
        f"{src}/harness/README.md",
        f"{src}/harness/config_schemas.py",
        f"{src}/harness/console.py",
        f"{src}/harness/contract.py",
        f"{src}/harness/curves.py",
        f"{src}/harness/errors.py",
        f"{src}/harness/features.py",
        f"{src}/harness/record.py",
        f"{src}/harness/report.py",
        f"{src}/harness/resolvers.py",
        f"{src}/harness/results.py",
        f"{src}/harness/resume.py",
        f"{src}/harness/run_folder.py",
        f"{src}/harness/run_state.py",
        f"{src}/harness/signals.py",
        f"{src}/harness/provenance.py",
        f"{src}/harness/summary.py",
        f"{src}/harness/sweep.py",
        f"{src}/harness/tables.py",
        f"{src}/harness/targets.py",
        f"{src}/harness/tracking.py",
        f"{src}/configs/__init__.py",
        f"{src}/configs/data/csv.yaml",
        f"{src}/configs/data/digits.yaml",
        f"{src}/configs/hydra/default.yaml",
        f"{src}/configs/hydra/evaluate.yaml",
        f"{src}/configs/hydra/predict.yaml",
        f"{src}/configs/local/README.md",
        f"{src}/configs/logger/csv.yaml",
        f"{src}/configs/logger/mlflow.yaml",
        f"{src}/configs/logger/tensorboard.yaml",
        f"{src}/configs/logger/wandb.yaml",
        f"{src}/configs/paths/default.yaml",
        "tests/conftest.py",
        "tests/test_cli.py",
        "tests/test_configs.py",
        "tests/test_data.py",
        "tests/test_fail_fast.py",
        "tests/test_paths.py",
        "tests/test_predict.py",
        "tests/test_predict_oracles.py",
        "tests/test_record.py",
        "tests/test_report.py",
        "tests/test_results.py",
        "tests/test_run.py",
        "tests/test_run_contract.py",
    }


def framework_files(framework: str, pkg: str = "my_project") -> set[str]:
    """The files each framework adds to base_files(), by hand."""
    src = f"src/{pkg}"
    torch = {
        f"{src}/models.py",
        f"{src}/harness/checkpoints.py",
        f"{src}/loaders.py",
        f"{src}/harness/torch_schemas.py",
        f"{src}/harness/devices.py",
        f"{src}/harness/gpu_check.py",
        f"{src}/configs/model/mlp.yaml",
        f"{src}/configs/model/cnn.yaml",
        f"{src}/configs/optimizer/adam.yaml",
        f"{src}/configs/optimizer/sgd.yaml",
        f"{src}/configs/scheduler/none.yaml",
        f"{src}/configs/scheduler/cosine.yaml",
        f"{src}/configs/loader/default.yaml",
        f"{src}/configs/data_model/digits_cnn.yaml",
        f"{src}/configs/experiment/cnn_cosine.yaml",
        f"{src}/configs/debug/fast.yaml",
        f"{src}/configs/debug/overfit.yaml",
        f"{src}/configs/debug/limit.yaml",
        f"{src}/configs/debug/profile.yaml",
        "tests/test_checkpoints.py",
        "tests/test_training_options.py",  # the same keys in both torch frameworks
        "tests/test_debug_profiles.py",
        "tests/test_loaders.py",
        "tests/test_resume.py",
        "tests/test_resume_refusals.py",
        "tests/fake_gpus.py",
        "tests/test_models.py",
        "tests/test_schemas.py",
        "tests/test_distributed.py",  # torchrun (pytorch) or trainer=ddp (lightning)
        "tests/test_devices.py",  # trainer.device (pytorch) or trainer.accelerator (lightning)
        "tests/torch_oracles.py",
    }
    own = {
        f"{src}/train.py",
        f"{src}/evaluate.py",
        f"{src}/predict.py",
        f"{src}/engine.py",
        f"{src}/schemas.py",
        f"{src}/configs/train.yaml",
        f"{src}/configs/eval.yaml",
        f"{src}/configs/predict.yaml",
        "tests/test_engine.py",
    }
    if framework == "pytorch":
        return (
            torch
            | own
            | {
                f"{src}/configs/trainer/default.yaml",
                f"{src}/harness/distributed.py",
                f"{src}/harness/steps.py",
                f"{src}/harness/early_stopping.py",
                f"{src}/harness/profiling.py",
                "tests/test_oracles.py",
                "tests/test_steps.py",
            }
        )
    if framework == "lightning":
        return (
            torch
            | own
            | {
                f"{src}/lit_module.py",
                f"{src}/datamodule.py",
                f"{src}/harness/callbacks.py",
                f"{src}/configs/trainer/cpu.yaml",
                f"{src}/configs/trainer/gpu.yaml",
                f"{src}/configs/trainer/ddp.yaml",
                f"{src}/configs/callbacks/default.yaml",
                f"{src}/configs/callbacks/model_checkpoint.yaml",
                f"{src}/configs/callbacks/early_stopping.yaml",
                f"{src}/configs/callbacks/progress_bar.yaml",
                f"{src}/configs/callbacks/none.yaml",
                "tests/test_oracles.py",
            }
        )
    assert framework == "sklearn"
    return own | {
        f"{src}/models.py",
        f"{src}/configs/model/logistic_regression.yaml",
        f"{src}/configs/model/random_forest.yaml",
        f"{src}/configs/experiment/big_forest.yaml",
        f"{src}/configs/debug/fast.yaml",
        "tests/test_oracles.py",
    }


LICENSE_FILES = {"MIT": {"LICENSE"}, "BSD-3-Clause": {"LICENSE"}, "Apache-2.0": {"LICENSE"}}
LICENSE_FILES |= {"GPL-3.0-only": {"LICENSE"}, "none": set()}


def launcher_files(launcher: str, pkg: str = "my_project") -> set[str]:
    """The files each launcher adds, by hand: a test of its sweeps; SLURM its config."""
    if launcher == "basic":
        return set()
    if launcher == "joblib":
        return {"tests/test_launcher.py", f"src/{pkg}/configs/hydra/launcher/parallel.yaml"}
    assert launcher == "slurm"
    return {
        "tests/test_launcher.py",
        f"src/{pkg}/configs/hydra/launcher/slurm.yaml",
        f"src/{pkg}/harness/requeue.py",
    }


def search_files(hparam_search: str, pkg: str = "my_project") -> set[str]:
    """What the Optuna search adds, by hand: its config, its study's check and its test."""
    if hparam_search == "none":
        return set()
    assert hparam_search == "optuna"
    return {
        f"src/{pkg}/configs/hparams_search/optuna.yaml",
        f"src/{pkg}/harness/study.py",
        "tests/test_hparams_search.py",
    }


TRACKERS = ["csv", "tensorboard", "mlflow", "wandb"]


def tracker_files(tracker: str) -> set[str]:
    """What each tracker adds, by hand: a test that reads its runs back (every logger config
    ships with every project)."""
    assert tracker in TRACKERS
    return {"tests/test_tracker.py"}


# What each tooling answer adds, by hand: GitHub's workflow calls tests.yml (copied unrendered,
# so its ${{ }} expressions survive); GitLab has one file; Docker its build context's filter.
CI_FILES = {
    "github": {".github/workflows/ci.yml", ".github/workflows/tests.yml"},
    "gitlab": {".gitlab-ci.yml"},
    "none": set(),
}
PRE_COMMIT_FILES = {True: {".pre-commit-config.yaml"}, False: set()}
DOCKER_FILES = {True: {"Dockerfile", ".dockerignore"}, False: set()}


def expected_files(
    framework="pytorch",
    license="MIT",
    pkg="my_project",
    launcher="joblib",
    search="optuna",
    tracker="csv",
    ci="github",
    pre_commit=True,
    docker=False,
) -> set[str]:
    return (
        base_files(pkg)
        | framework_files(framework, pkg)
        | LICENSE_FILES[license]
        | launcher_files(launcher, pkg)
        | search_files(search, pkg)
        | tracker_files(tracker)
        | CI_FILES[ci]
        | PRE_COMMIT_FILES[pre_commit]
        | DOCKER_FILES[docker]
    )


def test_default_bake_has_exactly_the_expected_files(default_project):
    assert default_project.name == "my-project"
    assert project_files(default_project) == expected_files()


@pytest.mark.parametrize("framework", ["pytorch", "lightning", "sklearn"])
def test_every_framework_gives_exactly_its_files(bake, framework):
    assert project_files(bake(framework=framework)) == expected_files(framework)


@pytest.mark.parametrize("license", ["MIT", "BSD-3-Clause", "Apache-2.0", "GPL-3.0-only", "none"])
def test_every_license_gives_exactly_its_files(bake, license):
    assert project_files(bake(license=license)) == expected_files(license=license)


@pytest.mark.parametrize("launcher", ["joblib", "slurm", "basic"])
def test_every_launcher_gives_exactly_its_files(bake, launcher):
    assert project_files(bake(launcher=launcher)) == expected_files(launcher=launcher)


@pytest.mark.parametrize("search", ["optuna", "none"])
def test_every_search_value_gives_exactly_its_files(bake, search):
    assert project_files(bake(hparam_search=search)) == expected_files(search=search)


@pytest.mark.parametrize("tracker", TRACKERS)
def test_every_tracker_gives_exactly_its_files(bake, tracker):
    assert project_files(bake(tracker=tracker)) == expected_files(tracker=tracker)


@pytest.mark.parametrize("ci", ["github", "gitlab", "none"])
def test_every_ci_value_gives_exactly_its_files(bake, ci):
    assert project_files(bake(ci=ci)) == expected_files(ci=ci)


@pytest.mark.parametrize("pre_commit", [True, False])
def test_pre_commit_yes_and_no_give_exactly_their_files(bake, pre_commit):
    assert project_files(bake(pre_commit=pre_commit)) == expected_files(pre_commit=pre_commit)


@pytest.mark.parametrize("docker", [True, False])
def test_docker_yes_and_no_give_exactly_their_files(bake, docker):
    assert project_files(bake(docker=docker)) == expected_files(docker=docker)


@pytest.mark.parametrize(
    ("framework", "ci", "pre_commit", "docker"),
    [("sklearn", "gitlab", False, True), ("lightning", "none", True, True)],
)
def test_framework_and_tooling_give_exactly_their_files(bake, framework, ci, pre_commit, docker):
    project = bake(framework=framework, ci=ci, pre_commit=pre_commit, docker=docker)
    tooling = {"ci": ci, "pre_commit": pre_commit, "docker": docker}
    assert project_files(project) == expected_files(framework, **tooling)


@pytest.mark.parametrize(
    ("framework", "tracker"), [("sklearn", "tensorboard"), ("lightning", "wandb")]
)
def test_framework_and_tracker_pairs_give_exactly_their_files(bake, framework, tracker):
    project = bake(framework=framework, tracker=tracker)
    assert project_files(project) == expected_files(framework, tracker=tracker)


@pytest.mark.parametrize(("framework", "search"), [("sklearn", "optuna"), ("lightning", "none")])
def test_framework_and_search_pairs_give_exactly_their_files(bake, framework, search):
    project = bake(framework=framework, hparam_search=search)
    assert project_files(project) == expected_files(framework, search=search)


@pytest.mark.parametrize(("framework", "launcher"), [("sklearn", "slurm"), ("lightning", "basic")])
def test_framework_and_launcher_pairs_give_exactly_their_files(bake, framework, launcher):
    project = bake(framework=framework, launcher=launcher)
    assert project_files(project) == expected_files(framework, launcher=launcher)


@pytest.mark.parametrize(
    ("framework", "license"), [("sklearn", "none"), ("lightning", "GPL-3.0-only")]
)
def test_option_pairs_give_exactly_their_files(bake, framework, license):
    project = bake(framework=framework, license=license)
    assert project_files(project) == expected_files(framework, license)


def test_custom_names_reach_files_package_and_commands(bake):
    project = bake(project_name="Cat Classifier", package_name="cats", framework="sklearn")
    assert project.name == "cat-classifier"
    assert project_files(project) == expected_files("sklearn", pkg="cats")
    scripts = tomllib.loads((project / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {
        "cat-classifier-train": "cats.train:main",
        "cat-classifier-evaluate": "cats.evaluate:main",
        "cat-classifier-predict": "cats.predict:main",
        "cat-classifier-report": "cats.harness.report:main",
    }
    assert "from .harness import results, resume" in (project / "src/cats/train.py").read_text()
    assert (
        "_target_: cats.data.load_digits"
        in (project / "src/cats/configs/data/digits.yaml").read_text()
    )
    assert "$(BIN)/cat-classifier-train $(ARGS)" in (project / "Makefile").read_text()
    assert_ruff_passes(project)


def test_the_hook_lays_exactly_the_chosen_layers(tmp_path):
    answers = {
        "framework": "lightning",
        "license": "none",
        "launcher": "slurm",
        "hparam_search": "none",
        "tracker": "wandb",
        "ci": "gitlab",
        "pre_commit": False,
        "docker": True,
    }
    hook = load_hook("post_gen_project", **answers)
    layers = Path(__file__).resolve().parents[1] / "{{cookiecutter.project_slug}}" / "_layers"
    chosen = [layer.relative_to(layers).as_posix() for layer in hook.chosen_layers(answers, layers)]
    assert chosen == [
        "ci/gitlab",
        "docker/yes",
        "framework/lightning",
        "framework/pytorch+lightning",
        "launcher/slurm",
        "tracker/wandb",
    ]


@pytest.mark.parametrize("framework", ["pytorch", "lightning", "sklearn"])
def test_no_template_syntax_left_and_every_file_parses(bake, framework):
    project = bake(framework=framework, docker=True)
    files = project_files(project)
    for name in files:
        text = (project / name).read_text()
        if name.startswith(".github/workflows/"):
            text = re.sub(r"\$\{\{[^}]*\}\}", "", text)  # GitHub's own expressions
        assert "{{" not in text and "{%" not in text, name
        if name.endswith(".py"):
            ast.parse(text, filename=name)
        elif name.endswith((".yaml", ".yml")):
            yaml.safe_load(text)
        elif name.endswith(".toml"):
            tomllib.loads(text)
    assert {n.rsplit(".", 1)[-1] for n in files} >= {"py", "yaml", "toml"}


# Words that name a framework's own libraries: a project never mentions one it does not use.
FRAMEWORK_WORDS = {"pytorch": [r"torch"], "lightning": [r"lightning"], "sklearn": []}


@pytest.mark.parametrize("framework", ["pytorch", "lightning", "sklearn"])
def test_no_file_mentions_a_framework_the_project_does_not_contain(bake, framework):
    contained = {"pytorch": {"pytorch"}, "lightning": {"pytorch", "lightning"}, "sklearn": set()}
    foreign = [
        word
        for other, words in FRAMEWORK_WORDS.items()
        if other not in contained[framework]
        for word in words
    ]
    project = bake(framework=framework)
    for name in project_files(project):
        text = (project / name).read_text().lower()
        for word in foreign:
            assert word not in text, f"{name} mentions {word!r}"


def assert_ruff_passes(project: Path) -> None:
    """The generated project's own `make lint`: ruff check and ruff format --check."""
    for command in (["check"], ["format", "--check"]):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "src", "tests"],
            cwd=project,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("framework", ["pytorch", "lightning", "sklearn"])
def test_ruff_passes_on_every_framework(bake, framework):
    assert_ruff_passes(bake(framework=framework))


def test_default_bake_is_a_git_repository_with_one_commit(default_project):
    log = subprocess.run(
        ["git", "log", "--format=%an <%ae>|%s"],
        cwd=default_project,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert log == ["Your Name <you@example.com>|Initial commit from cookiecutter-hydra-ml"]
    status = subprocess.run(
        ["git", "status", "--porcelain"],
        cwd=default_project,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert status == ""


def test_init_git_off_leaves_no_repository(bake):
    project = bake(init_git=False)
    assert not (project / ".git").exists()
    assert project_files(project) == expected_files()


@pytest.mark.parametrize(
    ("license", "first_words"),
    [
        ("MIT", "MIT License"),
        ("BSD-3-Clause", "BSD 3-Clause License"),
        ("Apache-2.0", "Apache License"),
        ("GPL-3.0-only", "GNU GENERAL PUBLIC LICENSE"),
        ("none", None),
    ],
)
def test_license_text_and_metadata(bake, license, first_words):
    project = bake(license=license, author_name="Ada Lovelace")
    metadata = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    if first_words is None:
        assert not (project / "LICENSE").exists() and "license" not in metadata
    else:
        assert (project / "LICENSE").read_text().lstrip().startswith(first_words)
        assert metadata["license"] == license
    if license in ("MIT", "BSD-3-Clause"):
        assert "Ada Lovelace" in (project / "LICENSE").read_text()


@pytest.mark.parametrize("python_version", ["3.10", "3.11", "3.12", "3.13"])
def test_python_version_choice(bake, python_version):
    project = bake(python_version=python_version, docker=True)
    assert project_files(project) == expected_files(docker=True)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["requires-python"] == f">={python_version}"
    assert pyproject["tool"]["ruff"]["target-version"] == "py" + python_version.replace(".", "")
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "src", "tests"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout


@pytest.mark.parametrize("framework", ["pytorch", "lightning", "sklearn"])
def test_dependencies_follow_the_framework(bake, framework):
    pyproject = tomllib.loads((bake(framework=framework) / "pyproject.toml").read_text())
    names = {re.split(r"[<>=]", spec)[0] for spec in pyproject["project"]["dependencies"]}
    assert ("torch" in names) == (framework != "sklearn")
    assert ("lightning" in names) == (framework == "lightning")
    assert "skops" not in names  # joblib, which scikit-learn brings, saves the model


@pytest.mark.parametrize(
    ("launcher", "plugin"),
    [("joblib", "hydra-joblib-launcher"), ("slurm", "hydra-submitit-launcher"), ("basic", None)],
)
def test_dependencies_and_default_launcher_follow_the_launcher(bake, launcher, plugin):
    project = bake(launcher=launcher)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    names = {re.split(r"[<>=]", spec)[0] for spec in pyproject["project"]["dependencies"]}
    plugins = {"hydra-joblib-launcher", "hydra-submitit-launcher"}
    assert names & plugins == ({plugin} if plugin else set())
    hydra = yaml.safe_load((project / "src/my_project/configs/hydra/default.yaml").read_text())
    overrides = [entry for entry in hydra["defaults"] if "override launcher" in entry]
    assert overrides == ([{"override launcher": "parallel"}] if launcher == "joblib" else [])


@pytest.mark.parametrize("tracker", TRACKERS)
def test_dependencies_and_default_logger_follow_the_tracker(bake, tracker):
    project = bake(tracker=tracker)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    names = {re.split(r"[<>=]", spec)[0] for spec in pyproject["project"]["dependencies"]}
    packages = {"csv": set(), "tensorboard": {"tensorboard", "tensorboardX"}}
    packages |= {"mlflow": {"mlflow"}, "wandb": {"wandb"}}
    assert names & {"tensorboard", "tensorboardX", "mlflow", "wandb"} == packages[tracker]
    train = yaml.safe_load((project / "src/my_project/configs/train.yaml").read_text())
    assert {"logger": tracker} in train["defaults"]


@pytest.mark.parametrize(
    ("search", "spec"), [("optuna", "mlflow>=2.10,<3.17"), ("none", "mlflow>=2.10")]
)
def test_mlflow_is_held_below_3_17_only_beside_optuna(bake, search, spec):
    """optuna 2.x needs SQLAlchemy 1.4; MLflow 3.17's `mlflow ui` needs SQLAlchemy 2."""
    pyproject = (bake(tracker="mlflow", hparam_search=search) / "pyproject.toml").read_text()
    mlflow = [s for s in tomllib.loads(pyproject)["project"]["dependencies"] if "mlflow" in s]
    assert mlflow == [spec]


@pytest.mark.parametrize("search", ["optuna", "none"])
def test_dependencies_follow_the_search(bake, search):
    pyproject = tomllib.loads((bake(hparam_search=search) / "pyproject.toml").read_text())
    names = {re.split(r"[<>=]", spec)[0] for spec in pyproject["project"]["dependencies"]}
    optuna = {"hydra-optuna-sweeper", "sqlalchemy"}
    assert names & optuna == (optuna if search == "optuna" else set())


@pytest.mark.parametrize(
    ("output_dir", "shown"),
    [(None, "my-project"), ("out/with space", "'out/with space/my-project'")],
)
def test_next_steps_cd_into_the_folder_that_was_made(tmp_path, output_dir, shown):
    """`-o` puts the project elsewhere: the closing lines' `cd` follows it, from where
    cookiecutter was launched, quoted for the shell."""
    where = ["-o", output_dir] if output_dir else []
    done = subprocess.run(
        [sys.executable, "-m", "cookiecutter", "--no-input", *where, str(ROOT), "init_git=no"],
        cwd=tmp_path,
        env={**os.environ, "PWD": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert f"\n  cd {shown}\n" in done.stdout
    assert (tmp_path / (output_dir or ".") / "my-project" / "pyproject.toml").is_file()
