"""The typed schemas of this project's configs (harness/config_schemas.py says how they work)."""

from dataclasses import dataclass
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
from .harness.devices import gpu_problem, mps_available, precision_problem
from .harness.torch_schemas import batches_limit_problem, register_torch

# trainer.accelerator of lightning.Trainer: "gpu" is "cuda", or "mps" on a Mac
ACCELERATORS = ("auto", "cpu", "gpu", "cuda", "mps", "tpu")


def accelerator_problem(
    name: str, value: Any, node: DictConfig, launch_dir: str | None
) -> str | None:
    """trainer.accelerator: one of ACCELERATORS; a GPU (gpu, cuda, mps) must be there on this
    machine, as many CUDA GPUs as trainer.devices asks for."""
    value = str(value)
    if value not in ACCELERATORS:
        return f"{name}: {value!r} is not one of {', '.join(ACCELERATORS)}"
    if value not in ("gpu", "cuda", "mps"):
        return None
    import torch

    kind = value
    if value == "gpu":  # as Lightning picks: CUDA, else Apple's GPU
        kind = "mps" if not torch.cuda.is_available() and mps_available() else "cuda"
    # one GPU first (cuda:0, which a machine with CUDA has), then as many as trainer.devices
    if problem := gpu_problem(f"{name}={value}", kind, [0], f"use {name}=auto or cpu", str):
        return problem
    devices = f"{name.rpartition('.')[0]}.devices"
    indices = device_indices(node.get("devices")) if kind == "cuda" else None

    def fewer(count: int) -> str:
        return f"use {devices}={count} or fewer"

    given = f"{devices}={node.get('devices')}"
    return gpu_problem(given, kind, indices, "", fewer) if indices else None


def device_indices(devices: Any) -> list[int] | None:
    """The GPU indices that Lightning's `devices` asks for: a number n is 0 to n-1, a list (or
    "0,2") the indices it holds; None for "auto", -1 (every GPU there is) and what Lightning
    refuses by itself."""
    if isinstance(devices, str):
        parts = [part.strip() for part in devices.split(",") if part.strip()]
        if not parts or not all(part.isdigit() for part in parts):
            return None
        devices = [int(part) for part in parts] if "," in devices else int(parts[0])
    if isinstance(devices, int) and not isinstance(devices, bool):
        return list(range(devices)) if devices > 0 else None
    try:
        return [int(index) for index in devices] or None
    except (TypeError, ValueError):
        return None


def precision_on_accelerator(name: str, value: Any, node: DictConfig, launch_dir) -> str | None:
    """trainer.precision: one of devices.PRECISIONS, and one that trainer.accelerator runs."""
    accelerator = str(node.get("accelerator", "auto"))
    kind = "auto" if accelerator == "gpu" else accelerator  # gpu: CUDA, else Apple's GPU
    return precision_problem(name, value, kind, "trainer.accelerator")


@dataclass
class Trainer:
    """The arguments of lightning.Trainer that configs/trainer/ sets; add another one with
    `+trainer.<argument>=...` (https://lightning.ai/docs/pytorch/stable/common/trainer.html)."""

    _target_: str = "lightning.Trainer"
    accelerator: str = checked("cpu", accelerator_problem)  # and trainer.devices, for a GPU
    strategy: str = "auto"
    devices: Any = 1  # a number, a list of device indices, or "auto"
    num_nodes: int = at_least(1, 1)
    max_epochs: int = at_least(1, 20)
    precision: str = checked("32", precision_on_accelerator)  # 32, bf16-mixed or 16-mixed
    accumulate_grad_batches: int = at_least(1, 1)
    gradient_clip_val: float | None = positive(None)
    gradient_clip_algorithm: str = one_of("norm", ("norm", "value"))
    limit_train_batches: Any = checked(1.0, batches_limit_problem)  # a share, or a count
    limit_val_batches: Any = checked(1.0, batches_limit_problem)
    profiler: str | None = one_of(None, ("simple", "advanced", "pytorch"))
    deterministic: Any = False  # true, false or "warn"
    logger: bool = False


def register() -> None:
    register_shared()
    register_torch()
    store("trainer", "lightning", Trainer)
