"""`make bench`: every figure of docs/benchmarks.md, measured side by side in one run.

Usage: python -m benchmarks.run [--repeats 5] [--skip-template-tests] [--only SECTION ...]
Each figure is a median of `--repeats` runs; commands that are compared run in turn (a b a b
...) so that the machine's noise hits both alike. Nothing here is a pass/fail test: the report
states each goal next to its measurement.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

from cookiecutter.main import cookiecutter

from benchmarks.csv_data import bench_csv, synthetic_csv
from benchmarks.harness import empty, fresh_dir, interleaved_medians, wall_time
from benchmarks.scale import bench_ddp, bench_launchers
from devtools.venv import make_venv, pip_install

ROOT = Path(__file__).resolve().parents[1]
BASELINES = ROOT / "benchmarks" / "baselines"
WORK = ROOT / "build" / "bench"
FRAMEWORKS = ["pytorch", "lightning", "sklearn"]
PYTHON = sys.executable
TRACKERS = ["csv", "tensorboard", "mlflow", "wandb"]
# the default project's training command (named after the project: my-project-train)
TRAIN = "my-project-train"


def install_projects(frameworks=FRAMEWORKS) -> dict[str, Path]:
    """Bake each framework and install it (not editable) into its own venv: {framework: bin}."""
    bins = {}
    for framework in frameworks:
        where = WORK / framework
        empty(where)()
        project = cookiecutter(
            str(ROOT),
            no_input=True,
            output_dir=str(where),
            extra_context={"framework": framework, "init_git": False},
        )
        venv = make_venv(where / "venv")
        pip_install(venv, project)
        bins[framework] = venv / "bin"
    return bins


def bench_bake(repeats: int) -> dict[str, float]:
    """The bake from the command line: a one-file template, the defaults, one option at a time."""
    variants = {
        "one-file template": [str(BASELINES / "one_file_template")],
        "default (pytorch, MIT, git)": [str(ROOT)],
        "init_git=no": [str(ROOT), "init_git=no"],
        "license=none": [str(ROOT), "license=none"],
        "license=GPL-3.0-only": [str(ROOT), "license=GPL-3.0-only"],
        "framework=lightning": [str(ROOT), "framework=lightning"],
        "framework=sklearn": [str(ROOT), "framework=sklearn"],
    }
    commands = {}
    for i, (name, args) in enumerate(variants.items()):
        out = WORK / "bakes" / str(i)
        command = [PYTHON, "-m", "cookiecutter", "--no-input", "-o", str(out), *args]
        commands[name] = {"command": command, "setup": empty(out)}
    return interleaved_medians(commands, repeats)


def bench_cli(bins: dict[str, Path], repeats: int) -> dict[str, dict[str, float]]:
    """--help, --cfg job and a tab-completion query, against the minimal one-config app."""
    minimal = [PYTHON, str(BASELINES / "minimal_app.py")]
    results = {}
    for framework, bin_dir in bins.items():
        train = [str(bin_dir / TRAIN)]
        commands = {
            "train --help": {"command": [*train, "--help"]},
            "minimal --help": {"command": [*minimal, "--help"]},
            "train --cfg job": {"command": [*train, "--cfg", "job"]},
            "minimal --cfg job": {"command": [*minimal, "--cfg", "job"]},
            "train completion": {
                "command": [*train, "-sc", "query=bash"],
                "env": {"COMP_LINE": f"{TRAIN} model="},
            },
            "minimal completion": {
                "command": [*minimal, "-sc", "query=bash"],
                "env": {"COMP_LINE": "minimal_app.py lr="},
            },
        }
        setup = fresh_dir(WORK / "cli")
        for spec in commands.values():
            spec["setup"] = setup
        results[framework] = interleaved_medians(commands, repeats)
    return results


# config errors that must stop `train` in about the time of `train --cfg job` (issue 11):
# composition (a type, a key), the checks after it (a range, ???, a file), for every framework
FAIL_FAST = {
    "seed=1.5": ["seed=1.5"],
    "data.val_fraction=1.5": ["data.val_fraction=1.5"],
    "data.batch_size=0 (no such key)": ["data.batch_size=0"],
    "data.path=??? (missing value)": ["data=csv", "data.path=???"],
    "data.path=missing.csv": ["data=csv", "data.path=missing.csv"],
}
FAIL_FAST_TORCH = {
    "trainer.max_epochs=abc": ["trainer.max_epochs=abc"],
    "trainer.max_epochs=0": ["trainer.max_epochs=0"],
    "optimizer.lr=-1": ["optimizer.lr=-1"],
}


def bench_fail_fast(bins: dict[str, Path], repeats: int) -> dict[str, dict[str, float]]:
    """Each config error of FAIL_FAST (exit status 1) against `train --cfg job`; and Hydra's own
    floor: the one-config app refusing a key against its `--cfg job` (Hydra composes a run's
    config twice, the first time only to learn the run mode, and `--cfg job` once)."""
    minimal = [PYTHON, str(BASELINES / "minimal_app.py")]
    floor = {
        "minimal --cfg job": {"command": [*minimal, "--cfg", "job"]},
        "minimal no_such_key=1": {"command": [*minimal, "no_such_key=1"], "exit_status": 1},
    }
    results = {"hydra": interleaved_medians(floor, repeats)}
    for framework, bin_dir in bins.items():
        train = [str(bin_dir / TRAIN)]
        cases = FAIL_FAST | ({} if framework == "sklearn" else FAIL_FAST_TORCH)
        setup = fresh_dir(WORK / "fail_fast")
        commands = {"train --cfg job": {"command": [*train, "--cfg", "job"], "setup": setup}}
        for name, overrides in cases.items():
            commands[name] = {"command": [*train, *overrides], "exit_status": 1, "setup": setup}
        results[framework] = interleaved_medians(commands, repeats)
    return results


def bench_train(bins: dict[str, Path], repeats: int) -> dict[str, dict[str, float]]:
    """The default `train` against a bare script doing the same work in the same framework."""
    results = {}
    for framework, bin_dir in bins.items():
        setup = fresh_dir(WORK / "train")
        commands = {
            "train": {"command": [str(bin_dir / TRAIN)], "setup": setup},
            "bare script": {
                "command": [PYTHON, str(BASELINES / f"bare_{framework}.py")],
                "setup": setup,
            },
        }
        results[framework] = interleaved_medians(commands, repeats)
    return results


# the training options of the torch frameworks whose epoch time is recorded (no goal)
TRAINING_OPTIONS = {
    "32": [],
    "bf16-mixed": ["trainer.precision=bf16-mixed"],
    "compile": ["model.compile=true"],
}
NO_EARLY_STOPPING = {
    "pytorch": "trainer.early_stopping=null",
    "lightning": "~callbacks.early_stopping",
}


def bench_training_options(bins: dict[str, Path], repeats: int) -> dict[str, dict[str, float]]:
    """The default `train` (digits, MLP) with each of TRAINING_OPTIONS, for 1 and for 11
    epochs without early stopping: the difference over 10 is an epoch's time, the 1-epoch run
    holds the start-up (and the compiler's first pass)."""
    results = {}
    for framework in ("pytorch", "lightning"):
        setup = fresh_dir(WORK / "training_options")
        train = [str(bins[framework] / TRAIN), NO_EARLY_STOPPING[framework]]
        commands = {
            f"{option} {epochs}": {
                "command": [*train, f"trainer.max_epochs={epochs}", *overrides],
                "setup": setup,
            }
            for option, overrides in TRAINING_OPTIONS.items()
            for epochs in (1, 11)
        }
        results[framework] = interleaved_medians(commands, repeats)
    return results


# times, in the project's own environment, what a run writes to be made again
# (harness/provenance.py): at its start, in a git work tree with a changed file, and at its end
RUN_RECORD = """
import pathlib, statistics, sys, tempfile, time
import torch
from my_project.harness import provenance
code, out = pathlib.Path(sys.argv[1]), pathlib.Path(tempfile.mkdtemp())
def median_ms(call, repeats=21):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)
print(median_ms(lambda: provenance.record_start(out, code)), median_ms(provenance.machine))
"""


def bench_run_record(bins: dict[str, Path]) -> dict[str, float]:
    """What recording a run's environment, code (with a patch) and machine costs, in ms."""
    project = next((WORK / "pytorch").glob("*/src/my_project")).parents[1]
    work_tree = WORK / "run_record"
    empty(work_tree)()
    shutil.copytree(project, work_tree, dirs_exist_ok=True)
    for args in (["init", "-q"], ["add", "."], ["-c", "user.name=b", "-c", "user.email=b@b",
                                                  "commit", "-q", "-m", "bake"]):  # fmt: skip
        subprocess.run(["git", *args], cwd=work_tree, check=True)
    with open(work_tree / "src" / "my_project" / "models.py", "a") as models:
        models.write("# a change that is not committed\n")
    code = work_tree / "src" / "my_project"
    done = subprocess.run(
        [str(bins["pytorch"] / "python"), "-c", RUN_RECORD, str(code)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    start, end = map(float, done.stdout.split())
    return {"start_ms": start, "end_ms": end}


def bench_trackers(bins: dict[str, Path], repeats: int) -> dict[str, dict[str, float]]:
    """`train debug=fast` with each tracker (`logger=...`), side by side: what a tracker adds
    to a short run. The store is fresh for every run (the first run's set-up, an MLflow store's
    tables, included)."""
    results = {}
    for framework in ("pytorch", "sklearn"):
        setup = fresh_dir(WORK / "trackers")
        command = [str(bins[framework] / TRAIN), "debug=fast"]
        commands = {
            logger: {"command": [*command, f"logger={logger}"], "setup": setup}
            for logger in TRACKERS
        }
        # MLflow again, on a store that earlier runs made: the usual case after the first run
        warm = WORK / "trackers-warm" / framework
        empty(warm)()
        warm.mkdir(parents=True)
        wall_time([*command, "logger=mlflow"], cwd=warm)
        commands["mlflow, store exists"] = {
            "command": [*command, "logger=mlflow"],
            "setup": lambda w=warm: w,
        }
        results[framework] = interleaved_medians(commands, repeats)
    return results


def bench_generated_tests(bins: dict[str, Path], repeats: int) -> dict[str, dict[str, float]]:
    """Each generated project's own test suite in its folder, as its Makefile runs it (on every
    core, pytest-xdist): all of it (`make test`) and without the tests marked slow
    (`make test-fast`)."""
    results = {}
    for framework, bin_dir in bins.items():
        project = WORK / framework / "my-project"
        pytest = [
            str(bin_dir / "python"),
            "-m",
            "pytest",
            "-n",
            "auto",
            "-q",
            "-p",
            "no:cacheprovider",
        ]
        suites = {"all": pytest, "fast": [*pytest, "-m", "not slow"]}
        commands = {
            name: {"command": command, "setup": lambda p=project: p}
            for name, command in suites.items()
        }
        results[framework] = interleaved_medians(commands, repeats)
    return results


def bench_multirun(bin_dir: Path, repeats: int, sizes=(1, 2, 4, 8)) -> dict[str, dict[int, float]]:
    """`train -m debug=fast seed=0,..,n-1` under Hydra's basic launcher and the joblib one."""
    results: dict[str, dict[int, float]] = {"basic": {}, "joblib": {}}
    setup = fresh_dir(WORK / "multirun")
    for n in sizes:
        seeds = "seed=" + ",".join(str(seed) for seed in range(n))
        commands = {
            launcher: {
                "command": [
                    str(bin_dir / TRAIN),
                    "-m",
                    "debug=fast",
                    seeds,
                    f"hydra/launcher={launcher}",
                ],
                "setup": setup,
            }
            for launcher in results
        }
        for launcher, seconds in interleaved_medians(commands, repeats).items():
            results[launcher][n] = seconds
    return results


def bench_template_tests() -> float:
    """One `pytest -n auto` of this repository's own tests (what `make test` runs)."""
    command = [
        PYTHON,
        "-m",
        "pytest",
        "-n",
        "auto",
        "--dist",
        "loadgroup",
        "-q",
        "-p",
        "no:cacheprovider",
    ]
    return wall_time(command, cwd=ROOT)


def today_on_this_machine() -> str:
    return (
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPU cores, {platform.machine()}, {datetime.date.today().isoformat()}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-template-tests", action="store_true")
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="SECTION",
        help="measure these sections again (e.g. fail_fast) and keep the other sections' figures "
        "of docs/benchmarks.json; the report names the sections measured on another day",
    )
    args = parser.parse_args()
    from benchmarks.report import write_report

    print("installing one project per framework ...", flush=True)
    bins = install_projects()
    results = {"repeats": args.repeats}
    if args.only:
        results = json.loads((ROOT / "docs" / "benchmarks.json").read_text())
        results.setdefault("remeasured", {})
    for name, run in [
        ("bake", lambda: bench_bake(args.repeats)),
        ("cli", lambda: bench_cli(bins, args.repeats)),
        ("fail_fast", lambda: bench_fail_fast(bins, args.repeats)),
        ("train", lambda: bench_train(bins, args.repeats)),
        ("trackers", lambda: bench_trackers(bins, args.repeats)),
        ("training_options", lambda: bench_training_options(bins, max(3, args.repeats // 2))),
        ("run_record", lambda: bench_run_record(bins)),
        ("tests", lambda: bench_generated_tests(bins, args.repeats)),
        ("multirun", lambda: bench_multirun(bins["pytorch"], max(3, args.repeats // 2))),
        ("launchers", lambda: bench_launchers(bins["pytorch"], WORK, 3)),
        ("ddp", lambda: bench_ddp(bins["pytorch"], WORK, synthetic_csv(100_000, 64), 3)),
        ("csv", lambda: bench_csv(max(3, args.repeats // 2), bin_dir=bins["pytorch"])),
    ]:
        if args.only and name not in args.only:
            continue
        print(f"{name} ...", flush=True)
        results[name] = run()
        if args.only:
            results["remeasured"][name] = today_on_this_machine()
    if args.only:
        write_report(results, ROOT / "docs")
        print(f"wrote docs/benchmarks.md ({', '.join(args.only)} measured again)")
        return
    # `make demo` on a fresh clone is measured by hand (docs/benchmarks.md): kept, not remeasured
    previous = json.loads((ROOT / "docs" / "benchmarks.json").read_text())
    if "demo" in previous:
        results["demo"] = previous["demo"]
    if not args.skip_template_tests:
        print("template tests ...", flush=True)
        results["template_tests"] = bench_template_tests()
    results["machine"] = today_on_this_machine()
    write_report(results, ROOT / "docs")
    print("wrote docs/benchmarks.md and docs/benchmarks.png")


if __name__ == "__main__":
    main()
