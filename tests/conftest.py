"""Fixtures for the template tests: bakes (pytest-cookies) and the post-generation hook."""

import importlib.util
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
