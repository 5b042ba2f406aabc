"""Baking the template: the exact file set, rendered and parseable files, options, ruff."""

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from conftest import load_hook, project_files

# Every file of the default project. A new template file must be added here on purpose.
DEFAULT_FILES = {
    ".gitignore",
    "LICENSE",
    "Makefile",
    "README.md",
    "data/README.md",
    "pyproject.toml",
    "src/my_project/__init__.py",
    "src/my_project/data.py",
    "src/my_project/engine.py",
    "src/my_project/evaluate.py",
    "src/my_project/models.py",
    "src/my_project/paths.py",
    "src/my_project/results.py",
    "src/my_project/train.py",
    "src/my_project/configs/__init__.py",
    "src/my_project/configs/train.yaml",
    "src/my_project/configs/eval.yaml",
    "src/my_project/configs/data/csv.yaml",
    "src/my_project/configs/data/digits.yaml",
    "src/my_project/configs/data_model/digits_cnn.yaml",
    "src/my_project/configs/debug/fast.yaml",
    "src/my_project/configs/experiment/cnn_cosine.yaml",
    "src/my_project/configs/hydra/default.yaml",
    "src/my_project/configs/local/README.md",
    "src/my_project/configs/model/cnn.yaml",
    "src/my_project/configs/model/mlp.yaml",
    "src/my_project/configs/optimizer/adam.yaml",
    "src/my_project/configs/optimizer/sgd.yaml",
    "src/my_project/configs/paths/default.yaml",
    "src/my_project/configs/scheduler/cosine.yaml",
    "src/my_project/configs/scheduler/none.yaml",
    "src/my_project/configs/trainer/default.yaml",
    "tests/conftest.py",
    "tests/test_cli.py",
    "tests/test_configs.py",
    "tests/test_paths.py",
    "tests/test_train.py",
}
PKG = "src/my_project"
LIGHTNING_FILES = (DEFAULT_FILES - {f"{PKG}/engine.py", f"{PKG}/configs/trainer/default.yaml"}) | {
    f"{PKG}/lit_module.py",
    f"{PKG}/datamodule.py",
    f"{PKG}/callbacks.py",
    f"{PKG}/configs/trainer/cpu.yaml",
    f"{PKG}/configs/trainer/gpu.yaml",
    f"{PKG}/configs/trainer/ddp.yaml",
    f"{PKG}/configs/callbacks/default.yaml",
    f"{PKG}/configs/callbacks/model_checkpoint.yaml",
    f"{PKG}/configs/callbacks/early_stopping.yaml",
    f"{PKG}/configs/callbacks/progress_bar.yaml",
    f"{PKG}/configs/callbacks/none.yaml",
}
TORCH_ONLY_CONFIGS = [
    "model/mlp",
    "model/cnn",
    "optimizer/adam",
    "optimizer/sgd",
    "scheduler/none",
    "scheduler/cosine",
    "data_model/digits_cnn",
    "experiment/cnn_cosine",
    "trainer/default",
]
SKLEARN_FILES = (DEFAULT_FILES - {f"{PKG}/configs/{name}.yaml" for name in TORCH_ONLY_CONFIGS}) | {
    f"{PKG}/configs/model/logistic_regression.yaml",
    f"{PKG}/configs/model/random_forest.yaml",
    f"{PKG}/configs/experiment/big_forest.yaml",
}
FILES = {"pytorch": DEFAULT_FILES, "lightning": LIGHTNING_FILES, "sklearn": SKLEARN_FILES}


def test_default_bake_has_exactly_the_expected_files(default_project):
    assert default_project.name == "my-project"
    assert project_files(default_project) == DEFAULT_FILES


@pytest.mark.parametrize("framework", ["lightning", "sklearn"])
def test_framework_bake_has_exactly_its_files(cookies, framework):
    result = cookies.bake(extra_context={"framework": framework})
    assert result.exit_code == 0, result.exception
    assert project_files(result.project_path) == FILES[framework]
    assert_ruff_passes(result.project_path)
    pyproject = tomllib.loads((result.project_path / "pyproject.toml").read_text())
    names = {re.split(r"[<>=]", spec)[0] for spec in pyproject["project"]["dependencies"]}
    assert ("torch" in names) == (framework != "sklearn")
    assert ("lightning" in names) == (framework == "lightning")
    assert "skops" not in names  # joblib, which scikit-learn brings, saves the model


def test_no_template_syntax_left(default_project):
    def has_template_syntax(name: str) -> bool:
        text = (default_project / name).read_text()
        return "{{" in text or "{%" in text

    assert [name for name in project_files(default_project) if has_template_syntax(name)] == []


def test_every_python_yaml_and_toml_file_parses(default_project):
    files = project_files(default_project)
    for name in files:
        text = (default_project / name).read_text()
        if name.endswith(".py"):
            ast.parse(text, filename=name)
        elif name.endswith(".yaml"):
            yaml.safe_load(text)
        elif name.endswith(".toml"):
            tomllib.loads(text)
    assert {n.rsplit(".", 1)[-1] for n in files} >= {"py", "yaml", "toml"}


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


def test_ruff_passes_on_the_generated_code(default_project):
    assert_ruff_passes(default_project)


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


def test_init_git_off_leaves_no_repository(cookies):
    result = cookies.bake(extra_context={"init_git": False})
    assert result.exit_code == 0, result.exception
    assert not (result.project_path / ".git").exists()


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
def test_license_choice(cookies, license, first_words):
    result = cookies.bake(extra_context={"license": license, "author_name": "Ada Lovelace"})
    assert result.exit_code == 0, result.exception
    project = result.project_path
    answers = {"license": license, "framework": "pytorch", "package_name": "my_project"}
    removed = load_hook("post_gen_project").unwanted_paths(answers)
    assert project_files(project) == DEFAULT_FILES - removed
    metadata = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    if first_words is None:
        assert not (project / "LICENSE").exists() and "license" not in metadata
    else:
        assert (project / "LICENSE").read_text().lstrip().startswith(first_words)
        assert metadata["license"] == license
    if license in ("MIT", "BSD-3-Clause"):
        assert "Ada Lovelace" in (project / "LICENSE").read_text()


@pytest.mark.parametrize("python_version", ["3.10", "3.11", "3.12", "3.13"])
def test_python_version_choice(cookies, python_version):
    result = cookies.bake(extra_context={"python_version": python_version})
    assert result.exit_code == 0, result.exception
    pyproject = tomllib.loads((result.project_path / "pyproject.toml").read_text())
    assert pyproject["project"]["requires-python"] == f">={python_version}"
    assert pyproject["tool"]["ruff"]["target-version"] == "py" + python_version.replace(".", "")
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "src", "tests"],
        cwd=result.project_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout


def test_custom_names_reach_package_and_scripts(cookies):
    result = cookies.bake(extra_context={"project_name": "Cat Classifier", "package_name": "cats"})
    assert result.exit_code == 0, result.exception
    project = result.project_path
    assert project.name == "cat-classifier"
    assert (project / "src/cats/train.py").is_file()
    scripts = tomllib.loads((project / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"train": "cats.train:main", "evaluate": "cats.evaluate:main"}
    assert "from cats import paths" in (project / "src/cats/train.py").read_text()
