"""Models for `input_shape` inputs and `num_classes` outputs (the `_target_`s of configs/model/)."""

import math

import torch
from torch import nn


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
            raise ValueError(
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
            raise ValueError(
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
