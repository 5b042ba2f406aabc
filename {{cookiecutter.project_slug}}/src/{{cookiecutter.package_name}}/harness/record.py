"""A training run's record, kept the same way by every framework:
- at the start, the config groups as a tree in the log, the resolved config in the run folder
  (resolved_config.yaml) and a tracker run (the `logger` group); once the data is read, the
  run's contract (contract.json: its data, split and model, never changed; contract.py);
- each epoch, a metrics.csv row and the same metrics in the tracker;
- at the end, metrics.json (the last epoch's validation metrics and the test metrics),
  summary.json, learning_curves.png and the tracker's artifacts;
- what it takes to make the run again (provenance.py): environment.txt and, for code that
  differs from its git commit, code.patch when it starts; the machine and the command line in
  summary.json.
Only the main process of a multi-process run keeps it; the others train and return."""

import logging
import time
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from .. import paths
from . import console, contract, curves, provenance, resolvers, results, summary, tracking
from .run_state import is_main_process
from .signals import command_name

log = logging.getLogger(__name__)

# the package's folder: its git repository is the code a run records
CODE_FOLDER = Path(__file__).parents[1]
RESOLVED_CONFIG = "resolved_config.yaml"
SUMMARY = "summary.json"
CURVES = "learning_curves.png"


def run_names(out: Path, output_root: Path) -> tuple[str, str | None]:
    """A run's name and its sweep's (resolvers.run_name): runs/2026-11-30/21-44-12-123456 is
    "2026-11-30_21-44-12-123456"; job 3 of a sweep is "multiruns_2026-11-30_21-44-12-123456_3"
    in the group "multiruns_2026-11-30_21-44-12-123456"."""
    out, output_root = out.resolve(), output_root.resolve()
    sweep = HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN
    group = resolvers.run_name(out.parent, output_root) if sweep else None
    return resolvers.run_name(out, output_root), group


class RunRecord:
    """`with RunRecord(cfg) as run:` around training; `run.bind(data)` once the data is read,
    `run.epoch(row)` after each epoch, `run.finish(test_metrics, artifacts)` at the end. A run
    that raises is marked failed in the tracker, and has no metrics.json and no summary.json."""

    def __init__(self, cfg: DictConfig, main_process: bool | None = None):
        self.cfg = cfg
        self.main = is_main_process() if main_process is None else main_process
        self.out = paths.output_dir()
        self.tracker = instantiate(cfg.logger) if self.main else tracking.CSV()
        self.tags = list(cfg.get("tags") or [])
        self.finished = False
        self.last_epoch: dict | None = None  # the last epoch's row that this process saw
        self.provenance: dict = {}  # git and environment, once the run is bound to its data

    def __enter__(self) -> "RunRecord":
        self.started = time.time()
        if not self.main:
            return self
        console.show_config(self.cfg)
        resolved = OmegaConf.to_container(self.cfg, resolve=True)
        OmegaConf.save(resolved, self.out / RESOLVED_CONFIG)
        name, group = run_names(self.out, paths.resolve(self.cfg.paths.output_root))
        self.name = self.cfg.get("run_name") or name
        tracker = type(self.tracker).__name__
        log.info("Run %s, tags: %s, tracker: %s", self.name, ", ".join(self.tags), tracker)
        info = tracking.RunInfo(self.name, self.out, tracking.flatten(resolved), self.tags, group)
        self.tracker.start(info)
        return self

    def bind(self, data) -> None:
        """The run's contract (contract.json) from its config and its data (a data.Splits):
        written before training, or, for a run that continues, checked against the data; then
        what makes the run again (environment.txt, code.patch: provenance.py)."""
        if self.main:
            contract.bind(self.out, self.cfg, data, paths.original_cwd())
            self.provenance = provenance.record_start(self.out, CODE_FOLDER)

    def epoch(self, row: dict) -> None:
        self.last_epoch = row
        if self.main:
            results.append_row(self.out / "metrics.csv", row)
            self.tracker.log_epoch(row)

    def finish(
        self, test: dict[str, float], artifacts: list[Path] = (), stopped: dict | None = None
    ) -> dict[str, float]:
        """metrics.json (checked finite): the validation metrics of the last epoch in
        metrics.csv (a run continued after its last epoch has no epoch of its own) and the
        `test` metrics; summary.json (with `stopped`: why and after which epoch training
        ended), the learning curves, the tracker's run."""
        last = self.last_epoch
        if last is None and self.main:
            last = results.last_row(self.out / "metrics.csv")
        metrics = results.final_metrics(last or {}, test)
        if not self.main:
            return metrics
        results.save(metrics)
        summary.write(
            self.out / SUMMARY,
            metrics,
            name=self.name,
            seed=self.cfg.get("seed"),
            started=self.started,
            ended=time.time(),
            tags=self.tags,
            provenance=self.provenance
            | {"machine": provenance.machine(), "reproduce": self.reproduce()},
            stopped=stopped,
        )
        curves.plot(self.out / "metrics.csv", self.out / CURVES)
        saved = [RESOLVED_CONFIG, SUMMARY, CURVES, provenance.ENVIRONMENT, provenance.PATCH]
        saved = [self.out / name for name in saved]
        # a run may save no checkpoint (when its config turns checkpoints off), no code.patch
        self.tracker.finish(metrics, [path for path in [*artifacts, *saved] if path.is_file()])
        self.finished = True
        return metrics

    def reproduce(self) -> dict:
        """The code to check out and the command line that make this run again from its
        start (a continued run's without its `resume=`)."""
        typed = list(HydraConfig.get().overrides.task) if HydraConfig.initialized() else []
        overrides = [arg for arg in typed if not arg.startswith("resume=")]
        return provenance.reproduce(command_name(), overrides, self.provenance.get("git", {}))

    def __exit__(self, kind, error, traceback) -> None:
        # (__exit__ runs only after __enter__ succeeded: the tracker's run is open)
        if self.main and not self.finished:
            self.tracker.finish({}, [], failed=True)
