"""Answers are data: hostile free text round-trips, bad names are refused with nothing on disk."""

import subprocess
import sys
import tomllib

import pytest
from conftest import ROOT
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter

HOSTILE = (
    "Ünïcødé \"quoted\" 'single' back\\slash: colon # hash\n"
    "second line 日本 ✓ 🚀 {curly} $HOME ${x}"
)


def test_hostile_free_text_round_trips(cookies):
    answers = {"project_name": HOSTILE, "description": HOSTILE, "author_name": HOSTILE}
    result = cookies.bake(extra_context=answers)
    assert result.exit_code == 0, result.exception
    project = result.project_path
    assert (
        project.name
        == "unicode-quoted-single-back-slash-colon-hash-second-line-ri-ben-curly-home-x"
    )

    metadata = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    assert metadata["description"] == HOSTILE
    assert metadata["authors"] == [{"name": HOSTILE, "email": "you@example.com"}]
    assert (project / "README.md").read_text().startswith(f"# {HOSTILE}\n\n{HOSTILE}\n")
    assert HOSTILE in (project / "LICENSE").read_text()
    for path in project.rglob("*.py"):
        compile(path.read_text(), str(path), "exec")


BAD_ANSWERS = [
    ("project_slug", "a/b"),
    ("project_slug", "..\\evil"),
    ("project_slug", ".."),
    ("project_slug", " "),
    ("package_name", "import"),  # keyword
    ("package_name", "logging"),  # standard library
    ("package_name", "test"),  # standard library
    ("package_name", "hydra"),  # a dependency
    ("package_name", "torch"),  # a dependency
    ("package_name", "antlr4"),  # a dependency of a dependency (omegaconf)
    ("package_name", "threadpoolctl"),  # scikit-learn's
    ("package_name", "hydra_plugins"),  # every Hydra plugin's namespace
    ("package_name", "_distutils_hack"),  # setuptools'; a leading '_' is refused by rule
    ("package_name", "__main__"),
    ("package_name", "2fast"),
    ("package_name", "My_Package"),
    ("package_name", "my-package"),
    ("package_name", "os.path"),
    ("package_name", "__import__('os').system('id')"),  # data, never code
    ("author_email", "not-an-email"),
    ("author_email", "me@localhost"),
    ("version", "latest"),
    ("version", "1.0 beta"),
]


@pytest.mark.parametrize(("field", "value"), BAD_ANSWERS)
def test_bad_answer_is_refused_with_one_line_and_nothing_on_disk(tmp_path, capfd, field, value):
    with pytest.raises(FailedHookException) as refused:
        cookiecutter(str(ROOT), no_input=True, extra_context={field: value}, output_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []
    message = str(refused.value) + capfd.readouterr().err
    errors = [line for line in message.splitlines() if f"Invalid {field} {value!r}" in line]
    assert len(errors) == 1, message


@pytest.mark.parametrize(("field", "value"), [("package_name", "class"), ("project_slug", "a/b")])
def test_command_line_refuses_bad_answer(tmp_path, field, value):
    """What a user sees: exit status 1, the reason on one line, an empty output folder."""
    command = ["cookiecutter", "--no-input", "--output-dir", tmp_path, ROOT, f"{field}={value}"]
    done = subprocess.run([sys.executable, "-m", *command], capture_output=True, text=True)
    assert done.returncode == 1
    lines = (done.stdout + done.stderr).strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Invalid {field} {value!r}: it "), lines
    assert list(tmp_path.iterdir()) == []
