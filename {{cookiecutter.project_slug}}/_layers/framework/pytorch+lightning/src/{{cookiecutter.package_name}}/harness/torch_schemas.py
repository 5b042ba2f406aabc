"""Typed schemas of the torch frameworks' optimizer and loader configs, and the check of
model.compile (see config_schemas.py)."""

from dataclasses import dataclass

from .config_schemas import Range, at_least, positive, ranged, run_setting, store

# model.compile: false, true (torch.compile's default mode) or one of its modes
COMPILE_MODES = ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")


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
