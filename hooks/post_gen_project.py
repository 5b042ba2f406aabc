"""Finish the generated project: drop the files of options not chosen, `git init`, next steps.

OWNED_PATHS is the single table from an option's value to the paths it owns: a path is kept
when a chosen value owns it and removed otherwise. Then the chosen framework's overlay is copied
over the project. tests/test_bake.py checks the resulting file set of every framework. Runs
inside the new project folder (stdlib only).
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

FIRST_COMMIT_MESSAGE = "Initial commit from cookiecutter-hydra-ml"

# The main template tree is the PyTorch project. Files that PyTorch shares with Lightning are
# listed under both; a framework's own versions of the rest live in FRAMEWORK_OVERLAYS/<name>/.
PKG = "src/{package}"
TORCH_SHARED = [
    f"{PKG}/models.py",
    f"{PKG}/configs/model/mlp.yaml",
    f"{PKG}/configs/model/cnn.yaml",
    f"{PKG}/configs/optimizer",
    f"{PKG}/configs/scheduler",
    f"{PKG}/configs/data_model",
    f"{PKG}/configs/experiment/cnn_cosine.yaml",
]
OWNED_PATHS: dict[str, dict[str, list[str]]] = {
    "license": {
        "MIT": ["LICENSE"],
        "BSD-3-Clause": ["LICENSE"],
        "Apache-2.0": ["LICENSE"],
        "GPL-3.0-only": ["LICENSE"],
        "none": [],
    },
    "framework": {
        "pytorch": [*TORCH_SHARED, f"{PKG}/engine.py", f"{PKG}/configs/trainer"],
        "lightning": TORCH_SHARED,
        "sklearn": [],
    },
}
# _frameworks/<framework>/ is copied over the project (replacing files of the same path), then
# the whole folder is removed.
FRAMEWORK_OVERLAYS = "_frameworks"


def unwanted_paths(answers: dict) -> set[str]:
    """Paths owned by some value of an option but by none of the chosen values."""
    owned, kept = set(), set()
    for option, by_value in OWNED_PATHS.items():
        for value, paths in by_value.items():
            paths = {path.format(package=answers["package_name"]) for path in paths}
            owned.update(paths)
            if str(answers[option]) == value:
                kept.update(paths)
    return owned - kept


def apply_framework_overlay(framework: str) -> None:
    overlay = Path(FRAMEWORK_OVERLAYS, framework)
    if overlay.is_dir():
        shutil.copytree(overlay, ".", dirs_exist_ok=True)
    shutil.rmtree(FRAMEWORK_OVERLAYS)


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def init_git(answers: dict) -> str:
    """`git init` and a first commit; a one-line reason instead when git is not there."""
    if shutil.which("git") is None:
        return "git not found: skipped `git init`."
    who = [
        "-c",
        f"user.name={answers['author_name']}",
        "-c",
        f"user.email={answers['author_email']}",
    ]
    steps = {
        "init": ["git", "init", "--quiet", "--initial-branch=main"],
        "add": ["git", "add", "--all"],
        "commit": ["git", *who, "commit", "--quiet", "--no-verify", "-m", FIRST_COMMIT_MESSAGE],
    }
    for name, command in steps.items():
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            first_line = (done.stderr.strip().splitlines() or ["no message"])[0]
            return f"git {name} failed ({first_line}); commit the files yourself."
    return "Created a git repository with a first commit."


def main() -> int:
    # ''' cannot occur inside: tojson writes every ' as \u0027
    answers = json.loads(r'''{{ cookiecutter | tojson }}''')  # fmt: skip
    for path in sorted(unwanted_paths(answers)):
        remove(Path(path))
    apply_framework_overlay(answers["framework"])
    git_note = init_git(answers) if answers["init_git"] is True else ""
    slug = answers["project_slug"]
    print(f"\nCreated {slug}. {git_note}".rstrip())
    print(
        "Next steps:\n"
        f"  cd {slug}\n"
        "  make install     # a .venv with the project (editable) and its dev tools\n"
        "  make train       # train on digits; prints the run folder and the test accuracy\n"
        "  make test        # the project's own tests"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
