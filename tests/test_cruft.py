"""cruft: `cruft create` makes a project from the template and `cruft update` brings a later
commit of the template into it, keeping the user's own work; the answer checks run under both;
.cruft.json holds the answers and no machine path but the template's own source.

cruft clones the template from a git repository: the tests make one holding the template as it
stands in the working tree, and run cruft's command line as a user does, with a HOME of its own
(no ~/.cookiecutterrc, no replay folder, no git config of the user's)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import ROOT, answers, cookiecutter_config

# the module's template repository and project are made once, on one xdist worker
pytestmark = pytest.mark.xdist_group("cruft")

# what a later commit of the template adds to the end of every project's Makefile
ADDED_LINE = "# A line that a later commit of the template adds."
USERS_LINE = "# A line of the user's own."
# the two places where cruft keeps the template's source: what the user gave to `cruft create`
TEMPLATE_SOURCE = {("template",), ("context", "cookiecutter", "_template")}


def git(*arguments, cwd: Path, env: dict | None = None) -> str:
    done = subprocess.run(
        ["git", *arguments], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def cruft(*arguments, cwd: Path, env: dict) -> tuple[int, list[str]]:
    """cruft's command line as a user runs it: (exit status, output lines)."""
    done = subprocess.run(
        [sys.executable, "-m", "cruft", *map(str, arguments)],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    return done.returncode, (done.stdout + done.stderr).strip().splitlines()


def copy_of_the_working_tree(to: Path) -> None:
    """The template's files as they stand in the working tree: tracked files with their
    changes, and new files that git does not ignore."""
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():  # a tracked file deleted in the working tree is listed too
            (to / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, to / name)


def commit_all(repository: Path, env: dict, message: str) -> None:
    git("add", "--all", cwd=repository, env=env)
    git("commit", "--quiet", "-m", message, cwd=repository, env=env)


def contents(project: Path) -> dict[str, bytes]:
    """Every file of a project and its bytes, without the .git folder."""
    return {
        path.relative_to(project).as_posix(): path.read_bytes()
        for path in project.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(project).parts
    }


def strings(value, where: tuple = ()):
    """Every string in a JSON value, with the keys that lead to it."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(item, (*where, key))
    elif isinstance(value, list):
        for item in value:
            yield from strings(item, where)


def machine_paths(state: dict, machine: Path) -> dict[tuple, str]:
    """The strings of a .cruft.json that are absolute paths or name a folder of this machine."""
    return {
        where: text
        for where, text in strings(state)
        if Path(text).is_absolute() or str(machine) in text
    }


@pytest.fixture(scope="module")
def created(tmp_path_factory) -> SimpleNamespace:
    """A template repository, a project that `cruft create` made from its first commit and
    that the user committed as the README says, then a second commit of the template that adds
    a line to the generated Makefile."""
    machine = tmp_path_factory.mktemp("cruft")
    home = machine / "home"
    home.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    env |= {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    env |= {"COOKIECUTTER_CONFIG": str(cookiecutter_config(home / "cookiecutter"))}
    env |= {"GIT_CONFIG_NOSYSTEM": "1"}
    for role in ("AUTHOR", "COMMITTER"):
        env |= {f"GIT_{role}_NAME": "Template Tests", f"GIT_{role}_EMAIL": "tests@example.com"}

    template = machine / "cookiecutter-hydra-ml"
    copy_of_the_working_tree(template)
    git("init", "--quiet", "--initial-branch=main", cwd=template, env=env)
    commit_all(template, env, "first")
    first = git("rev-parse", "HEAD", cwd=template).strip()

    status, created_lines = cruft(
        "create", "--no-input", template, "--output-dir", machine / "projects", cwd=machine, env=env
    )
    assert status == 0, created_lines
    project = machine / "projects" / "my-project"
    had_git = (project / ".git").exists()
    git("init", "--quiet", cwd=project, env=env)  # as the README says
    commit_all(project, env, "first")

    makefile = template / "{{cookiecutter.project_slug}}" / "Makefile"
    assert makefile.read_text().endswith("\n")
    with makefile.open("a") as lines:
        lines.write(ADDED_LINE + "\n")
    commit_all(template, env, "second")
    second = git("rev-parse", "HEAD", cwd=template).strip()
    return SimpleNamespace(
        machine=machine,
        home=home,
        env=env,
        template=template,
        first=first,
        second=second,
        project=project,
        created_lines=created_lines,
        had_git=had_git,
    )


@pytest.fixture
def project(created, tmp_path) -> Path:
    """A copy of the created project (its git history too), for one test to change."""
    return Path(shutil.copytree(created.project, tmp_path / "my-project", symlinks=True))


def test_cruft_create_makes_no_repository_and_says_how_to_commit(created):
    """cruft writes .cruft.json after the hooks: the post-generation hook leaves git to the user
    (a first commit would leave .cruft.json out) and its next steps say so."""
    assert not created.had_git
    assert any("No `git init` under cruft" in line for line in created.created_lines)
    assert any(line.startswith("  git init && git add --all") for line in created.created_lines)


def test_cruft_json_holds_the_answers_and_no_machine_path(created):
    """No output folder, clone folder or checkout: the template's source is the only path, in
    `template` and in the context's `_template`, as given to `cruft create` (a URL for a user;
    here a local repository, which cruft records as an absolute path to clone it again)."""
    state = json.loads((created.project / ".cruft.json").read_text())
    assert state["template"] == str(created.template)
    assert state["commit"] == created.first
    assert state["checkout"] is None and state["directory"] is None
    recorded = {"_template": str(created.template), "_commit": created.first}
    assert state["context"]["cookiecutter"] == {**answers(), **recorded}
    assert machine_paths(state, created.machine) == {
        where: str(created.template) for where in TEMPLATE_SOURCE
    }
    # cruft renders with cookiecutter's functions, not its main: no replay file either
    assert not (created.home / "cookiecutter" / "replay").exists()
    assert not (created.home / ".cookiecutter_replay").exists()


def test_cruft_update_brings_the_template_change_and_keeps_the_users_edit(created, project):
    train = project / "src" / "my_project" / "train.py"
    train.write_text(train.read_text() + USERS_LINE + "\n")
    (project / "notes.md").write_text("The user's notes.\n")
    commit_all(project, created.env, "the user's work")
    before = contents(project)

    status, lines = cruft("update", "--skip-apply-ask", cwd=project, env=created.env)
    assert status == 0, lines

    after = contents(project)
    changed = {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}
    assert changed == {"Makefile", ".cruft.json"}
    assert after["Makefile"] == before["Makefile"] + (ADDED_LINE + "\n").encode()
    assert train.read_text().endswith(USERS_LINE + "\n")
    assert (project / "notes.md").read_text() == "The user's notes.\n"
    assert not [path for path in after if path.endswith((".rej", ".orig"))]
    changed_for_git = {line[3:] for line in git("status", "--porcelain", cwd=project).splitlines()}
    assert changed_for_git == {".cruft.json", "Makefile"}  # nothing untracked either

    state = json.loads((project / ".cruft.json").read_text())
    assert state["commit"] == created.second
    old = json.loads(before[".cruft.json"])["context"]["cookiecutter"]
    assert state["context"]["cookiecutter"] == {**old, "_commit": created.second}
    assert machine_paths(state, created.machine) == {
        where: str(created.template) for where in TEMPLATE_SOURCE
    }


def edit_answer(project: Path, env: dict, field: str, value) -> dict[str, bytes]:
    """.cruft.json with one answer changed, committed (cruft updates only a clean repository);
    returns the project's files as they then are."""
    cruft_file = project / ".cruft.json"
    state = json.loads(cruft_file.read_text())
    state["context"]["cookiecutter"][field] = value
    cruft_file.write_text(json.dumps(state, indent=2, ensure_ascii=False) + "\n")
    commit_all(project, env, f"{field} edited")
    return contents(project)


@pytest.mark.parametrize(
    ("field", "value"),
    [("package_name", "torch"), ("project_slug", "../escaped"), ("author_email", "me@localhost")],
)
def test_an_answer_edited_into_cruft_json_stops_update_with_one_line(
    created, project, field, value
):
    before = edit_answer(project, created.env, field, value)
    head = git("rev-parse", "HEAD", cwd=project)

    status, lines = cruft("update", "--skip-apply-ask", cwd=project, env=created.env)
    assert status == 1
    assert len(lines) == 1 and lines[0].startswith(f"Invalid {field} {value!r}: it "), lines
    assert contents(project) == before
    assert git("status", "--porcelain", cwd=project) == ""
    assert git("rev-parse", "HEAD", cwd=project) == head
    assert sorted(path.name for path in project.parent.iterdir()) == ["my-project"]


def test_a_choice_edited_into_cruft_json_is_refused_by_cookiecutter_and_nothing_changes(
    created, project
):
    """A choice outside cookiecutter.json's list stops cookiecutter itself, in generate_context,
    before the template's code runs: its traceback (cruft prints it), not one line."""
    before = edit_answer(project, created.env, "framework", "tensorflow")

    status, lines = cruft("update", "--skip-apply-ask", cwd=project, env=created.env)
    assert status == 1
    output = " ".join(" ".join(lines).split())
    assert "tensorflow provided for choice variable framework" in output
    assert contents(project) == before
    assert git("status", "--porcelain", cwd=project) == ""


@pytest.mark.parametrize(
    ("field", "value"),
    [("package_name", "torch"), ("project_slug", "a/b"), ("description", "line one\nline two")],
)
def test_cruft_create_refuses_a_bad_answer_with_one_line_and_writes_nothing(
    created, tmp_path, field, value
):
    extra = json.dumps({field: value})
    arguments = ["--no-input", created.template, "--output-dir", "out", "--extra-context", extra]
    status, lines = cruft("create", *arguments, cwd=tmp_path, env=created.env)
    assert status == 1
    assert len(lines) == 1 and lines[0].startswith(f"Invalid {field} {value!r}: it "), lines
    assert list(tmp_path.iterdir()) == []  # not even the output folder
