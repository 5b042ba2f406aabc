"""The training loop, evaluation and checkpoints: plain PyTorch, one epoch at a time."""

import csv
import logging
import os
import random
from pathlib import Path

import numpy as np
import torch
from omegaconf import DictConfig, OmegaConf
from torch import nn
from torch.utils.data import DataLoader

log = logging.getLogger(__name__)


def seed_everything(seed: int, deterministic: bool = False) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if deterministic:  # the call alone imports torch._inductor (about 1 s), so only when asked
        torch.use_deterministic_algorithms(True)


def pick_device(name: str) -> torch.device:
    """`auto` is cuda when available, else cpu."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)


def train_one_epoch(model: nn.Module, batches: DataLoader, optimizer, device) -> dict[str, float]:
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    for x, y in batches:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        logits = model(x)
        loss = nn.functional.cross_entropy(logits, y)
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * len(y)
        correct += (logits.argmax(dim=1) == y).sum().item()
        seen += len(y)
    return {"train_loss": total_loss / seen, "train_acc": correct / seen}


@torch.no_grad()
def evaluate(model: nn.Module, batches: DataLoader, device, prefix: str) -> dict[str, float]:
    """Mean loss and accuracy over `batches`, as {prefix}loss and {prefix}acc."""
    model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    for x, y in batches:
        x, y = x.to(device), y.to(device)
        logits = model(x)
        total_loss += nn.functional.cross_entropy(logits, y, reduction="sum").item()
        correct += (logits.argmax(dim=1) == y).sum().item()
        seen += len(y)
    return {f"{prefix}loss": total_loss / seen, f"{prefix}acc": correct / seen}


def fit(model, batches, optimizer, scheduler, epochs: int, device, metrics_file: Path) -> dict:
    """Train for `epochs`, write one row per epoch to `metrics_file`, return the last row."""
    columns = ["epoch", "lr", "train_loss", "train_acc", "val_loss", "val_acc"]
    with open(metrics_file, "w", newline="") as file:
        writer = csv.DictWriter(file, columns)
        writer.writeheader()
        for epoch in range(1, epochs + 1):
            row = {"epoch": epoch, "lr": optimizer.param_groups[0]["lr"]}
            row |= train_one_epoch(model, batches["train"], optimizer, device)
            row |= evaluate(model, batches["val"], device, prefix="val_")
            if scheduler is not None:
                scheduler.step()
            writer.writerow(row)
            file.flush()
            scores = "  ".join(f"{name} {row[name]:.4f}" for name in columns[2:])
            log.info("epoch %d/%d  %s", epoch, epochs, scores)
    return row


def save_checkpoint(path: Path, model: nn.Module, model_cfg: DictConfig, data) -> None:
    """Weights plus what rebuilds the model, in plain types that `weights_only=True` loads.

    Written to a temporary file, then renamed: an interrupted save never leaves half a file.
    """
    state = {
        "model_config": OmegaConf.to_container(model_cfg, resolve=True),
        "input_shape": list(data.input_shape),
        "num_classes": data.num_classes,
        "state_dict": model.state_dict(),
    }
    partial = path.with_suffix(path.suffix + ".partial")
    torch.save(state, partial)
    os.replace(partial, path)


def load_checkpoint(path: Path, device) -> nn.Module:
    """Rebuild the model saved by `save_checkpoint`."""
    from hydra.utils import instantiate

    state = torch.load(path, map_location=device, weights_only=True)
    shape, classes = state["input_shape"], state["num_classes"]
    model = instantiate(state["model_config"], input_shape=shape, num_classes=classes)
    model.load_state_dict(state["state_dict"])
    return model.to(device)
