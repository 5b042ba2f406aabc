"""How each batch's loss becomes optimizer steps in the training loop of engine.py, with the
names and meanings that trainer libraries give these arguments:
- `trainer.precision`: 32, bf16-mixed or 16-mixed. The mixed ones run the forward pass and the
  loss under torch.autocast; 16-mixed also scales the loss with a GradScaler, so that float16
  gradients do not underflow (its state is part of last.pt, and a resumed run goes on exactly).
- `trainer.accumulate_grad_batches`: one optimizer step every N batches, the loss divided by N
  (the gradients of N batches are averaged); an epoch's leftover batches still make a step.
- `trainer.gradient_clip_val` (and `gradient_clip_algorithm`: norm or value): gradients clipped
  before each step, after the scaler's unscaling.
And which batches an epoch takes: `trainer.limit_train_batches`, `limit_val_batches` (Limited)."""

import contextlib
import itertools
from collections.abc import Iterator

import torch
from torch import nn

from .errors import RunError

# trainer.precision: the autocast type of each mixed precision (32 runs without autocast)
AUTOCAST = {"bf16-mixed": torch.bfloat16, "16-mixed": torch.float16}


def autocast(device: torch.device, precision: str):
    """The context that runs a forward pass in `precision` on `device` (nothing for 32)."""
    if str(precision) not in AUTOCAST:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=AUTOCAST[str(precision)])


class Steps:
    """The optimizer steps of a run: `backward(loss)` after each batch's loss, `end_epoch()`
    after an epoch's last batch."""

    def __init__(self, model: nn.Module, optimizer, device: torch.device, trainer) -> None:
        self.model, self.optimizer, self.device = model, optimizer, device
        self.precision = str(trainer.get("precision", "32"))
        self.accumulate = int(trainer.get("accumulate_grad_batches", 1))
        self.clip_val = trainer.get("gradient_clip_val")
        self.clip_algorithm = trainer.get("gradient_clip_algorithm", "norm")
        # float16's gradients underflow without a scaler; bfloat16 has float32's range
        self.scaler = torch.amp.GradScaler(device.type) if self.precision == "16-mixed" else None
        self.pending = 0  # batches whose gradients wait for the next step

    def autocast(self):
        return autocast(self.device, self.precision)

    def backward(self, loss: torch.Tensor) -> None:
        loss = loss / self.accumulate
        (self.scaler.scale(loss) if self.scaler else loss).backward()
        self.pending += 1
        if self.pending == self.accumulate:
            self.step()

    def end_epoch(self) -> None:
        """A step for the batches left over (fewer than accumulate_grad_batches), their
        losses divided by accumulate_grad_batches all the same."""
        if self.pending:
            self.step()

    def step(self) -> None:
        """Unscale, clip, step, forget the gradients."""
        if self.scaler:
            self.scaler.unscale_(self.optimizer)
        if self.clip_val:
            parameters = self.model.parameters()
            if self.clip_algorithm == "value":
                nn.utils.clip_grad_value_(parameters, self.clip_val)
            else:
                nn.utils.clip_grad_norm_(parameters, self.clip_val)
        if self.scaler:
            self.scaler.step(self.optimizer)  # skipped when the gradients hold inf or NaN
            self.scaler.update()
        else:
            self.optimizer.step()
        self.optimizer.zero_grad()
        self.pending = 0

    def state_dict(self) -> dict | None:
        return self.scaler.state_dict() if self.scaler else None

    def load_state_dict(self, state: dict | None) -> None:
        if self.scaler and state:
            self.scaler.load_state_dict(state)


class Limited:
    """The first batches of a DataLoader: `limit` of them (an int) or that share of them (a
    float in (0, 1], rounded down; a share that is no batch is refused)."""

    def __init__(self, batches, limit: float | int, key: str) -> None:
        self.batches, count = batches, len(batches)
        self.count = min(count, limit) if isinstance(limit, int) else int(count * limit)
        if self.count == 0 and count:
            raise RunError(
                f"{key}={limit}: that share of {count} batches is none; give at least "
                f"{1 / count:.3g}, or a number of batches"
            )

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator:
        return itertools.islice(iter(self.batches), self.count)
