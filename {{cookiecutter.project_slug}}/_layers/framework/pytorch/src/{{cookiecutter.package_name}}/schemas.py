"""The typed schemas of this project's configs (harness/config_schemas.py says how they work)."""

from dataclasses import dataclass, field

from .harness.config_schemas import at_least, one_of, register_shared, store
from .harness.torch_schemas import register_torch


@dataclass
class BestEpoch:
    """Which epoch checkpoint.pt keeps: the best by `monitor`, the highest or lowest (`mode`)."""

    monitor: str = "val_acc"
    mode: str = one_of("max", ("min", "max"))


@dataclass
class Trainer:
    """The training loop of engine.py."""

    max_epochs: int = at_least(1, 20)
    device: str = "auto"
    deterministic: bool = False
    checkpoint: BestEpoch = field(default_factory=BestEpoch)


def register() -> None:
    register_shared()
    register_torch()
    store("trainer", "loop", Trainer)
