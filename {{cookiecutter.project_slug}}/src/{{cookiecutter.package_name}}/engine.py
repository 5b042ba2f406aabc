"""The training loop, evaluation and checkpoints: plain PyTorch, one epoch at a time."""

import csv
import json
import logging
import os
import random
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger(__name__)


def seed_everything(seed: int, deterministic: bool = False) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(deterministic)


def pick_device(name: str) -> torch.device:
    """`auto` is cuda when available, else cpu."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)


def loader(x, y, batch_size: int, shuffle: bool = False, seed: int = 0) -> DataLoader:
    dataset = TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, generator=generator)


def loaders(data, seed: int = 0) -> dict[str, DataLoader]:
    """DataLoaders for the three splits of a `data.Splits`; only training batches are shuffled."""
    return {
        "train": loader(data.x_train, data.y_train, data.batch_size, shuffle=True, seed=seed),
        "val": loader(data.x_val, data.y_val, data.batch_size),
        "test": loader(data.x_test, data.y_test, data.batch_size),
    }



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
    return {"loss": total_loss / seen, "acc": correct / seen}


@torch.no_grad()
def evaluate(model: nn.Module, batches: DataLoader, device) -> dict[str, float]:
    model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    for x, y in batches:
        x, y = x.to(device), y.to(device)
        logits = model(x)
        total_loss += nn.functional.cross_entropy(logits, y, reduction="sum").item()
        correct += (logits.argmax(dim=1) == y).sum().item()
        seen += len(y)
    return {"loss": total_loss / seen, "acc": correct / seen}


def fit(model, train_batches, val_batches, optimizer, scheduler, epochs: int, device,
        metrics_file: Path) -> dict[str, float]:
    """Train for `epochs`, append one row per epoch to `metrics_file`, return the last row."""
    with open(metrics_file, "w", newline="") as file:
        writer = csv.DictWriter(file, ["epoch", "lr", "train_loss", "train_acc", "val_loss", "val_acc"])
        writer.writeheader()
        for epoch in range(1, epochs + 1):
            lr = optimizer.param_groups[0]["lr"]
            train = train_one_epoch(model, train_batches, optimizer, device)
            val = evaluate(model, val_batches, device)
            if scheduler is not None:
                scheduler.step()
            row = {"epoch": epoch, "lr": lr, "train_loss": train["loss"], "train_acc": train["acc"],
                   "val_loss": val["loss"], "val_acc": val["acc"]}
            writer.writerow(row)
            file.flush()
            log.info("epoch %d/%d  train_loss %.4f  val_loss %.4f  val_acc %.4f",
                     epoch, epochs, train["loss"], val["loss"], val["acc"])
    return row


def save_checkpoint(path: Path, model: nn.Module, model_config: dict, input_shape, num_classes: int) -> None:
    """Weights plus what rebuilds the model; plain types only, so `weights_only=True` loads it.

    Written to a temporary file and renamed, so an interrupted save never leaves half a file.
    """
    state = {
        "model_config": model_config,
        "input_shape": list(input_shape),
        "num_classes": num_classes,
        "state_dict": model.state_dict(),
    }
    partial = path.with_suffix(path.suffix + ".partial")
    torch.save(state, partial)
    os.replace(partial, path)


def load_checkpoint(path: Path, device) -> nn.Module:
    """Rebuild the model saved by `save_checkpoint`."""
    from hydra.utils import instantiate

    state = torch.load(path, map_location=device, weights_only=True)
    model = instantiate(state["model_config"], input_shape=state["input_shape"],
                        num_classes=state["num_classes"])
    model.load_state_dict(state["state_dict"])
    return model.to(device)


def save_metrics(path: Path, metrics: dict[str, float]) -> None:
    path.write_text(json.dumps(metrics, indent=2) + "\n")
