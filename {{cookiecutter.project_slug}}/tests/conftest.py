"""Shared helpers and fixtures: this package's modules and configs, real runs, a CSV data set."""

import importlib
import json
import logging
import os
import subprocess
import sys
from importlib import resources
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from hydra import compose, initialize_config_module
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, open_dict

# the import name, filled in when the project was generated; everything else is derived from it
PACKAGE = "{{ cookiecutter.package_name }}"
# the installed distribution, whose name prefixes the commands (<project>-train, ...)
DISTRIBUTION = packages_distributions()[PACKAGE][0]
CONFIGS = resources.files(f"{PACKAGE}.configs")


def module(name: str):
    """The package's module `name` (`paths`, `engine`, ...), imported."""
    return importlib.import_module(f"{PACKAGE}.{name}")


def command(entry_point: str) -> str:
    """The installed command of an entry point: `train` is `<project>-train`."""
    return f"{DISTRIBUTION}-{entry_point}"


def options(group: str) -> list[str]:
    """The options of a config group: the names of its YAML files."""
    files = CONFIGS.joinpath(group).iterdir()
    return sorted(f.name.removesuffix(".yaml") for f in files if f.name.endswith(".yaml"))


GROUPS = sorted(d.name for d in CONFIGS.iterdir() if d.is_dir() and not d.name.startswith("_"))
ALL_OPTIONS = [(group, option) for group in GROUPS for option in options(group)]


def choose(group: str, option: str) -> list[str]:
    """Overrides that select `option` of `group`."""
    if group == "data_model":  # chosen through ${data}_${model}, never by name
        pairs = [(d, m) for d in options("data") for m in options("model")]
        return next([f"data={d}", f"model={m}"] for d, m in pairs if f"{d}_{m}" == option)
    return [f"{group}={option}"]


def compose_option(group: str, option: str, digits_csv: Path, output_dir=None) -> DictConfig:
    """The `train` config with `option` of `group` chosen (data=csv reads `digits_csv`)."""
    overrides = choose(group, option)
    if "data=csv" in overrides:
        overrides += [f"data.path={digits_csv}", "data.input_shape=[1,8,8]"]
    cfg = compose_job("train", overrides, output_dir)
    chosen = HydraConfig.get().runtime.choices
    assert group == "data_model" or chosen[group] == option
    return cfg


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """A test that starts processes is slow too: `make test-fast` leaves both out."""
    for item in items:
        if item.get_closest_marker("processes"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def no_hydra_run_left():
    """Each test starts outside any Hydra run, whatever the previous test ran in-process."""
    yield
    HydraConfig.instance().cfg = None


def compose_job(config_name: str, overrides=(), output_dir: Path | None = None) -> DictConfig:
    """The config a `train`/`evaluate` job receives, composed without running the job. Hydra's
    own settings are set up as in a run, so `${hydra:runtime.output_dir}` resolves. Given an
    `output_dir`, it is also the outputs folder (`paths.output_root`): what a run writes beside
    its run folder (an MLflow store) stays in the test's folder."""
    if output_dir is not None:
        overrides = [f"paths.output_root={output_dir}", *overrides]
    with initialize_config_module(f"{PACKAGE}.configs", version_base="1.3"):
        cfg = compose(config_name, overrides=list(overrides), return_hydra_config=True)
    cfg.hydra.runtime.output_dir = str(output_dir or Path.cwd())
    HydraConfig.instance().set_config(cfg)
    with open_dict(cfg):
        del cfg["hydra"]
    return cfg


def run_cli(entry_point: str, *args: str, cwd: Path) -> None:
    """Run `train` or `evaluate` as its command does (argv, working directory, main()), but
    inside this process: the heavy libraries are imported once for the whole suite."""
    main = module(entry_point).main
    root = logging.getLogger()
    handlers = list(root.handlers)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        patch.setattr(sys, "argv", [command(entry_point), *args])
        main()  # an error the user can fix is SystemExit(1), any other raises: the test fails
    for handler in set(root.handlers) - set(handlers):  # the run's log file is complete
        root.removeHandler(handler)
        handler.close()


def run_command(entry_point: str, *args: str, cwd: Path, env: dict | None = None) -> str:
    """The output of `python -m <package>.<entry_point> ...` in a new process; it must succeed."""
    done = subprocess.run(
        [sys.executable, "-m", f"{PACKAGE}.{entry_point}", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def the_run_folder(launch_dir: Path, tree: str = "runs") -> Path:
    """The single run folder under a launch directory that saw one `train` (`tree` runs),
    `evaluate` (evaluations) or `predict` (predictions): <tree>/<two folders>."""
    (run,) = (launch_dir / "outputs" / tree).glob("*/*")
    return run


def code_naming_configs(model_config: dict, source: Path, copy: Path) -> list[dict]:
    """Model configs as a crafted checkpoint could hold them: one naming `shutil.copyfile`
    (which would copy `source` to `copy`) as the model, one hiding it in a setting."""
    copyfile = {"_target_": "shutil.copyfile", "src": str(source), "dst": str(copy)}
    return [copyfile, {**model_config, "hidden_sizes": copyfile}]


def read_json(path: Path) -> dict:
    return json.loads(path.read_text())


def metrics_rows(run: Path) -> list[dict]:
    """The rows of a run's metrics.csv, as the csv module reads them (text values)."""
    import csv

    with open(run / "metrics.csv", newline="") as file:
        return list(csv.DictReader(file))


def log_messages(path: Path) -> list[str]:
    """The messages of a run's log file, without the time, logger and level before them."""
    return [line.split("] - ", 1)[1] for line in path.read_text().splitlines() if "] - " in line]


@pytest.fixture(scope="session")
def digits_csv(tmp_path_factory) -> Path:
    """The digits data set as a CSV file with a `label` column."""
    import numpy as np
    from sklearn.datasets import load_digits

    digits = load_digits()
    path = tmp_path_factory.mktemp("data") / "digits.csv"
    header = ",".join([f"pixel{i}" for i in range(64)] + ["label"])
    np.savetxt(
        path, np.c_[digits.data, digits.target], delimiter=",", header=header, comments="", fmt="%g"
    )
    return path


def split_by_hand(labels, data: dict) -> dict:
    """The row numbers of the train, val and test splits that the data config `data` (a run's
    contract.json holds it) makes of samples with these `labels` (class indices, or labels that
    numpy sorts as the classes are sorted: the stratified split numbers them so): scikit-learn's
    train_test_split called here as the config says (the test rows, then the validation rows
    of the rest, each stratified; `limit` keeps the first training rows), not data.py's split,
    so that tests can check what a run measured on against it."""
    import numpy as np
    from sklearn.model_selection import train_test_split

    labels, seed = np.asarray(labels), data["split_seed"]
    rows = np.arange(len(labels))
    n_test = round(data["test_fraction"] * len(rows))
    n_val = round(data["val_fraction"] * len(rows))
    rest, test = train_test_split(rows, test_size=n_test, random_state=seed, stratify=labels)
    train, val = train_test_split(rest, test_size=n_val, random_state=seed, stratify=labels[rest])
    return {"train": train[: data.get("limit")], "val": val, "test": test}


def train_in_process(out: Path, *overrides: str) -> tuple[dict, list[dict]]:
    """`train debug=fast <overrides>` by its function, into the run folder `out`: the run's
    metrics.json and its metrics.csv rows."""
    out.mkdir(parents=True, exist_ok=True)
    module("train").train(compose_job("train", ["debug=fast", *overrides], output_dir=out))
    return read_json(out / "metrics.json"), metrics_rows(out)


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory) -> Path:
    """One short `train debug=fast` run, launched from a fresh directory; its run folder."""
    launch = tmp_path_factory.mktemp("launch")
    run_cli("train", "debug=fast", cwd=launch)
    return the_run_folder(launch)


def from_training_launch(entry_point: str, trained_run: Path, tree: str, *args: str) -> Path:
    """`evaluate` or `predict` of trained_run's checkpoint, launched where the training was
    launched, with the checkpoint's path relative to there; the run folder under `tree`."""
    launch = trained_run.parents[3]  # <launch>/outputs/runs/<date>/<time>
    checkpoint = (trained_run / module("engine").CHECKPOINT).relative_to(launch)
    run_cli(entry_point, f"ckpt_path={checkpoint}", *args, cwd=launch)
    return the_run_folder(launch, tree)


@pytest.fixture(scope="session")
def evaluated_run(trained_run) -> Path:
    """One `evaluate` of trained_run's checkpoint (see from_training_launch); its run folder."""
    return from_training_launch("evaluate", trained_run, "evaluations")


@pytest.fixture(scope="session")
def predicted_run(trained_run) -> Path:
    """One `predict` of trained_run's checkpoint on the test split (see from_training_launch);
    its run folder."""
    return from_training_launch("predict", trained_run, "predictions")


@pytest.fixture(scope="session")
def sweep_of_two(tmp_path_factory) -> Path:
    """One `train -m seed=1,2 debug=fast` sweep on the basic launcher; its sweep folder. A test
    that changes the sweep works on a copy."""
    launch = tmp_path_factory.mktemp("launch")
    run_cli("train", "-m", "hydra/launcher=basic", "seed=1,2", "debug=fast", cwd=launch)
    (sweep,) = (launch / "outputs" / "multiruns").glob("*/*")
    return sweep


def snapshot(folder: Path) -> dict:
    """Every file below `folder` with its bytes, and every link with its target: a refusal must
    leave them all as they were. A link is not followed: what it points to may be outside the
    folder and written by others (W&B links each run's logs/debug-core.log to a log in the
    user's cache that every W&B process started in the same second writes)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            found[path] = os.readlink(path)
        elif path.is_file():
            found[path] = path.read_bytes()
    return found


HOLD = """
import sys
from pathlib import Path
from {package}.harness import run_state
run_state.take(Path(sys.argv[1]))
print("held", flush=True)
sys.stdin.read()  # until the test closes stdin
"""


@pytest.fixture
def held():
    """held(folder): another process holds the run folder `folder` (its lock, its state
    running) until the test ends."""
    processes = []

    def hold(folder: Path) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-c", HOLD.format(package=PACKAGE), str(folder)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        processes.append(process)
        assert process.stdout.readline() == "held\n"  # the event, however slow the machine
        return process

    yield hold
    for process in processes:
        process.stdin.close()
        process.wait()


# `python -c ... <module> <args>`: the module run as `python -m` does, no file over LIMIT bytes
WITH_FILE_LIMIT = """
import resource, runpy, sys
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
sys.argv = sys.argv[2:]
runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
"""


def train_writing_at_most(limit: int, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """`python -m <package>.train <args>` where no file may grow past `limit` bytes: a larger
    write fails with EFBIG (Python ignores SIGXFSZ), as on a full disk. logger=csv: a tracker's
    own store (MLflow's database, W&B's files) is no file of the run's."""
    command = [sys.executable, "-c", WITH_FILE_LIMIT, str(limit), f"{PACKAGE}.train", *args]
    return subprocess.run([*command, "logger=csv"], cwd=cwd, capture_output=True, text=True)


def assert_the_checkpoint_could_not_be_written(done: subprocess.CompletedProcess, run: Path):
    """A training run (`done`, in the folder `run`) whose checkpoint could not be written: one
    error line naming it and the OS reason, exit status 1, no traceback, nothing half-written,
    no metrics.json."""
    checkpoint = run / module("engine").CHECKPOINT
    assert done.returncode == 1 and "Traceback" not in done.stdout + done.stderr
    errors = [line for line in done.stdout.splitlines() if "[ERROR]" in line]
    assert len(errors) == 1, done.stdout[-3000:]
    assert errors[0].endswith(f"[ERROR] - {checkpoint}: cannot write it: File too large")
    assert not checkpoint.exists() and not list(run.glob("*.partial"))
    assert not (run / "metrics.json").exists()


# `python -c ... <epoch> <args>`: train, sending itself a real SIGTERM right after metrics.csv
# gets the row of <epoch>
SIGNAL_AFTER_EPOCH = """
import os, signal, sys
from {package} import train
from {package}.harness import results
epoch = int(sys.argv.pop(1))
append = results.append_row
def append_then_signal(path, row):
    append(path, row)
    if row["epoch"] == epoch:
        os.kill(os.getpid(), signal.SIGTERM)
results.append_row = append_then_signal
sys.argv[0] = {command!r}
train.main()
"""


def train_signalled_after_epoch(epoch: int, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """`train <args>` stopped by a real SIGTERM after the row of `epoch` (NO_COLOR: plain lines)."""
    code = SIGNAL_AFTER_EPOCH.format(package=PACKAGE, command=command("train"))
    return subprocess.run(
        [sys.executable, "-c", code, str(epoch), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
