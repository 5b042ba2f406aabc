"""The command line: --help, --cfg, tab completion and the installed commands."""

import importlib
import json
import os
import re
import subprocess
import sys
from importlib.metadata import entry_points, packages_distributions, requires
from pathlib import Path

import pytest
import yaml
from conftest import CONFIGS, DISTRIBUTION, GROUPS, PACKAGE, command, options, run_cli, run_command

# each command's primary config
CONFIG_NAMES = {"train": "train", "evaluate": "eval", "predict": "predict"}


def output_of(entry_point: str, *args: str, cwd, capsys) -> str:
    """What the command prints for --help, --cfg and the like (run in this process: the
    fresh-process check of these commands is test_cli_does_not_import_heavy_libraries)."""
    try:
        run_cli(entry_point, *args, cwd=cwd)
    except SystemExit as ended:  # --help exits, --cfg returns
        assert ended.code in (0, None)
    return capsys.readouterr().out


def listed_groups(help_text: str) -> dict[str, str]:
    """The `Config groups` section of --help: group -> its options, as listed."""
    section = help_text.split("Config groups (pick one option each):\n", 1)[1].split("\n\n")[0]
    return dict(line.split(": ", 1) for line in section.splitlines())


def defaults_groups(config_name: str) -> set[str]:
    """The config groups that a primary config's defaults list picks from, read from its file,
    that have options (an installed package has no folder for local/, which holds none)."""
    defaults = yaml.safe_load(CONFIGS.joinpath(f"{config_name}.yaml").read_text())["defaults"]
    groups = {key.split()[-1] for entry in defaults if isinstance(entry, dict) for key in entry}
    return {group for group in groups if CONFIGS.joinpath(group).is_dir() and options(group)}


@pytest.mark.parametrize("entry_point", ["train", "evaluate", "predict"])
@pytest.mark.slow
def test_help_lists_the_config_groups_of_the_command(entry_point, tmp_path, capsys):
    """Each group of the command's defaults list that has options, with its options; no group
    that the command does not read (evaluate and predict take no model or optimizer)."""
    out = output_of(entry_point, "--help", cwd=tmp_path, capsys=capsys)
    assert f"{command(entry_point)} ({PACKAGE}.{entry_point}), configured with Hydra" in out
    groups = defaults_groups(CONFIG_NAMES[entry_point]) - {"hydra"}
    expected = {group: ", ".join(options(group)) for group in groups}
    assert listed_groups(out) == expected
    assert expected["data"] == "csv, digits"
    if entry_point == "train":  # train reads every group of configs/
        assert set(expected) == {group for group in GROUPS if options(group)} - {"hydra"}
    else:
        assert "model" not in expected and "model" in GROUPS
    assert not (tmp_path / "outputs").exists()  # --help runs nothing


def test_cfg_job_prints_the_composed_config(tmp_path, capsys):
    args = ["--cfg", "job", "--resolve", "data=csv", "paths.data_dir=/tables", "seed=7"]
    out = output_of("train", *args, cwd=tmp_path, capsys=capsys)
    assert f"_target_: {PACKAGE}.data.load_csv" in out
    assert "path: /tables/dataset.csv" in out  # data.path follows paths.data_dir
    assert "seed: 7" in out
    assert not (tmp_path / "outputs").exists()


def normalized(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def heavy_modules() -> set[str]:
    """Top-level modules of this project's dependencies, except Hydra's packages (the command
    line needs those): numpy, scikit-learn and the training framework."""
    dependencies = {
        normalized(re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0])
        for requirement in requires(DISTRIBUTION)
        if "extra ==" not in requirement
    }
    providers = packages_distributions()

    def modules_of(names: set[str]) -> set[str]:
        return {
            module
            for module, distributions in providers.items()
            if any(normalized(d) in names for d in distributions)
        }

    hydra = {name for name in dependencies if name.startswith("hydra")}
    return modules_of(dependencies - hydra) - modules_of(hydra)


@pytest.mark.processes
def test_cli_does_not_import_heavy_libraries(tmp_path):
    """--help, --cfg and tab completion only compose configs: they must stay instant. One
    fresh process runs them all and reports, after each, which heavy module got imported.
    predict also resolves the run folder that it names after the checkpoint (as evaluate)."""
    heavy = sorted(heavy_modules())
    assert "numpy" in heavy
    named_run = ["ckpt_path=outputs/runs/d/t/c.pt", "--cfg", "all", "--resolve"]
    commands = {
        "train": [["--help"], ["--cfg", "job"], ["--cfg", "all"], ["-sc", "query=bash"]],
        "evaluate": [["--help"]],
        "predict": [["--help"], named_run],
    }
    probe = (
        "import importlib, json, os, sys\n"
        "os.environ['COMP_LINE'] = 'train model='  # what bash passes to a completion query\n"
        "imported = {}\n"
        f"for entry_point, runs in {commands!r}.items():\n"
        f"    main = importlib.import_module('{PACKAGE}.' + entry_point).main\n"
        "    for args in runs:\n"
        "        sys.argv = [entry_point, *args]\n"
        "        try:\n"
        "            main()\n"
        "        except SystemExit:\n"
        "            pass\n"
        "        ran = ' '.join([entry_point, *args])\n"
        f"        imported[ran] = [m for m in {heavy!r} if m in sys.modules]\n"
        "print(json.dumps(imported))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert "outputs/predictions/d_t/" in done.stdout  # predict's run folder, resolved
    imported = json.loads(done.stdout.strip().splitlines()[-1])
    ran = [
        " ".join([entry_point, *args]) for entry_point, runs in commands.items() for args in runs
    ]
    assert imported == dict.fromkeys(ran, [])


@pytest.mark.processes
def test_tab_completion_offers_config_options(tmp_path):
    env = {**os.environ, "COMP_LINE": f"{command('train')} model="}
    out = run_command("train", "-sc", "query=bash", cwd=tmp_path, env=env)
    assert {f"model={option}" for option in options("model")} <= set(out.split())


def test_commands_are_installed_under_this_project_name():
    """<project>-train, -evaluate, -predict and -report: another project in the same
    environment has its own, so neither repoints the other's commands."""
    ours = {
        script.name: script.value
        for script in entry_points(group="console_scripts")
        if script.value.startswith(f"{PACKAGE}.")
    }
    assert ours == {
        f"{DISTRIBUTION}-train": f"{PACKAGE}.train:main",
        f"{DISTRIBUTION}-evaluate": f"{PACKAGE}.evaluate:main",
        f"{DISTRIBUTION}-predict": f"{PACKAGE}.predict:main",
        f"{DISTRIBUTION}-report": f"{PACKAGE}.harness.report:main",
    }


def test_every_import_the_readmes_show_works():
    """What the READMEs tell users to import (`from <package>.x import y`, `<package>.x`) is
    there: a module moved into harness/ without its documentation fails here."""
    project = Path(__file__).resolve().parents[1]
    readmes = [project / "README.md", project / "data" / "README.md"]
    readmes.append(project / "src" / PACKAGE / "harness" / "README.md")
    text = "\n".join(readme.read_text() for readme in readmes)
    shown = re.findall(rf"from ({PACKAGE}[\w.]*) import (\w+)", text)
    modules = set(re.findall(rf"\b{PACKAGE}(?:\.\w+)+", text))
    assert shown  # the READMEs do show imports (paths): a changed pattern fails here
    for name, attribute in shown:
        assert hasattr(importlib.import_module(name), attribute), f"from {name} import {attribute}"
    for name in modules:
        importlib.import_module(name)
