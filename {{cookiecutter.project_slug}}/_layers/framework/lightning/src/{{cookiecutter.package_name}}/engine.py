"""Training and evaluation with lightning.Trainer: the data module, the LightningModule and the
Trainer built from the config, test metrics, the checkpoints (the best epoch's, which `evaluate`
and `predict` read, and the last one's, which `train resume=` continues from), and class
probabilities."""

import logging
import warnings
from pathlib import Path

import lightning as L
import numpy as np
import torch
from hydra.utils import instantiate
from lightning.pytorch.callbacks import ProgressBar
from omegaconf import DictConfig, OmegaConf

from .data import Splits
from .datamodule import SplitsDataModule
from .harness import checkpoints, console
from .harness.callbacks import AtomicCheckpointIO, EpochRows, RandomState
from .harness.errors import RunError
from .harness.features import Features
from .lit_module import Classifier

log = logging.getLogger(__name__)

# the best epoch's checkpoint in the run folder (configs/callbacks/model_checkpoint.yaml names
# it), which `evaluate ckpt_path=...` reads
CHECKPOINT = "checkpoint.ckpt"
# what a checkpoint of this project holds: the Classifier's arguments and its weights
CHECKPOINT_HOLDS = ("hyper_parameters", "state_dict")
# the last epoch's, with the optimizer, scheduler, loops and random generators (the second
# ModelCheckpoint of configs/callbacks/model_checkpoint.yaml); `train resume=` continues from it
LAST_CHECKPOINT = "last.ckpt"
# what the model logs on a split: metrics.json holds val_loss, val_acc, test_loss, test_acc
METRICS = ("loss", "acc")


def quiet_lightning() -> None:
    """Keep Lightning's console output to what a user of this project needs.

    `import lightning` gives the "lightning" logger a console handler of its own, on top of the
    root logger's handlers that Hydra set up (console and the run's log file): every Lightning
    message would print twice. Three warnings say nothing to a user: the run folder already
    holds Hydra's files when the first checkpoint lands there, Lightning 2.6 calls a torch API
    that torch itself deprecated, and its model summary guesses sizes in float32 under a mixed
    precision. Its tip to install a cloud logger is left out too.
    """
    logging.getLogger("lightning").handlers.clear()
    # Lightning 2.6 advertises a cloud logger at every start; the tracker is the `logger` group
    logging.getLogger("lightning.pytorch.utilities.rank_zero").addFilter(no_cloud_tip)
    # a signal's one line is harness/resume.py's, which says how to continue the run
    logging.getLogger("lightning.pytorch.trainer.connectors.signal_connector").setLevel(
        logging.WARNING
    )
    warnings.filterwarnings("ignore", message=r"Checkpoint directory .* exists and is not empty")
    warnings.filterwarnings("ignore", message=r"`isinstance\(treespec, LeafSpec\)` is deprecated")
    warnings.filterwarnings("ignore", message=r"Precision .* is not supported by the model summary")


def no_cloud_tip(record: logging.LogRecord) -> bool:
    return "litlogger" not in record.getMessage()


def build(cfg: DictConfig, data: Splits) -> tuple[SplitsDataModule, Classifier]:
    """The data module (batches of configs/loader/) and the model of a run."""
    return SplitsDataModule(data, cfg.loader), Classifier.from_config(cfg, data)


def make_trainer(cfg: DictConfig, out: Path, on_epoch=None) -> L.Trainer:
    """The Trainer of configs/trainer/ with the callbacks of configs/callbacks/ (evaluate and
    predict have none), writing into the run folder `out`; `on_epoch(row)` receives each
    epoch's metrics, and the checkpoints keep the random generators; they are written
    atomically. The progress bar is left out when no one watches (output to a file or pipe,
    a sweep job: harness/console.py)."""
    # (a callback set to null, as debug=overfit does with early stopping, is left out)
    chosen = [callback for callback in (cfg.get("callbacks") or {}).values() if callback]
    callbacks = [instantiate(callback) for callback in chosen]
    shown = console.interactive()
    if not shown:
        callbacks = [c for c in callbacks if not isinstance(c, ProgressBar)]
    if on_epoch is not None:
        callbacks += [EpochRows(on_epoch), RandomState()]
    # trainer.profiler is given as Lightning's profiler object (`profiler`), not as its name
    settings = OmegaConf.masked_copy(cfg.trainer, [key for key in cfg.trainer if key != "profiler"])
    return instantiate(
        settings,
        default_root_dir=out,
        callbacks=callbacks,
        enable_progress_bar=shown,
        plugins=[AtomicCheckpointIO()],
        profiler=profiler(cfg.trainer.get("profiler"), out),
    )


def profiler(name: str | None, out: Path):
    """Lightning's profiler of that name (trainer.profiler: simple, advanced or pytorch), its
    report written into the run folder as fit-profile.txt rather than printed; None: none."""
    if name is None:
        return None
    from lightning.pytorch import profilers

    kind = {"simple": profilers.SimpleProfiler, "advanced": profilers.AdvancedProfiler,
            "pytorch": profilers.PyTorchProfiler}[name]  # fmt: skip
    return kind(dirpath=out, filename="profile")


def epochs_on_disk(folder: Path) -> int | None:
    """How many epochs the last checkpoint in `folder` holds; None when there is none yet.
    A broken one is refused with one line."""
    path = folder / LAST_CHECKPOINT
    # Lightning saves the index of the epoch that ended, from 0
    return int(checkpoints.read(path, "resume")["epoch"]) + 1 if path.is_file() else None


def evaluate(trainer: L.Trainer, model, datamodule, ckpt_path=None) -> dict[str, float]:
    """Test metrics ({test}_loss, {test}_acc) of `model`, or of the weights in `ckpt_path`.
    In several processes (trainer=ddp), each would test a share of the rows padded to the same
    size (a DistributedSampler repeats rows: 359 test rows in 2 processes count 360), so process
    0 tests alone on one device, every row once, and the others return no test metrics."""
    if trainer.world_size > 1:
        if not trainer.is_global_zero:
            return {}
        on = "cpu" if trainer.strategy.root_device.type == "cpu" else "auto"
        trainer = L.Trainer(
            accelerator=on, devices=1, logger=False, enable_progress_bar=False,
            enable_model_summary=False,
        )  # fmt: skip
    metrics = trainer.test(model, datamodule=datamodule, ckpt_path=ckpt_path, verbose=False)[0]
    return {name: float(value) for name, value in metrics.items()}


def stop_reason(trainer: L.Trainer, epochs: int) -> dict:
    """Why and when training ended, for summary.json (and the log, for early stopping)."""
    stopper, last = trainer.early_stopping_callback, trainer.current_epoch
    if stopper is None or not stopper.stopped_epoch:
        return {"epoch": last, "by": "max_epochs", "reason": f"trained {epochs} epochs"}
    reason = (
        f"{stopper.monitor} had not improved on its best, {float(stopper.best_score):.4f}, by "
        f"more than {abs(stopper.min_delta):g} for {stopper.wait_count} epochs"
    )
    log.info("Early stopping after epoch %d: %s", last, reason)
    return {"epoch": last, "by": "early_stopping", "reason": reason}


def predict_proba(trainer: L.Trainer, model, batches) -> np.ndarray:
    """Class probabilities of the samples of `batches` (samples alone, no labels), in order, by
    `trainer.predict` (Classifier.predict_step): one row per sample, one column per class."""
    if trainer.world_size > 1:  # each process would predict its share of the samples only
        raise RunError("trainer: predict runs in one process; use trainer=cpu or trainer=gpu")
    return torch.cat(trainer.predict(model, dataloaders=batches)).cpu().numpy()


def load_checkpoint(path: Path) -> tuple[Classifier, list, Features]:
    """The model saved in a checkpoint, its network rebuilt from the saved hyperparameters
    (only from this project's models.py), the label of each of its classes and the features it
    takes (no names in a checkpoint saved before checkpoints kept them). Anything else in the
    file is refused with one line."""
    state = checkpoints.read(path, "ckpt_path", needs=CHECKPOINT_HOLDS)
    try:
        model = Classifier(**state["hyper_parameters"])
        model.load_state_dict(state["state_dict"])
        features = Features.saved(model.hparams.input_shape, model.hparams.feature_names)
    except (RunError, KeyError, TypeError, ValueError, RuntimeError) as error:
        raise RunError(f"ckpt_path: refused {path}: {error}") from None
    return model, list(model.hparams.classes), features
