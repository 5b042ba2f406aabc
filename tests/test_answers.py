"""Answers are data: hostile free text round-trips; a bad answer is refused with one line that
names the field, the value and the rule, and nothing on disk, however cookiecutter gets it
(prompts, --no-input and key=value, --replay-file, --accept-hooks no)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import stdlib_list
from conftest import ROOT, answers, cookiecutter_config, load_hook, project_files, render_hook
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter

from answer_rules import MAX_LENGTH, RULES, problems
from devtools.compat import tomllib

HOSTILE = "Ünïcødé \"quoted\" 'single' back\\slash: colon # hash ''' 日本 ✓ 🚀 {curly} $HOME ${x}"
DEFAULTS = answers()


def test_hostile_free_text_round_trips(cookies):
    given = {"project_name": HOSTILE, "description": HOSTILE, "author_name": HOSTILE}
    result = cookies.bake(extra_context=given)
    assert result.exit_code == 0, result.exception
    project = result.project_path
    assert project.name == "unicode-quoted-single-back-slash-colon-hash-ri-ben-curly-home-x"

    metadata = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert metadata["description"] == HOSTILE
    assert metadata["authors"] == [{"name": HOSTILE, "email": "you@example.com"}]
    assert (project / "README.md").read_text().startswith(f"# {HOSTILE}\n\n{HOSTILE}\n")
    assert HOSTILE in (project / "LICENSE").read_text()
    for path in project.rglob("*.py"):
        compile(path.read_text(), str(path), "exec")


def refusal(field: str, value) -> str:
    """The one message problems() gives for the default answers with `field` set to `value`."""
    found = problems({**DEFAULTS, field: value})
    assert len(found) == 1, found
    assert found[0].startswith(f"Invalid {field} {value!r}: it "), found
    assert len(found[0].splitlines()) == 1, found
    return found[0]


# Names pip, PyPI, the file system or Python would refuse or misread, each for its own reason.
BAD_SLUGS = [
    "",
    " ",
    ".",
    "..",
    "../x",
    "../../x/y",
    "a/b",
    "..\\evil",
    "/abs",
    "my project",
    'a"b',
    "a'b",
    "café",
    "日本",
    "-rf",
    "--help",
    ".hidden",
    "proj.",
    "proj-",
    "_proj",
    "proj_",
    "a:b",
    "a*b",
    "a\tb",
    "a\nb",
    "a\x00b",
    "a\x7fb",
    "a\u2028b",
    "ａｂｃ",  # full-width letters
    "x" * (MAX_LENGTH["project_slug"] + 1),
    "x" * 300,
    # Windows' device names, in any case, also before an extension: no folder can have one there
    "con",
    "CON",
    "Aux",
    "nul",
    "prn",
    "com1",
    "COM9",
    "lpt1",
    "nul.txt",
    "con.tar.gz",
]
BAD_PACKAGES = [
    "",
    "import",
    "class",
    "None",
    "logging",
    "test",
    "os",
    "2fast",
    "My_Package",
    "my-package",
    "os.path",
    "my package",
    "café",
    "_private",
    "__main__",
    "_distutils_hack",
    "__editable___my_project_finder",
    "hydra",
    "hydra_plugins",
    "omegaconf",
    "antlr4",
    "torch",
    "lightning",
    "sklearn",
    "numpy",
    "threadpoolctl",
    "pytest",
    "setuptools",
    "src",
    "tests",
    "__import__('os').system('id')",  # data, never code
    "x" * (MAX_LENGTH["package_name"] + 1),
    "tomllib",  # the standard library from 3.11 on; the default python_version is 3.11
    "annotationlib",  # new in 3.14, which every project supports
    "compression",  # new in 3.14
    "con",  # src/con/ is no folder on Windows
    "aux",
    "com1",
    "lpt9",
]


@pytest.mark.parametrize(
    ("field", "value"),
    [("project_slug", v) for v in BAD_SLUGS] + [("package_name", v) for v in BAD_PACKAGES],
)
def test_bad_name_is_refused_by_its_rule(field, value):
    refusal(field, value)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("project_slug", "a"),
        ("project_slug", "My.Project_2-b"),
        ("project_slug", "2fast"),
        ("project_slug", "x" * MAX_LENGTH["project_slug"]),
        ("project_slug", "com10"),  # not a device name, nor are the next three
        ("project_slug", "console"),
        ("project_slug", "my.con"),
        ("project_slug", "lpt"),
        ("package_name", "cats"),
        ("package_name", "nully"),
        ("package_name", "my_project_2"),
        ("package_name", "x" * MAX_LENGTH["package_name"]),
    ],
)
def test_good_name_passes(field, value):
    assert problems({**DEFAULTS, field: value}) == []


@pytest.mark.parametrize(
    ("name", "python_version", "pythons"),
    [
        ("tomllib", "3.10", "3.11, 3.12, 3.13, 3.14"),  # a 3.10 project runs on 3.11 and later too
        ("tomllib", "3.13", "3.13, 3.14"),
        ("annotationlib", "3.11", "3.14"),  # new in 3.14, the newest Python known
        ("compression", "3.13", "3.14"),
        ("asynchat", "3.10", "3.10, 3.11"),  # removed in 3.12
        ("logging", "3.12", "3.12, 3.13, 3.14"),
    ],
)
def test_package_name_is_refused_for_the_standard_library_of_every_python_from_python_version(
    name, python_version, pythons
):
    found = problems({**DEFAULTS, "package_name": name, "python_version": python_version})
    rule = f"would shadow the standard-library module of that name on Python {pythons}."
    assert found == [f"Invalid package_name {name!r}: it {rule}"]


@pytest.mark.parametrize(("name", "python_version"), [("asynchat", "3.12"), ("imp", "3.12")])
def test_a_module_the_standard_library_dropped_before_python_version_is_a_good_name(
    name, python_version
):
    """asynchat and imp left the standard library in 3.12: a 3.12 project may take the names,
    whatever Python runs cookiecutter (this one may still have them)."""
    assert problems({**DEFAULTS, "package_name": name, "python_version": python_version}) == []


def test_the_python_running_cookiecutter_does_not_decide_the_standard_library(monkeypatch):
    """Cookiecutter on 3.10, whose standard library has no tomllib, baking a 3.11 project,
    which would import the package for the standard library's tomllib: refused all the same."""
    import answer_rules

    monkeypatch.setattr(answer_rules, "RUNNING_PYTHON", "3.10", raising=False)
    monkeypatch.setattr(sys, "stdlib_module_names", frozenset(stdlib_list.stdlib_list("3.10")))
    refusal("package_name", "tomllib")  # the default python_version: 3.11


def test_a_python_newer_than_the_newest_known_adds_its_own_modules(monkeypatch):
    """A future Python running cookiecutter knows modules that stdlib_names.txt does not yet;
    the project runs on that Python too."""
    import answer_rules

    monkeypatch.setattr(answer_rules, "RUNNING_PYTHON", "3.99", raising=False)
    names = frozenset(sys.stdlib_module_names | {"futurelib"})
    monkeypatch.setattr(sys, "stdlib_module_names", names)
    assert refusal("package_name", "futurelib").endswith("of that name on Python 3.99.")


FREE_TEXT = ["project_name", "description", "author_name"]
# one character of each kind that is not one line of printable text
NOT_TEXT = ["\n", "\r", "\t", "\x00", "\x1b", "\x7f", "\x85", "\u2028", "\u2029", "\u200b"]
NOT_TEXT += ["\u202e", "\ufeff", "\ud800", "\ue000", "\U0010fffd", "\u0378"]


@pytest.mark.parametrize("field", [*FREE_TEXT, "author_email"])
@pytest.mark.parametrize("char", NOT_TEXT, ids=[f"U+{ord(c):04X}" for c in NOT_TEXT])
def test_free_text_must_be_one_line_of_printable_text(field, char):
    value = f"a{char}b@example.com" if field == "author_email" else f"line one{char}line two"
    message = refusal(field, value)
    assert f"U+{ord(char):04X}" in message


@pytest.mark.parametrize("field", FREE_TEXT)
def test_free_text_longer_than_its_limit_is_refused_and_the_limit_passes(field):
    assert problems({**DEFAULTS, field: "x" * MAX_LENGTH[field]}) == []
    refusal(field, "x" * (MAX_LENGTH[field] + 1))


@pytest.mark.parametrize("field", FREE_TEXT)
@pytest.mark.parametrize("value", ["", "   ", "\u3000"])
def test_free_text_must_not_be_empty(field, value):
    refusal(field, value)


@pytest.mark.parametrize("value", [HOSTILE, "Jean\u00a0Dupont", "東京\u3000太郎", "O'Brien <ob>"])
def test_printable_text_and_spaces_pass(value):
    assert problems({**DEFAULTS, "project_name": value, "author_name": value}) == []


@pytest.mark.parametrize(
    "email", ["you@example.com", "first.last+ml@sub.example.co.uk", "o'brien@x-y.io", "a%b@c.de"]
)
def test_good_email_passes(email):
    assert problems({**DEFAULTS, "author_email": email}) == []


BAD_EMAILS = ["not-an-email", "me@localhost", "a@b@c.de", 'a"b@c.de', "a b@c.de", "ü@ex.com"]
BAD_EMAILS += ["a..b@c.de", ".a@c.de", "a,b@c.de", "a<b@c.de", "a@-c.de", "a@c.de.", "@c.de"]
BAD_EMAILS += ["a@exämple.com", "x@[1.2.3.4]", "a(b)@c.de", "a@" + "c" * 251 + ".de"]


@pytest.mark.parametrize("email", BAD_EMAILS)
def test_bad_email_is_refused(email):
    refusal("author_email", email)


@pytest.mark.parametrize("version", ["latest", "1.0 beta", " 1.0", "1.0\n", "1" * 65])
def test_bad_version_is_refused(version):
    refusal("version", version)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("python_version", "3.9"),
        ("python_version", 3.11),  # a number in an edited replay file
        ("framework", "tensorflow"),
        ("framework", "PyTorch"),
        ("license", "WTFPL"),
        ("license", None),
        ("init_git", "yes"),
        ("init_git", 1),
        ("version", 1.0),
        ("project_name", ["a", "list"]),
    ],
)
def test_choices_and_types_follow_cookiecutter_json(field, value):
    refusal(field, value)


def test_every_offered_choice_passes():
    prompts = json.loads((ROOT / "cookiecutter.json").read_text())
    for field in ("python_version", "framework", "license"):
        for choice in prompts[field]:
            assert problems({**DEFAULTS, field: choice}) == [], (field, choice)
    for choice in (True, False):
        assert problems({**DEFAULTS, "init_git": choice}) == []


def test_every_prompt_has_a_rule():
    """A prompt added to cookiecutter.json without a rule in answer_rules.RULES goes unchecked."""
    prompts = json.loads((ROOT / "cookiecutter.json").read_text())
    assert list(RULES) == [field for field in prompts if not field.startswith("_")]
    assert set(MAX_LENGTH) <= set(RULES)


def test_package_name_follows_a_slug_with_dots_and_capitals():
    assert answers(project_slug="My.Project-2")["package_name"] == "my_project_2"


# Through cookiecutter itself: each refused while it renders the answers, before any folder.
BAD_ANSWERS = [
    ("project_slug", "a/b"),
    ("project_slug", "x" * 300),
    ("package_name", "import"),
    ("package_name", "antlr4"),
    ("package_name", "__main__"),
    ("description", "line one\nline two"),
    ("description", "a\x7fb"),
    ("author_name", "a\u2028b"),
    ("author_email", "me@localhost"),
    ("version", "latest"),
    ("project_name", "a{{b"),
    ("project_slug", "a{{b"),
    ("description", "{% if %}"),
    ("description", "{{ x | no_such_filter }}"),
    ("author_name", "a {# b"),
]


@pytest.mark.parametrize(("field", "value"), BAD_ANSWERS)
def test_bad_answer_is_refused_with_one_line_and_nothing_on_disk(tmp_path, capfd, field, value):
    with pytest.raises(FailedHookException) as refused:
        cookiecutter(str(ROOT), no_input=True, extra_context={field: value}, output_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []
    message = str(refused.value) + capfd.readouterr().err
    errors = [line for line in message.splitlines() if f"Invalid {field} {value!r}" in line]
    assert len(errors) == 1, message


def run_cookiecutter(*arguments, cwd: Path) -> tuple[int, list[str]]:
    """The command line as a user runs it: (exit status, output lines)."""
    done = subprocess.run(
        [sys.executable, "-m", "cookiecutter", *arguments], cwd=cwd, capture_output=True, text=True
    )
    return done.returncode, (done.stdout + done.stderr).strip().splitlines()


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("package_name", "class", "is a Python keyword"),
        ("project_slug", "a/b", "must be a distribution name"),
        ("project_slug", "x" * 300, "must be at most 64 characters long"),
        ("project_slug", "-rf", "must be a distribution name"),
        ("package_name", "threadpoolctl", "would shadow a dependency"),
        ("package_name", "annotationlib", "would shadow the standard-library module"),
        ("project_slug", "con", "is a device name on Windows"),
        ("project_slug", "AUX.txt", "is a device name on Windows"),
        ("package_name", "com1", "is a device name on Windows"),
        ("description", "a\x7fb", "must be one line of printable text"),
        ("project_name", "a{{b", "is not valid Jinja"),
    ],
)
def test_command_line_refuses_bad_answer(tmp_path, field, value, rule):
    """What a user sees: exit status 1, the reason on one line, nothing on disk."""
    arguments = ["--no-input", "--default-config", "-o", "out", ROOT, f"{field}={value}"]
    status, lines = run_cookiecutter(*arguments, cwd=tmp_path)
    assert status == 1
    assert len(lines) == 1 and lines[0].startswith(f"Invalid {field} {value!r}: it {rule}"), lines
    assert list(tmp_path.iterdir()) == []  # not even the output folder


@pytest.fixture(scope="session")
def replay_file(tmp_path_factory) -> dict:
    """What cookiecutter recorded for a good bake (its --replay file), read back."""
    where = tmp_path_factory.mktemp("replayed")
    config = cookiecutter_config(where / "cookiecutter")
    given = {"init_git": False}
    cookiecutter(
        str(ROOT), no_input=True, extra_context=given, output_dir=where, config_file=str(config)
    )
    return json.loads((where / "cookiecutter" / "replay" / f"{ROOT.name}.json").read_text())


def replay_with(replay_file: dict, where: Path, **edits) -> tuple[Path, Path]:
    """A replay file with `edits` made to its answers, and a config that keeps cookiecutter's
    own files in `where`: (replay file, config file)."""
    edited = {**replay_file, "cookiecutter": {**replay_file["cookiecutter"], **edits}}
    replay = where / "edited.json"
    replay.write_text(json.dumps(edited))
    return replay, cookiecutter_config(where / "cookiecutter")


REPLAYED = [
    ("project_slug", "../escaped"),
    ("project_slug", "../escaped/deeper"),
    ("project_slug", "x" * 300),
    ("package_name", "antlr4"),
    ("description", "a\x7fb"),
    ("framework", "tensorflow"),
    ("license", "WTFPL"),
    ("python_version", "3.9"),
    ("init_git", "yes"),
]


@pytest.mark.parametrize("hooks", ["yes", "no"])
@pytest.mark.parametrize(("field", "value"), REPLAYED)
def test_replayed_bad_answer_is_refused_with_one_line_and_nothing_on_disk(
    tmp_path, replay_file, field, value, hooks
):
    """--replay-file skips the prompts (and cookiecutter's own check of choices): the answers
    are checked before the project folder exists, with or without hooks."""
    work = tmp_path / "work"
    work.mkdir()
    replay, config = replay_with(replay_file, tmp_path, **{field: value})
    arguments = ["--replay-file", replay, "--config-file", config, "--accept-hooks", hooks]
    status, lines = run_cookiecutter(*arguments, "-o", "out", ROOT, cwd=work)
    assert status == 1
    assert len(lines) == 1 and lines[0].startswith(f"Invalid {field} {value!r}: it "), lines
    assert list(work.iterdir()) == []  # not even the output folder
    # cookiecutter records the replayed answers in its own folder, as on every run; nothing else
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cookiecutter", "edited.json", "work"]


def test_replayed_good_answers_bake(tmp_path, replay_file):
    """The folders that cookiecutter records with the answers (`_output_dir`, `_repo_dir`, those
    of the bake it recorded) are replaced by the replay's own: a record made elsewhere works."""
    elsewhere = tmp_path / "elsewhere"
    folders = {"_output_dir": str(elsewhere), "_repo_dir": str(elsewhere / "template")}
    replay, config = replay_with(
        replay_file, tmp_path, project_slug="replayed", framework="sklearn", **folders
    )
    status, lines = run_cookiecutter(
        "--replay-file", replay, "--config-file", config, ROOT, cwd=tmp_path
    )
    assert status == 0, lines
    assert (tmp_path / "replayed" / "src" / "my_project" / "models.py").is_file()
    assert not elsewhere.exists()


def test_replay_of_an_edited_record_is_refused_with_one_line_and_nothing_on_disk(
    tmp_path, replay_file
):
    """`--replay` reads cookiecutter's record of the last bake of this template, in its replay
    folder: an edited record is checked as a --replay-file is."""
    work = tmp_path / "work"
    work.mkdir()
    replay, config = replay_with(replay_file, tmp_path, package_name="antlr4")
    record = tmp_path / "cookiecutter" / "replay" / f"{ROOT.name}.json"
    record.parent.mkdir()
    replay.rename(record)
    status, lines = run_cookiecutter(
        "--replay", "--config-file", config, "-o", "out", ROOT, cwd=work
    )
    assert status == 1
    assert len(lines) == 1 and lines[0].startswith("Invalid package_name 'antlr4': it "), lines
    assert list(work.iterdir()) == []


def test_pre_gen_hook_refuses_bad_answers_as_it_is_rendered():
    """The backstop: cookiecutter renders hooks/pre_gen_project.py before it runs it, and the
    rendering runs the check; good answers give a hook that exits 0."""
    assert load_hook("pre_gen_project").ANSWERS_ARE_VALID == "yes"
    bad = {**DEFAULTS, "project_slug": "../escaped"}
    with pytest.raises(FailedHookException, match=r"^Invalid project_slug '\.\./escaped': it "):
        render_hook("pre_gen_project", bad)
    as_it_stands = subprocess.run([sys.executable, ROOT / "hooks" / "pre_gen_project.py"])
    assert as_it_stands.returncode == 1  # never rendered: never checked


def test_without_hooks_layers_stay_unlaid_and_answers_are_still_checked(tmp_path):
    """--accept-hooks no (documented in docs/reliability.md): the project folder as it stands in
    the template, _layers/ included, no framework files, no git; bad answers still refused."""
    project = Path(cookiecutter(str(ROOT), no_input=True, output_dir=tmp_path, accept_hooks=False))
    files = project_files(project)
    assert "_layers/framework/pytorch/src/my_project/train.py" in files
    assert "_layers/license/MIT/LICENSE" in files
    assert "src/my_project/train.py" not in files and "LICENSE" not in files
    assert not (project / ".git").exists()
    with pytest.raises(FailedHookException, match=r"^Invalid package_name 'import'"):
        cookiecutter(
            str(ROOT),
            no_input=True,
            extra_context={"package_name": "import"},
            output_dir=tmp_path / "refused",
            accept_hooks=False,
        )
    assert not (tmp_path / "refused").exists()
