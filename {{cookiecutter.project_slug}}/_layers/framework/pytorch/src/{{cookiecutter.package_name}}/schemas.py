"""The typed schemas of this project's configs (config_schemas.py says how they work)."""

from dataclasses import dataclass

from .config_schemas import at_least, register_shared, store
from .torch_schemas import register_torch


@dataclass
class Trainer:
    """The training loop of engine.py."""

    max_epochs: int = at_least(1, 20)
    device: str = "auto"
    deterministic: bool = False


def register() -> None:
    register_shared()
    register_torch()
    store("trainer", "loop", Trainer)
