"""Typed schemas of the torch frameworks' optimizer and loader configs, and the check of
model.compile (see config_schemas.py)."""

from dataclasses import dataclass

from .config_schemas import Range, at_least, positive, ranged, store
from .targets import run_setting

# model.compile: false, true (torch.compile's default mode) or one of its modes
COMPILE_MODES = ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")


def batches_limit_problem(name: str, value, node, launch_dir) -> str | None:
    """trainer.limit_train_batches, limit_val_batches: a share of the batches
    in (0, 1] (a float), or a number of them, at least 1 (an integer)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{name}: {value!r} is not a share (0.25) or a number of batches (10)"
    if isinstance(value, int):
        return None if value >= 1 else f"{name}: {value} is out of range: it must be >= 1"
    return None if 0 < value <= 1 else f"{name}: {value} is out of range: it must be in (0, 1]"


def compile_problem(name: str, value, node, launch_dir) -> str | None:
    if isinstance(value, bool) or value in COMPILE_MODES:
        return None
    return f"{name}: {value!r} is not one of false, true, {', '.join(COMPILE_MODES)}"


@dataclass
class Adam:
    _target_: str = "torch.optim.Adam"
    _partial_: bool = True  # the parameters are given when the model exists
    lr: float = positive(2e-3)
    weight_decay: float = at_least(0, 0.0)


@dataclass
class SGD:
    _target_: str = "torch.optim.SGD"
    _partial_: bool = True
    lr: float = positive(0.05)
    momentum: float = ranged(0.9, Range(0, 1, open_high=True))
    weight_decay: float = at_least(0, 1e-4)


@dataclass
class Loader:
    batch_size: int = at_least(1, 64)
    num_workers: int = at_least(0, 0)


def register_torch() -> None:
    store("optimizer", "adam", Adam)
    store("optimizer", "sgd", SGD)
    store("loader", "default", Loader)
    run_setting("model", "compile", compile_problem)  # read by models.compile_in_place
