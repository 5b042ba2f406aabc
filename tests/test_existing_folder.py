"""Baking into a folder that already exists (`cookiecutter -f`) or inside a git repository: the
user's files and history are never lost. cookiecutter itself overwrites the files it renders
(its documented `-f`); the hook never deletes or replaces a file this bake did not create, and
never commits into a repository that was there before."""

import shutil
import subprocess
import sys

import pytest
from conftest import ROOT, load_hook
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
    # of the user's committed files, cookiecutter rewrote the README alone: the hook names it
    changed = [line for line in output.splitlines() if "differ from the last commit" in line]
    assert len(changed) == 1 and changed[0].endswith("takes one back): README.md."), changed


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


def run_cookiecutter(*arguments, cwd) -> tuple[int, list[str]]:
    """The command line as a user runs it: (exit status, output lines)."""
    command = [sys.executable, "-m", "cookiecutter", *arguments]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    return done.returncode, (done.stdout + done.stderr).strip().splitlines()


def snapshot(folder) -> dict[str, bytes | None]:
    """Every path below `folder`, .git included: a file's bytes, None for a folder."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes() if path.is_file() else None
        for path in sorted(folder.rglob("*"))
    }


def committed_copy(project, where):
    """A copy of a baked project (its git repository and first commit too) at `where`."""
    shutil.copytree(project, where, symlinks=True)
    assert git("log", "--format=%s", cwd=where) == "Initial commit from cookiecutter-hydra-ml"
    return where


@pytest.mark.parametrize(
    ("framework", "folder", "answers", "refusal"),
    [
        ("pytorch", "my-project", ["framework=sklearn"], "Refusing framework=sklearn over "),
        ("pytorch", "my-project", ["framework=lightning"], "Refusing framework=lightning over "),
        ("lightning", "my-project", ["framework=pytorch"], "Refusing framework=pytorch over "),
        ("sklearn", "my-project", ["framework=pytorch"], "Refusing framework=pytorch over "),
        ("pytorch", "my-project", ["package_name=annotationlib"], "Invalid package_name "),
        ("pytorch", "con", ["project_slug=con"], "Invalid project_slug 'con': it is a device"),
    ],
)
def test_a_refusal_over_a_project_leaves_it_byte_identical(
    tmp_path, bake, framework, folder, answers, refusal
):
    """`-f` with another framework than the project's would keep its framework files and add
    the other's: refused, as every bad answer is, before cookiecutter writes anything (one
    line, exit status 1), and every byte of the folder, .git included, stays as it was."""
    project = committed_copy(bake(framework=framework), tmp_path / folder)
    before = snapshot(project)
    status, lines = run_cookiecutter(
        "--no-input", "-f", "-o", tmp_path, ROOT, *answers, cwd=tmp_path
    )
    assert status == 1
    assert len(lines) == 1 and lines[0].startswith(refusal), lines
    assert snapshot(project) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == [folder]


def test_the_refusal_names_a_file_of_the_other_framework(tmp_path, bake):
    project = committed_copy(bake(framework="lightning"), tmp_path / "my-project")
    status, lines = run_cookiecutter(
        "--no-input", "-f", "-o", tmp_path, ROOT, "framework=sklearn", cwd=tmp_path
    )
    assert status == 1
    assert lines == [
        f"Refusing framework=sklearn over {project}: it holds src/my_project/configs/callbacks/"
        "default.yaml, a file of lightning projects only, and the frameworks would mix; bake "
        "into a new folder instead."
    ]


def test_the_same_framework_over_a_project_names_the_tracked_files_it_rewrote(tmp_path, bake):
    """The user's committed edits to files that cookiecutter renders (README, pyproject.toml,
    data.py) are overwritten by `-f`, as cookiecutter documents: the closing lines name them,
    and only them, from `git diff --name-only HEAD`."""
    project = committed_copy(bake(), tmp_path / "my-project")
    edited = ["README.md", "pyproject.toml", "src/my_project/data.py"]
    for name in edited:
        with (project / name).open("a") as file:
            file.write("\n# the user's edit\n")
    git(
        "-c",
        "user.name=u",
        "-c",
        "user.email=u@example.com",
        "commit",
        "-qam",
        "edits",
        cwd=project,
    )
    status, lines = run_cookiecutter("--no-input", "-f", "-o", tmp_path, ROOT, cwd=tmp_path)
    assert status == 0, lines
    assert git("diff", "--name-only", "HEAD", cwd=project).splitlines() == edited
    changed = [line for line in lines if "differ from the last commit" in line]
    assert changed == [
        "3 tracked file(s) now differ from the last commit (cookiecutter -f rewrites the files it"
        " renders: `git diff` shows the changes, `git checkout -- <file>` takes one back): "
        "README.md, pyproject.toml, src/my_project/data.py."
    ]


def test_a_fresh_bake_names_no_changed_file(tmp_path, capfd):
    cookiecutter(str(ROOT), no_input=True, output_dir=tmp_path)
    assert "differ from the last commit" not in capfd.readouterr().out


def test_the_changed_files_line_names_five_and_counts_the_rest():
    note = load_hook("post_gen_project").changed_note([f"f{number}.py" for number in range(7)])
    assert note.endswith("takes one back): f0.py, f1.py, f2.py, f3.py, f4.py and 2 more.")
    assert note.startswith("7 tracked file(s) now differ from the last commit")
