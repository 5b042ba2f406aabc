"""Fixtures for the template tests: bakes (pytest-cookies), the hook table, a project venv."""

import importlib.util
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load_hook(name: str):
    """Import a hook file as a module (its Jinja placeholders sit inside strings)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "hooks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def project_files(project: Path) -> set[str]:
    """Every file of a baked project, relative and POSIX-style, without the .git folder."""
    return {
        p.relative_to(project).as_posix()
        for p in project.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(project).parts
    }


@pytest.fixture(scope="session")
def default_project(cookies_session) -> Path:
    """The project baked with every default answer."""
    result = cookies_session.bake()
    assert result.exit_code == 0, result.exception
    return Path(result.project_path)


def make_venv(venv: Path) -> Path:
    """A fresh virtual environment that sees this environment's packages (torch, hydra, ...)
    through a .pth file, so installing a baked project into it installs just that project."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    ask = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    purelib = subprocess.run(
        [venv / "bin" / "python", "-c", ask], capture_output=True, text=True, check=True
    ).stdout.strip()
    Path(purelib, "template-test-env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def pip_install(venv: Path, *requirements: str) -> None:
    """`pip install` into `venv` with this environment's pip, as a user would into their own."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            venv / "bin" / "python",
            "install",
            "--quiet",
            *requirements,
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
