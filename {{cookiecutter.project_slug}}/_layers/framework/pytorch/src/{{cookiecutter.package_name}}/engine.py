"""Training and evaluation in plain PyTorch: build the model from the config, train it one
epoch at a time, measure it, save and load its checkpoints (the best epoch's and the last
one's), predict class probabilities."""

import logging
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from torch import nn
from torch.utils.data import DataLoader

from . import models
from .data import Splits
from .harness import checkpoints, console, distributed
from .harness.early_stopping import EarlyStopping
from .harness.errors import RunError
from .harness.features import Features
from .harness.results import write_atomically
from .harness.steps import Limited, Steps, autocast

log = logging.getLogger(__name__)

# the best epoch's weights (trainer.checkpoint picks by which metric), which `train` writes in
# its run folder and `evaluate ckpt_path=...` reads
CHECKPOINT = "checkpoint.pt"
# what a checkpoint of this project holds besides optional entries (feature_names)
CHECKPOINT_HOLDS = ("model_config", "input_shape", "classes", "state_dict")
# the last epoch's: weights, optimizer, scheduler, random generators; `train resume=` reads it
LAST_CHECKPOINT = "last.pt"
# what `evaluate` measures on a split: metrics.json holds val_loss, val_acc, test_loss, test_acc
METRICS = ("loss", "acc")


def seed_everything(seed: int, deterministic: bool = False) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if deterministic:  # the call alone imports torch._inductor (about 1 s), so only when asked
        torch.use_deterministic_algorithms(True)


def pick_device(name: str, local_rank: int = 0) -> torch.device:
    """`auto` is cuda when available, else mps (Apple's GPU), else cpu; `cuda` is this
    process's GPU under torchrun."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
        if name == "cpu" and torch.backends.mps.is_available():
            name = "mps"
    if name == "cuda":
        name = f"cuda:{local_rank}"
    return torch.device(name)


@dataclass
class Training:
    """What a run trains and how: the model, its optimizer and learning-rate scheduler (or
    None), its optimizer steps (precision, accumulation, clipping), early stopping (or None),
    and the share of the training and validation batches each epoch takes
    (limit_train_batches and limit_val_batches: a fraction, or a number of batches)."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: object
    steps: Steps
    early_stopping: EarlyStopping | None
    limits: dict = field(default_factory=lambda: {"train": 1.0, "val": 1.0})


def build(cfg: DictConfig, data: Splits, device: torch.device) -> Training:
    """The model (on `device`, compiled when model.compile says so) and how it trains."""
    model_config = OmegaConf.to_container(cfg.model, resolve=True)
    model = models.build(model_config, data.input_shape, data.num_classes).to(device)
    models.compile_in_place(model, model_config.get("compile", False))
    optimizer = instantiate(cfg.optimizer)(model.parameters())
    scheduler = instantiate(cfg.scheduler)(optimizer) if cfg.scheduler else None
    stopping = cfg.trainer.get("early_stopping")
    stopper = EarlyStopping(**stopping) if stopping else None
    steps = Steps(model, optimizer, device, cfg.trainer)
    limits = {split: cfg.trainer.get(f"limit_{split}_batches", 1.0) for split in ("train", "val")}
    return Training(model, optimizer, scheduler, steps, stopper, limits)


def train_one_epoch(
    model: nn.Module, batches: DataLoader, steps: Steps, device
) -> dict[str, float]:
    """One pass over this process's training batches, optimizer steps as `steps` makes them
    (harness/steps.py: precision, accumulation, clipping); the metrics cover every process."""
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    for x, y in batches:
        x, y = x.to(device), y.to(device)
        with steps.autocast():
            logits = model(x)
            loss = nn.functional.cross_entropy(logits, y)
        batch_loss = loss.item()
        # stop before the step, the weights still good; in every process if one diverged
        if distributed.any_process(not math.isfinite(batch_loss)):
            raise RunError(
                f"the training loss is {batch_loss} after {seen} samples of this epoch: "
                "training diverged (try a lower optimizer.lr); the run stopped"
            )
        steps.backward(loss)
        total_loss += batch_loss * len(y)
        correct += (logits.argmax(dim=1) == y).sum().item()
        seen += len(y)
    steps.end_epoch()  # a step for the batches left over by accumulate_grad_batches
    total_loss, correct, seen = distributed.sum_over_processes(total_loss, correct, seen)
    return {"train_loss": total_loss / seen, "train_acc": correct / seen}


def evaluate(
    model: nn.Module, batches: DataLoader, device, split: str, precision: str = "32"
) -> dict[str, float]:
    """Mean loss and accuracy over `batches`, as {split}_loss and {split}_acc."""
    model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    with torch.no_grad(), autocast(device, precision):
        for x, y in batches:
            x, y = x.to(device), y.to(device)
            logits = model(x).float()
            total_loss += nn.functional.cross_entropy(logits, y, reduction="sum").item()
            correct += (logits.argmax(dim=1) == y).sum().item()
            seen += len(y)
    return {f"{split}_loss": total_loss / seen, f"{split}_acc": correct / seen}


def predict_proba(model: nn.Module, batches: DataLoader, device, precision="32") -> np.ndarray:
    """Class probabilities (softmax) of the samples of `batches` (samples alone, no labels), in
    order: one row per sample, one column per class index."""
    model.eval()
    with torch.no_grad(), autocast(device, precision):
        parts = [torch.softmax(model(x.to(device)).float(), dim=1).cpu() for (x,) in batches]
    return torch.cat(parts).numpy()


def fit(training: Training, batches: dict, epochs: int, device, done: int = 0) -> Iterator[dict]:
    """Train up to epoch `epochs`, from epoch `done` + 1 (`done` epochs are in the weights),
    yielding each epoch's metrics: its number, the learning rate it used, the training and
    the validation metrics (each process validates on all of it). Early stopping ends it
    after the epoch it judges the last (its row yielded, so that its checkpoints are saved)."""
    model, optimizer, scheduler = training.model, training.optimizer, training.scheduler
    trained = distributed.wrap(model, device)
    sampler = batches["train"].sampler
    precision = training.steps.precision
    train, val = (
        Limited(batches[split], training.limits[split], f"trainer.limit_{split}_batches")
        for split in ("train", "val")
    )
    for epoch in range(done + 1, epochs + 1):
        if hasattr(sampler, "set_epoch"):  # DistributedSampler: another shuffle each epoch
            sampler.set_epoch(epoch)
        row = {"epoch": epoch, "lr": optimizer.param_groups[0]["lr"]}
        shown = console.progress(train, f"epoch {epoch}/{epochs}")  # at a terminal
        row |= train_one_epoch(trained, shown, training.steps, device)
        row |= evaluate(model, val, device, split="val", precision=precision)
        if scheduler is not None:
            scheduler.step()
        scores = "  ".join(f"{name} {value:.4f}" for name, value in row.items() if name != "epoch")
        log.info("epoch %d/%d  %s", epoch, epochs, scores)
        stop = training.early_stopping is not None and training.early_stopping.update(row)
        yield row
        if stop:
            log.info("Early stopping after epoch %d: %s", epoch, training.early_stopping.reason)
            return


def stop_reason(training: Training, last_epoch: int, epochs: int) -> dict:
    """Why and when training ended, for summary.json."""
    stopper = training.early_stopping
    if stopper is not None and stopper.reason is not None:
        return {"epoch": last_epoch, "by": "early_stopping", "reason": stopper.reason}
    return {"epoch": last_epoch, "by": "max_epochs", "reason": f"trained {epochs} epochs"}


def model_state(model: nn.Module, model_cfg: DictConfig, data: Splits) -> dict:
    """Weights plus what rebuilds the model and names its classes and features, in plain
    types that `weights_only=True` loads (a compiled model's as an uncompiled one's)."""
    return {
        "model_config": models.network_config(OmegaConf.to_container(model_cfg, resolve=True)),
        "input_shape": list(data.input_shape),
        "classes": list(data.classes),
        "feature_names": data.feature_names,
        "state_dict": model.state_dict(),
    }


def save_checkpoint(path: Path, model: nn.Module, model_cfg: DictConfig, data: Splits) -> None:
    """The model (`model_state`), written atomically: an interrupted save leaves the previous
    checkpoint."""
    state = model_state(model, model_cfg, data)
    write_atomically(path, lambda file: checkpoints.save(state, file))


def epochs_on_disk(folder: Path) -> int | None:
    """How many epochs the last checkpoint in `folder` holds; None when there is none yet.
    A broken one is refused with one line."""
    path = folder / LAST_CHECKPOINT
    return int(checkpoints.read(path, "resume")["epoch"]) if path.is_file() else None


def stopping_state(stopper: EarlyStopping | None) -> dict | None:
    return None if stopper is None else stopper.state_dict()


class Checkpoints:
    """A run's two checkpoints in its run folder `out`: the best epoch's (CHECKPOINT, by the
    metric of trainer.checkpoint) and the last epoch's (LAST_CHECKPOINT), saved after each
    epoch; `restore` continues from a last checkpoint."""

    def __init__(self, out: Path, cfg: DictConfig, data: Splits, training: Training):
        self.out, self.cfg, self.data, self.training = out, cfg, data, training
        self.model = training.model
        self.best = None  # the best value so far of trainer.checkpoint.monitor

    def save(self, row: dict) -> None:
        """After the epoch of `row` (its metrics): the best checkpoint if it improved, then the
        last; should the run stop between the two, it continues from the epoch before."""
        settings = self.cfg.trainer.checkpoint
        value = row[settings.monitor]
        if self.best is None or (
            value > self.best if settings.mode == "max" else value < self.best
        ):
            self.best = value
            save_checkpoint(self.out / CHECKPOINT, self.model, self.cfg.model, self.data)
        training = self.training
        state = model_state(self.model, self.cfg.model, self.data) | {
            "epoch": row["epoch"],
            "optimizer": training.optimizer.state_dict(),
            "scheduler": None if training.scheduler is None else training.scheduler.state_dict(),
            "best": self.best,
            "random_state": checkpoints.random_state(),
            "grad_scaler": training.steps.state_dict(),
            "early_stopping": stopping_state(training.early_stopping),
        }
        write_atomically(self.out / LAST_CHECKPOINT, lambda file: checkpoints.save(state, file))

    def best_model(self) -> nn.Module:
        """The best epoch's model, read back from its checkpoint (this process's model where
        none was saved: the other processes of torchrun)."""
        path, device = self.out / CHECKPOINT, next(self.model.parameters()).device
        return load_checkpoint(path, device)[0] if path.is_file() else self.model

    def restore(self, path: Path) -> int:
        """The weights, optimizer, scheduler, gradient scaler, early stopping, best value and
        random generators as they were after the epoch of the last checkpoint at `path`; that
        epoch. (A checkpoint from before scalers and early stopping were saved starts those
        afresh.)"""
        state, training = checkpoints.read(path, "resume"), self.training
        try:
            self.model.load_state_dict(state["state_dict"])
            training.optimizer.load_state_dict(state["optimizer"])
            if training.scheduler is not None:
                training.scheduler.load_state_dict(state["scheduler"])
            training.steps.load_state_dict(state.get("grad_scaler"))
            if training.early_stopping is not None and state.get("early_stopping"):
                training.early_stopping.load_state_dict(state["early_stopping"])
            checkpoints.restore_random_state(state["random_state"])
            self.best = state["best"]
            return int(state["epoch"])
        except (KeyError, TypeError, ValueError, RuntimeError) as error:
            raise RunError(f"resume: refused {path}: {error}") from None


def load_checkpoint(path: Path, device) -> tuple[nn.Module, list, Features]:
    """The model saved by `save_checkpoint`, rebuilt only from this project's models.py, the
    label of each of its classes and the features it takes (no names in a checkpoint saved
    before checkpoints kept them). Anything else in the file is refused with one line."""
    state = checkpoints.read(path, "ckpt_path", needs=CHECKPOINT_HOLDS)
    try:
        classes = list(state["classes"])
        model = models.build(state["model_config"], state["input_shape"], len(classes))
        model.load_state_dict(state["state_dict"])
        features = Features.saved(state["input_shape"], state.get("feature_names"))
    except (RunError, KeyError, TypeError, ValueError, RuntimeError) as error:
        raise RunError(f"ckpt_path: refused {path}: {error}") from None
    return model.to(device), classes, features
