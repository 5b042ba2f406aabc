"""The typed schemas of this project's configs (harness/config_schemas.py says how they work)."""

import re
from dataclasses import dataclass, field
from typing import Any

from omegaconf import DictConfig

from .harness.config_schemas import (
    at_least,
    checked,
    one_of,
    positive,
    register_shared,
    store,
)
from .harness.devices import gpu_problem, precision_problem
from .harness.torch_schemas import batches_limit_problem, register_torch

# trainer.device of the training loop (engine.pick_device)
DEVICES = ("auto", "cpu", "cuda", "cuda:N", "mps")


def device_problem(name: str, value: Any, node: DictConfig, launch_dir: str | None) -> str | None:
    """trainer.device: one of DEVICES, and there on this machine (cuda:N: the N-th GPU)."""
    value = str(value)
    if not re.fullmatch(r"auto|cpu|mps|cuda(:\d+)?", value):
        return f"{name}: {value!r} is not one of {', '.join(DEVICES)}"
    if value in ("auto", "cpu"):
        return None
    index = [int(value.partition(":")[2] or 0)]
    fewer = "use one of those, or auto"
    return gpu_problem(f"{name}={value}", value[:4], index, "use auto or cpu", lambda _: fewer)


@dataclass
class BestEpoch:
    """Which epoch checkpoint.pt keeps: the best by `monitor`, the highest or lowest (`mode`)."""

    monitor: str = "val_acc"
    mode: str = one_of("max", ("min", "max"))


@dataclass
class EarlyStopping:
    """trainer.early_stopping (harness/early_stopping.py)."""

    monitor: str = "val_loss"
    mode: str = one_of("min", ("min", "max"))
    patience: int = at_least(0, 5)
    min_delta: float = at_least(0, 0.0)


def precision_on_device(name: str, value: Any, node: DictConfig, launch_dir) -> str | None:
    """trainer.precision: one of PRECISIONS, and one that trainer.device can run."""
    device = str(node.get("device", "auto"))
    return precision_problem(name, value, device.partition(":")[0], "trainer.device")


@dataclass
class Trainer:
    """The training loop of engine.py (harness/steps.py: precision, accumulation, clipping)."""

    max_epochs: int = at_least(1, 20)
    device: str = checked("auto", device_problem)  # auto, cpu, cuda, cuda:N or mps
    precision: str = checked("32", precision_on_device)  # 32, bf16-mixed or 16-mixed
    accumulate_grad_batches: int = at_least(1, 1)
    gradient_clip_val: float | None = positive(None)
    gradient_clip_algorithm: str = one_of("norm", ("norm", "value"))
    early_stopping: EarlyStopping | None = field(default_factory=EarlyStopping)
    limit_train_batches: Any = checked(1.0, batches_limit_problem)  # a share, or a count
    limit_val_batches: Any = checked(1.0, batches_limit_problem)
    profiler: str | None = one_of(None, ("pytorch",))  # harness/profiling.py
    deterministic: bool = False
    checkpoint: BestEpoch = field(default_factory=BestEpoch)


def register() -> None:
    register_shared()
    register_torch()
    store("trainer", "loop", Trainer)
