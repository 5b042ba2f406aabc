"""Experiment trackers: the `logger` config group. Every run writes metrics.csv whatever the
tracker; a tracker also keeps the run in its own store: the resolved config as parameters, the
metrics of each epoch, the final metrics, and files (the checkpoint, the config) as artifacts.

One run is one tracker run, in a sweep too: each job is its own tracker run, grouped by its
sweep. The tracker libraries are imported when a run starts; a tracker whose package is not
installed stops the run before training, with one line saying what to install.
"""

import importlib
import json
import logging
import time
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .. import paths
from .errors import RunError


@dataclass
class RunInfo:
    """What a tracker records about a run besides its metrics."""

    name: str  # short and unique: the run folder's place under the outputs folder
    folder: Path  # the run folder
    params: dict  # the resolved config, flattened: {"optimizer.lr": 0.001, ...}
    tags: list[str] = field(default_factory=list)
    group: str | None = None  # the sweep a job belongs to


def needs(module: str, package: str, logger: str):
    """`import module`, or one line saying which package `logger=...` needs."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise RunError(
            f"logger={logger} needs the {package} package: pip install {package}"
        ) from None


class CSV:
    """metrics.csv (written by every run), the config and summary.json: no other store."""

    def start(self, run: RunInfo) -> None:
        pass

    def log_epoch(self, row: dict) -> None:
        pass

    def finish(self, metrics: dict, artifacts: Iterable[Path], failed: bool = False) -> None:
        pass


class TensorBoard(CSV):
    """Event files in the run folder's tensorboard/: `tensorboard --logdir outputs`. The
    parameters and the final metrics appear in TensorBoard's HPARAMS tab."""

    def __init__(self, folder: str = "tensorboard"):
        self.folder = folder

    def start(self, run: RunInfo) -> None:
        tensorboardx = needs("tensorboardX", "tensorboardX", "tensorboard")
        self.writer = tensorboardx.SummaryWriter(logdir=str(run.folder / self.folder))
        self.params = {key: _plain(value) for key, value in run.params.items()}
        self.last = {"epoch": 0}

    def log_epoch(self, row: dict) -> None:
        self.last = row
        for name, value in row.items():
            if name != "epoch":
                self.writer.add_scalar(name, value, row["epoch"])

    def finish(self, metrics: dict, artifacts: Iterable[Path], failed: bool = False) -> None:
        from tensorboardX.summary import hparams

        if not failed:
            for summary in hparams(self.params, metrics):  # the HPARAMS tab, one row per run
                self.writer.file_writer.add_summary(summary)
            for name, value in _new(metrics, self.last).items():  # the test metrics
                self.writer.add_scalar(name, value, self.last["epoch"])
        self.writer.close()


class MLflow(CSV):
    """An MLflow run in a SQLite store that all runs of the project share:
    `mlflow ui --backend-store-uri sqlite:///outputs/mlflow.db`."""

    def __init__(self, store: str, experiment: str):
        self.store = store
        self.experiment = experiment

    def start(self, run: RunInfo) -> None:
        needs("mlflow", "mlflow", "mlflow")
        from mlflow.entities import Param
        from mlflow.tracking import MlflowClient

        # one-time notes of MLflow's store (creating tables, migrations) are not the run's news
        for name in ("mlflow.store.db.utils", "alembic"):
            logging.getLogger(name).setLevel(logging.WARNING)
        store = paths.resolve(self.store)
        store.parent.mkdir(parents=True, exist_ok=True)
        # parallel sweep jobs share the store; its tables are created once, under a lock
        with _locked(store.with_name(store.name + ".lock")):
            self.client = MlflowClient(tracking_uri=f"sqlite:///{store}")
            experiment = self.client.get_experiment_by_name(self.experiment)
            if experiment is None:
                artifacts = (store.parent / "mlartifacts").as_uri()
                experiment_id = self.client.create_experiment(self.experiment, artifacts)
            else:
                experiment_id = experiment.experiment_id
        tags = {"run_folder": str(run.folder), "tags": ",".join(run.tags)}
        if run.group:
            tags["sweep"] = run.group
        created = self.client.create_run(experiment_id, run_name=run.name, tags=tags)
        self.run_id = created.info.run_id
        params = [Param(key, str(value)) for key, value in run.params.items()]
        for start in range(0, len(params), 100):  # MLflow takes 100 parameters per call
            self.client.log_batch(self.run_id, params=params[start : start + 100])
        self.last = {"epoch": 0}

    def _log(self, metrics: dict, step: int) -> None:
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        batch = [Metric(name, float(value), now, step) for name, value in metrics.items()]
        self.client.log_batch(self.run_id, metrics=batch)

    def log_epoch(self, row: dict) -> None:
        self.last = row
        self._log({name: value for name, value in row.items() if name != "epoch"}, row["epoch"])

    def finish(self, metrics: dict, artifacts: Iterable[Path], failed: bool = False) -> None:
        if not failed:
            self._log(_new(metrics, self.last), self.last["epoch"])  # the test metrics
            for path in artifacts:
                self.client.log_artifact(self.run_id, str(path))
        self.client.set_terminated(self.run_id, "FAILED" if failed else "FINISHED")


class WandB(CSV):
    """A Weights & Biases run, offline by default: kept in the run folder's wandb/ until you
    upload it with `wandb sync <run folder>/wandb/offline-run-*` (or set logger.mode=online)."""

    def __init__(self, project: str, mode: str = "offline", entity: str | None = None):
        self.project, self.mode, self.entity = project, mode, entity

    def start(self, run: RunInfo) -> None:
        self.wandb = wandb = needs("wandb", "wandb", "wandb")
        settings = wandb.Settings(silent=True, console="off")  # the run's log has the output
        self.run = wandb.init(
            project=self.project,
            entity=self.entity,
            mode=self.mode,
            dir=str(run.folder),
            name=run.name,
            group=run.group,
            tags=list(run.tags),
            config=run.params,
            settings=settings,
        )

    def log_epoch(self, row: dict) -> None:
        self.run.log(
            {name: value for name, value in row.items() if name != "epoch"}, step=row["epoch"]
        )

    def finish(self, metrics: dict, artifacts: Iterable[Path], failed: bool = False) -> None:
        if not failed:
            self.run.summary.update(metrics)
            files = self.wandb.Artifact(f"run-{self.run.id}", type="run-files")
            for path in artifacts:
                files.add_file(str(path))
            self.run.log_artifact(files)
        self.run.finish(exit_code=1 if failed else 0)
        # Stop W&B's service process now, not at exit: it closes the run file (its exit record is
        # buffered until then), so the run folder is complete when training returns.
        self.wandb.teardown()


def flatten(config: dict, prefix: str = "") -> dict:
    """{"optimizer": {"lr": 0.1}} as {"optimizer.lr": 0.1}; a list stays one value."""
    flat = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat |= flatten(value, f"{name}.")
        else:
            flat[name] = value
    return flat


def _new(metrics: dict, last_row: dict) -> dict:
    """The final metrics that the last epoch's row did not log already (the test metrics)."""
    return {name: value for name, value in metrics.items() if last_row.get(name) != value}


def _plain(value):
    """A value as TensorBoard's HPARAMS tab takes it: a number, a string or a bool."""
    if isinstance(value, bool | int | float | str):
        return value
    return json.dumps(value)


@contextmanager
def _locked(lock_file: Path):
    try:
        import fcntl
    except ImportError:  # Windows has no flock: make the store with one run before a sweep
        yield
        return
    with open(lock_file, "w") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)
