"""Training and evaluation in plain PyTorch: build the model from the config, train it one
epoch at a time, measure it, save and load its checkpoint, predict class probabilities."""

import logging
import math
import random
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from torch import nn
from torch.utils.data import DataLoader

from . import checkpoints, console, distributed, models
from .data import Features, Splits
from .errors import RunError
from .results import write_atomically

log = logging.getLogger(__name__)

# the file that `train` writes in its run folder and `evaluate ckpt_path=...` reads
CHECKPOINT = "checkpoint.pt"
# what `evaluate` measures on a split: metrics.json holds val_loss, val_acc, test_loss, test_acc
METRICS = ("loss", "acc")


def seed_everything(seed: int, deterministic: bool = False) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if deterministic:  # the call alone imports torch._inductor (about 1 s), so only when asked
        torch.use_deterministic_algorithms(True)


def pick_device(name: str, local_rank: int = 0) -> torch.device:
    """`auto` is cuda when available, else cpu; `cuda` is this process's GPU under torchrun."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda":
        name = f"cuda:{local_rank}"
    return torch.device(name)


def build(cfg: DictConfig, data: Splits, device: torch.device) -> tuple:
    """The model (on `device`), its optimizer and learning-rate scheduler (or None)."""
    model_config = OmegaConf.to_container(cfg.model, resolve=True)
    model = models.build(model_config, data.input_shape, data.num_classes).to(device)
    optimizer = instantiate(cfg.optimizer)(model.parameters())
    scheduler = instantiate(cfg.scheduler)(optimizer) if cfg.scheduler else None
    return model, optimizer, scheduler


def train_one_epoch(model: nn.Module, batches: DataLoader, optimizer, device) -> dict[str, float]:
    """One pass over this process's training batches; the metrics cover every process."""
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    for x, y in batches:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        logits = model(x)
        loss = nn.functional.cross_entropy(logits, y)
        batch_loss = loss.item()
        # stop before the step, the weights still good; in every process if one diverged
        if distributed.any_process(not math.isfinite(batch_loss)):
            raise RunError(
                f"the training loss is {batch_loss} after {seen} samples of this epoch: "
                "training diverged (try a lower optimizer.lr); the run stopped"
            )
        loss.backward()
        optimizer.step()
        total_loss += batch_loss * len(y)
        correct += (logits.argmax(dim=1) == y).sum().item()
        seen += len(y)
    total_loss, correct, seen = distributed.sum_over_processes(total_loss, correct, seen)
    return {"train_loss": total_loss / seen, "train_acc": correct / seen}


def evaluate(model: nn.Module, batches: DataLoader, device, split: str) -> dict[str, float]:
    """Mean loss and accuracy over `batches`, as {split}_loss and {split}_acc."""
    model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    with torch.no_grad():
        for x, y in batches:
            x, y = x.to(device), y.to(device)
            logits = model(x)
            total_loss += nn.functional.cross_entropy(logits, y, reduction="sum").item()
            correct += (logits.argmax(dim=1) == y).sum().item()
            seen += len(y)
    return {f"{split}_loss": total_loss / seen, f"{split}_acc": correct / seen}


def predict_proba(model: nn.Module, batches: DataLoader, device) -> np.ndarray:
    """Class probabilities (softmax) of the samples of `batches` (samples alone, no labels), in
    order: one row per sample, one column per class index."""
    model.eval()
    with torch.no_grad():
        parts = [torch.softmax(model(x.to(device)), dim=1).cpu() for (x,) in batches]
    return torch.cat(parts).numpy()


def fit(model, batches: dict, optimizer, scheduler, epochs: int, device) -> Iterator[dict]:
    """Train for `epochs`, yielding each epoch's metrics: its number, the learning rate it
    used, the training and the validation metrics (each process validates on all of it)."""
    trained = distributed.wrap(model, device)
    sampler = batches["train"].sampler
    for epoch in range(1, epochs + 1):
        if hasattr(sampler, "set_epoch"):  # DistributedSampler: another shuffle each epoch
            sampler.set_epoch(epoch)
        row = {"epoch": epoch, "lr": optimizer.param_groups[0]["lr"]}
        shown = console.progress(batches["train"], f"epoch {epoch}/{epochs}")  # at a terminal
        row |= train_one_epoch(trained, shown, optimizer, device)
        row |= evaluate(model, batches["val"], device, split="val")
        if scheduler is not None:
            scheduler.step()
        scores = "  ".join(f"{name} {value:.4f}" for name, value in row.items() if name != "epoch")
        log.info("epoch %d/%d  %s", epoch, epochs, scores)
        yield row


def save_checkpoint(path: Path, model: nn.Module, model_cfg: DictConfig, data: Splits) -> None:
    """Weights plus what rebuilds the model and names its classes and features, in plain types
    that `weights_only=True` loads; written atomically (an interrupted save leaves the previous
    checkpoint)."""
    state = {
        "model_config": OmegaConf.to_container(model_cfg, resolve=True),
        "input_shape": list(data.input_shape),
        "classes": list(data.classes),
        "feature_names": data.feature_names,
        "state_dict": model.state_dict(),
    }
    write_atomically(path, lambda file: torch.save(state, file))


def load_checkpoint(path: Path, device) -> tuple[nn.Module, list, Features]:
    """The model saved by `save_checkpoint`, rebuilt only from this project's models.py, the
    label of each of its classes and the features it takes (no names in a checkpoint saved
    before checkpoints kept them). Anything else in the file is refused with one line."""
    state = checkpoints.read(path, "ckpt_path")
    try:
        classes = list(state["classes"])
        model = models.build(state["model_config"], state["input_shape"], len(classes))
        model.load_state_dict(state["state_dict"])
        features = Features.saved(state["input_shape"], state.get("feature_names"))
    except (RunError, KeyError, TypeError, ValueError, RuntimeError) as error:
        raise RunError(f"ckpt_path: refused {path}: {error}") from None
    return model.to(device), classes, features
