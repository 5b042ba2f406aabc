"""The LightningModule: a network from models.py, its loss, metrics and optimizer."""

import lightning as L
import torch
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from torch import nn

from . import models
from .data import Splits
from .harness.errors import RunError


class Classifier(L.LightningModule):
    """Cross-entropy classification with any network of models.py.

    Takes plain dicts and lists (not OmegaConf objects) and saves them as hyperparameters, so a
    checkpoint rebuilds the network by itself (from models.py only) and loads with
    `torch.load(..., weights_only=True)`. `classes` is the label of each class index,
    `feature_names` the name of each feature of a flattened sample (None: the data had none).
    `compile` (model.compile) compiles the network for training; it is not saved, so that a
    checkpoint loads into an uncompiled model.
    """

    def __init__(
        self,
        model: dict,
        input_shape: list[int],
        classes: list,
        optimizer: dict,
        scheduler: dict | None = None,
        feature_names: list[str] | None = None,
        compile: bool | str = False,
    ):
        super().__init__()
        # named explicitly rather than read from this frame, which Lightning would otherwise do
        self.save_hyperparameters(
            {
                "model": model,
                "input_shape": input_shape,
                "classes": classes,
                "optimizer": optimizer,
                "scheduler": scheduler,
                "feature_names": feature_names,
            }
        )
        self.net = models.build(model, input_shape, len(classes))
        models.compile_in_place(self.net, compile)

    @classmethod
    def from_config(cls, cfg: DictConfig, data: Splits) -> "Classifier":
        """Build from a run's config and its data, passing the config nodes as plain dicts."""

        def plain(node):
            return None if node is None else OmegaConf.to_container(node, resolve=True)

        shape, classes = list(data.input_shape), list(data.classes)
        optimizer, scheduler = plain(cfg.optimizer), plain(cfg.scheduler)
        model, compiled = models.network_config(plain(cfg.model)), cfg.model.get("compile", False)
        return cls(model, shape, classes, optimizer, scheduler, data.feature_names, compiled)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def step(self, batch, split: str) -> torch.Tensor:
        """Loss and metrics of one batch, logged as {split}_loss and {split}_acc (epoch means)."""
        x, y = batch
        logits = self(x)
        loss = nn.functional.cross_entropy(logits, y)
        acc = (logits.argmax(dim=1) == y).float().mean()
        metrics = {f"{split}_loss": loss, f"{split}_acc": acc}
        # sync_dist: with several processes (trainer=ddp) the epoch means cover every process
        self.log_dict(metrics, on_step=False, on_epoch=True, sync_dist=True)
        return loss

    def training_step(self, batch, batch_idx):
        loss = self.step(batch, "train")
        if not torch.isfinite(loss):  # stop before the step: the saved checkpoints stay good
            raise RunError(
                f"the training loss is {loss.item()} in batch {batch_idx} of epoch "
                f"{self.current_epoch + 1}: training diverged (try a lower optimizer.lr); "
                "the run stopped"
            )
        return loss

    def validation_step(self, batch, batch_idx):
        self.step(batch, "val")

    def test_step(self, batch, batch_idx):
        self.step(batch, "test")

    def predict_step(self, batch, batch_idx):
        """Class probabilities (softmax) of a batch of samples alone (no labels)."""
        (x,) = batch
        return torch.softmax(self(x), dim=1)

    def configure_optimizers(self):
        optimizer = instantiate(self.hparams.optimizer)(self.parameters())
        if self.hparams.scheduler is None:
            return optimizer
        scheduler = instantiate(self.hparams.scheduler)(optimizer)
        return {"optimizer": optimizer, "lr_scheduler": scheduler}
