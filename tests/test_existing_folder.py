"""Baking into a folder that already exists (`cookiecutter -f`) or inside a git repository: the
user's files and history are never lost. cookiecutter itself overwrites the files it renders
(its documented `-f`); the hook never deletes or replaces a file this bake did not create, and
never commits into a repository that was there before."""

import subprocess
import sys

import pytest
from conftest import ROOT
from cookiecutter.main import cookiecutter

USER_FILES = {
    "README.md": "the user's readme\n",  # a file cookiecutter renders: -f replaces it
    "LICENSE": "the user's own license\n",
    "notes.txt": "the user's notes\n",
    "src/my_project/train.py": "# the user's training code\n",
    "src/my_project/configs/optimizer/rmsprop.yaml": "lr: 0.01\n",
}


def git(*args: str, cwd) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def user_repository(folder):
    """A git repository with the user's files in one commit."""
    for name, text in USER_FILES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    git("init", "--quiet", "--initial-branch=main", cwd=folder)
    git("add", "--all", cwd=folder)
    git("-c", "user.name=u", "-c", "user.email=u@example.com", "commit", "-qm", "mine", cwd=folder)
    return git("rev-parse", "HEAD", cwd=folder)


@pytest.mark.parametrize(
    ("framework", "license"), [("sklearn", "none"), ("pytorch", "MIT"), ("lightning", "MIT")]
)
def test_baking_over_a_project_keeps_the_users_files_and_history(
    tmp_path, capfd, framework, license
):
    project = tmp_path / "my-project"
    project.mkdir()
    head = user_repository(project)
    answers = {"framework": framework, "license": license}
    cookiecutter(
        str(ROOT),
        no_input=True,
        overwrite_if_exists=True,
        output_dir=tmp_path,
        extra_context=answers,
    )
    for name, text in USER_FILES.items():
        if name != "README.md":
            assert (project / name).read_text() == text, name
    assert (project / "README.md").read_text() != USER_FILES["README.md"]  # cookiecutter's -f
    assert not (project / "_layers").exists()
    assert git("log", "--format=%H", cwd=project) == head  # no commit on top of the user's
    output = capfd.readouterr().out
    assert f"Inside the git repository {project}: no `git init`, no commit" in output
    kept = [line for line in output.splitlines() if line.startswith("Kept ")]
    assert len(kept) == 1 and "src/my_project/train.py" in kept[0]
    assert ("LICENSE" in kept[0]) == (license != "none")


def test_a_project_baked_inside_a_repository_gets_no_repository_of_its_own(tmp_path, capfd):
    head = user_repository(tmp_path)
    cookiecutter(str(ROOT), no_input=True, output_dir=tmp_path / "projects")
    project = tmp_path / "projects" / "my-project"
    assert (project / "pyproject.toml").is_file() and not (project / ".git").exists()
    assert git("log", "--format=%H", cwd=tmp_path) == head
    assert f"Inside the git repository {tmp_path}: no `git init`" in capfd.readouterr().out


def test_a_folder_holding_layers_is_refused_before_anything_is_written(tmp_path):
    """The hook deletes `_layers/` once it has laid the layers: a user's folder of that name
    is refused (one line, exit 1) before cookiecutter writes a file."""
    project = tmp_path / "my-project"
    (project / "_layers").mkdir(parents=True)
    (project / "_layers" / "mine.txt").write_text("the user's\n")
    command = ["cookiecutter", "--no-input", "-f", "--output-dir", tmp_path, ROOT]
    done = subprocess.run([sys.executable, "-m", *command], capture_output=True, text=True)
    assert done.returncode == 1
    lines = (done.stdout + done.stderr).strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{project / '_layers'} is in the way"), lines
    assert sorted(p.relative_to(project).as_posix() for p in project.rglob("*")) == [
        "_layers",
        "_layers/mine.txt",
    ]
