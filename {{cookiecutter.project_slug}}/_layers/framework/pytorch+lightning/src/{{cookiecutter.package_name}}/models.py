"""Models for `input_shape` inputs and `num_classes` outputs (the `_target_`s of configs/model/).

`build` makes a network from a model config, the run's or one saved in a checkpoint: it names
one of the classes of this file, so a checkpoint can never make `evaluate` run other code.
"""

import math
from collections.abc import Mapping, Sequence

import torch
from torch import nn

from .harness.errors import RunError
from .harness.torch_schemas import COMPILE_MODES


class MLP(nn.Module):
    """Flatten, then fully connected layers with ReLU and dropout."""

    def __init__(self, input_shape, num_classes: int, hidden_sizes=(128, 64), dropout: float = 0.0):
        super().__init__()
        layers: list[nn.Module] = [nn.Flatten()]
        width = math.prod(input_shape)
        for hidden in hidden_sizes:
            layers += [nn.Linear(width, hidden), nn.ReLU(), nn.Dropout(dropout)]
            width = hidden
        layers.append(nn.Linear(width, num_classes))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class CNN(nn.Module):
    """Blocks of 3x3 convolution, ReLU and 2x2 max-pooling, then a linear layer."""

    def __init__(self, input_shape, num_classes: int, channels=(16, 32), dropout: float = 0.0):
        super().__init__()
        if len(input_shape) != 3:
            raise RunError(
                f"CNN needs inputs shaped [channels, height, width], got {list(input_shape)}; "
                "set data.input_shape or use model=mlp"
            )
        in_channels, height, width = input_shape
        layers: list[nn.Module] = []
        for out_channels in channels:
            layers += [
                nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1),
                nn.ReLU(),
                nn.MaxPool2d(2),
            ]
            in_channels, height, width = out_channels, height // 2, width // 2
        if height == 0 or width == 0:
            raise RunError(
                f"CNN: {len(channels)} pooling blocks are too many for {list(input_shape)} inputs"
            )
        layers += [
            nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(in_channels * height * width, num_classes),
        ]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def models() -> dict[str, type[nn.Module]]:
    """The networks a model config may name: the nn.Module classes defined in this file."""
    return {
        name: value
        for name, value in globals().items()
        if isinstance(value, type) and issubclass(value, nn.Module) and value.__module__ == __name__
    }


def check_plain(value, where: str) -> None:
    """Refuse any `_target_` (or other `_..._` key of Hydra's) inside a model's settings."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if str(key).startswith("_"):
                raise RunError(f"{where}: the key {key!r} is not allowed in a model's settings")
            check_plain(item, f"{where}.{key}")
    elif isinstance(value, Sequence) and not isinstance(value, str):
        for item in value:
            check_plain(item, where)


def network_config(config: Mapping) -> dict:
    """A model config without `compile`, which says how the network runs, not what it is:
    what a checkpoint keeps, so that a compiled model's loads into an uncompiled one."""
    return {key: value for key, value in config.items() if key != "compile"}


def compile_in_place(network: nn.Module, setting) -> None:
    """torch.compile the network for training when `setting` (model.compile) asks for it.
    In place (nn.Module.compile): its state_dict keeps its plain names, no `_orig_mod.`."""
    if setting is True or setting in COMPILE_MODES:
        network.compile(mode=None if setting is True else setting)


def build(config: Mapping, input_shape, num_classes: int) -> nn.Module:
    """The network named by `config["_target_"]`, called with the other keys as arguments
    (but `compile`: compile_in_place)."""
    settings = network_config(config)
    target = settings.pop("_target_", None)
    allowed = models()
    name = target.removeprefix(f"{__name__}.") if isinstance(target, str) else None
    if target != f"{__name__}.{name}" or name not in allowed:
        raise RunError(
            f"model: {target!r} is not a model of this project; "
            f"use one of {[f'{__name__}.{known}' for known in allowed]}"
        )
    check_plain(settings, "model")
    return allowed[name](input_shape=input_shape, num_classes=num_classes, **settings)
