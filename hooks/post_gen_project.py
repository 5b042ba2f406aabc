"""Finish the generated project: lay the chosen option layers over it, `git init`, next steps.

The template's project folder holds the files that every project gets; `_layers/<option>/` holds
one folder per group of answers that add files, named after the values it serves and joined by
`+` (`_layers/framework/pytorch+lightning/` serves both). The folder layout is the whole table:
this hook moves the files of every layer whose name holds the answer to its option into the
project, then deletes `_layers/` with the layers not chosen. Nothing is removed from the project
itself. docs/architecture.md explains the rules; tests/test_layers.py checks the layout (layers
never share a path with the project or with a layer chosen alongside) and tests/test_bake.py the
exact file set of every answer. Runs inside the new project folder (stdlib only).

Baking into a folder that already exists (`cookiecutter -f`) must not cost the user their work:
a layer file whose path is already taken is not laid (the file there is the user's, since no
other file of this bake has that path), and git is left alone when the folder is already inside
a git repository. The closing lines say what was kept or skipped, and, in a git repository,
which tracked files now differ from the last commit (those that cookiecutter rewrote).

Under cruft (`cruft create`, and `cruft update`, which renders the project's old and new versions
in temporary folders and diffs them) there is no `git init`: cruft writes .cruft.json after this
hook, so a first commit would leave it out, and a .git folder in the renders would enter the diff.
"""

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

FIRST_COMMIT_MESSAGE = "Initial commit from cookiecutter-hydra-ml"
LAYERS = Path("_layers")


def answer_name(answer) -> str:
    """How an answer appears in a layer folder's name: as chosen; yes/no for a boolean."""
    if isinstance(answer, bool):
        return "yes" if answer else "no"
    return str(answer)


def chosen_layers(answers: dict, layers: Path = LAYERS) -> list[Path]:
    """The layer folders whose name holds the answer to their option, in a stable order."""
    chosen = []
    for option in sorted(layers.iterdir()):
        answer = answer_name(answers[option.name])
        chosen += [layer for layer in sorted(option.iterdir()) if answer in layer.name.split("+")]
    return chosen


def lay(layer: Path, project: Path) -> list[Path]:
    """Move every file of `layer` to the same relative path in `project`, except where a file
    is already there: that one is kept. Returns the kept paths."""
    kept = []
    for source in sorted(path for path in layer.rglob("*") if path.is_file()):
        target = project / source.relative_to(layer)
        if target.exists() or target.is_symlink():
            kept.append(target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
    return kept


def kept_note(kept: list[Path]) -> str:
    """One line naming the files that were already there (at most five of them)."""
    if not kept:
        return ""
    names = ", ".join(path.as_posix() for path in kept[:5])
    more = f" and {len(kept) - 5} more" if len(kept) > 5 else ""
    return (
        f"Kept {len(kept)} file(s) that were already in the folder, not the template's "
        f"version: {names}{more}."
    )


def enclosing_repository() -> str | None:
    """The top folder of the git repository holding the current folder, if there is one."""
    if shutil.which("git") is None:
        return None
    found = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True)
    return found.stdout.strip() if found.returncode == 0 else None


def changed_tracked_files() -> list[str]:
    """The files of this folder that git tracks and that now differ from the last commit
    (`git diff --name-only HEAD`), relative to it: after `cookiecutter -f` over a project in a
    git repository, the user's files that cookiecutter rewrote. [] without git, a repository or
    a commit."""
    if shutil.which("git") is None:
        return []
    command = ["git", "diff", "--name-only", "-z", "--relative", "HEAD", "--", "."]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        return []
    return sorted(name for name in done.stdout.split("\0") if name)


def changed_note(changed: list[str]) -> str:
    """One line naming the tracked files that differ from the last commit (at most five)."""
    if not changed:
        return ""
    names = ", ".join(changed[:5])
    more = f" and {len(changed) - 5} more" if len(changed) > 5 else ""
    return (
        f"{len(changed)} tracked file(s) now differ from the last commit (cookiecutter -f "
        "rewrites the files it renders: `git diff` shows the changes, `git checkout -- <file>` "
        f"takes one back): {names}{more}."
    )


def init_git(answers: dict) -> str:
    """`git init` and a first commit; a one-line reason instead when git is not there."""
    if shutil.which("git") is None:
        return "git not found: skipped `git init`."
    existing = enclosing_repository()
    if existing is not None:
        return f"Inside the git repository {existing}: no `git init`, no commit; commit yourself."
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


def made_by_cruft(answers: dict) -> bool:
    """Whether cruft renders this project: it adds `_commit` (the template's commit) to the
    answers, cookiecutter never does."""
    return "_commit" in answers


def where_to_cd(project: Path, launched: str | None) -> str:
    """The project folder as the user can `cd` to it from where cookiecutter was launched
    (`$PWD`: this hook runs inside the project, `-o` may have put it anywhere): relative when
    it lies below the launch directory, else absolute; quoted for the shell when needed."""
    project = project.resolve()
    if launched:
        base = Path(launched).resolve()
        if project.is_relative_to(base) and project != base:
            return shlex.quote(str(project.relative_to(base)))
    return shlex.quote(str(project))


def main() -> int:
    # ''' cannot occur inside: tojson writes every ' as \u0027
    answers = json.loads(r'''{{ cookiecutter | tojson }}''')  # fmt: skip
    kept = []
    for layer in chosen_layers(answers):
        kept += lay(layer, Path("."))
    shutil.rmtree(LAYERS)
    cruft = made_by_cruft(answers)
    if cruft:
        git_note = "No `git init` under cruft: it writes .cruft.json after this step."
    else:
        git_note = init_git(answers) if answers["init_git"] is True else ""
    slug = answers["project_slug"]
    print(f"\nCreated {slug}. {git_note}".rstrip())
    if kept:
        print(kept_note(kept))
    if changed := changed_tracked_files():
        print(changed_note(changed))
    commit = ""
    if cruft and answers["init_git"] is True:
        commit = '  git init && git add --all && git commit -m "First commit"  # .cruft.json too\n'
    print(
        "Next steps:\n"
        f"  cd {where_to_cd(Path.cwd(), os.environ.get('PWD'))}\n"
        f"{commit}"
        "  make install     # a .venv with the project (editable) and its dev tools\n"
        "  make train       # train on digits; prints the run folder and the final metrics\n"
        "  make test        # the project's own tests"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
