"""Fixtures for the template tests: answers, bakes (pytest-cookies) and the rendered hook."""

import json
import types
from pathlib import Path

import pytest
from cookiecutter.environment import StrictEnvironment
from cookiecutter.generate import generate_context
from cookiecutter.prompt import prompt_for_config

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "{{cookiecutter.project_slug}}"
PROMPTS = json.loads((ROOT / "cookiecutter.json").read_text())


def answers(**given) -> dict:
    """Every answer of a `--no-input` bake with `given` changed, derived ones (slug, package)
    rendered as cookiecutter renders them."""
    context = generate_context(str(ROOT / "cookiecutter.json"), extra_context=given)
    return dict(prompt_for_config(context, no_input=True))


def cookiecutter_config(where: Path) -> Path:
    """A cookiecutter config file that keeps cookiecutter's replay and cache folders in `where`
    (a bake records its answers there), for bakes outside pytest-cookies."""
    where.mkdir()
    config = where / "config.yaml"
    config.write_text(f"replay_dir: {where / 'replay'}\ncookiecutters_dir: {where / 'cache'}\n")
    return config


def without_make_flags(environment) -> dict:
    """The process environment without the flags of an enclosing `make` (`make test` runs
    pytest), for a test that runs a generated project's own make."""
    return {k: v for k, v in environment.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}


def render_hook(name: str, rendered_answers: dict) -> str:
    """A hook's source as cookiecutter renders it, with the template's Jinja extensions."""
    environment = StrictEnvironment(context={"cookiecutter": rendered_answers})
    source = (ROOT / "hooks" / f"{name}.py").read_text()
    return environment.from_string(source).render(cookiecutter=rendered_answers)


def load_hook(name: str, **given) -> types.ModuleType:
    """A hook as cookiecutter runs it: rendered with the answers, then imported as a module."""
    code = render_hook(name, answers(**given))
    module = types.ModuleType(name)
    exec(compile(code, f"hooks/{name}.py (rendered)", "exec"), module.__dict__)
    return module


def project_files(project: Path) -> set[str]:
    """Every file of a baked project, relative and POSIX-style, without the .git folder."""
    return {
        p.relative_to(project).as_posix()
        for p in project.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(project).parts
    }


@pytest.fixture(scope="session")
def bake(cookies_session):
    """Bake once per set of answers in this test session: bake(framework="sklearn")."""
    made = {}

    def baked(**given) -> Path:
        key = tuple(sorted(given.items()))
        if key not in made:
            result = cookies_session.bake(extra_context=given)
            assert result.exit_code == 0, result.exception
            made[key] = Path(result.project_path)
        return made[key]

    return baked


@pytest.fixture(scope="session")
def default_project(bake) -> Path:
    """The project baked with every default answer."""
    return bake()
