"""The typed schemas of this project's configs (harness/config_schemas.py says how they work)."""

from dataclasses import dataclass
from typing import Any

from .harness.config_schemas import at_least, register_shared, store
from .harness.torch_schemas import register_torch


@dataclass
class Trainer:
    """The arguments of lightning.Trainer that configs/trainer/ sets; add another one with
    `+trainer.<argument>=...` (https://lightning.ai/docs/pytorch/stable/common/trainer.html)."""

    _target_: str = "lightning.Trainer"
    accelerator: str = "cpu"
    strategy: str = "auto"
    devices: Any = 1  # a number, a list of device indices, or "auto"
    num_nodes: int = at_least(1, 1)
    max_epochs: int = at_least(1, 20)
    deterministic: Any = False  # true, false or "warn"
    logger: bool = False


def register() -> None:
    register_shared()
    register_torch()
    store("trainer", "lightning", Trainer)
