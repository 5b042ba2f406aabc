"""The networks of models.py and the configs that pick and tune them."""

import pytest
import torch
from conftest import PACKAGE, compose_job, module
from torch import nn

models = module("models")
RunError = module("harness.errors").RunError


def test_mlp_flattens_and_stacks_its_hidden_layers():
    mlp = models.MLP([1, 4, 4], num_classes=3, hidden_sizes=[8, 5], dropout=0.25)
    linear = [layer for layer in mlp.net if isinstance(layer, nn.Linear)]
    assert [(layer.in_features, layer.out_features) for layer in linear] == [
        (16, 8),
        (8, 5),
        (5, 3),
    ]
    assert [layer.p for layer in mlp.net if isinstance(layer, nn.Dropout)] == [0.25, 0.25]
    assert mlp(torch.zeros(2, 1, 4, 4)).shape == (2, 3)


def test_cnn_halves_the_image_per_block():
    cnn = models.CNN([1, 8, 8], num_classes=10, channels=[4, 6], dropout=0.5)
    conv = [layer for layer in cnn.net if isinstance(layer, nn.Conv2d)]
    assert [(c.in_channels, c.out_channels) for c in conv] == [(1, 4), (4, 6)]
    (head,) = [layer for layer in cnn.net if isinstance(layer, nn.Linear)]
    assert head.in_features == 6 * 2 * 2  # 8 -> 4 -> 2
    assert [layer.p for layer in cnn.net if isinstance(layer, nn.Dropout)] == [0.5]
    assert cnn(torch.zeros(3, 1, 8, 8)).shape == (3, 10)


def test_dropout_is_off_unless_asked_for():
    for model in (models.MLP([4], num_classes=2), models.CNN([1, 4, 4], num_classes=2)):
        dropouts = [layer.p for layer in model.net if isinstance(layer, nn.Dropout)]
        assert dropouts and set(dropouts) == {0.0}


def test_cnn_refuses_inputs_it_cannot_use():
    needs = r"CNN needs inputs shaped \[channels, height, width\], got \[64\]; set data.input_shape"
    with pytest.raises(RunError, match=needs):
        models.CNN([64], num_classes=10)
    with pytest.raises(RunError, match=r"3 pooling blocks are too many for \[1, 4, 4\]"):
        models.CNN([1, 4, 4], num_classes=10, channels=[2, 2, 2])
    with pytest.raises(RunError, match="1 pooling blocks are too many"):
        models.CNN([1, 8, 1], num_classes=10, channels=[2])  # a width of 1 cannot be halved
    assert models.CNN([1, 2, 2], num_classes=2, channels=[2])(torch.zeros(1, 1, 2, 2)).shape == (
        1,
        2,
    )


def test_data_model_specialization_applies_only_to_its_pair():
    digits_cnn = compose_job("train", ["data=digits", "model=cnn"])
    digits_mlp = compose_job("train", [])
    assert list(digits_cnn.model.channels) == [32, 64]
    assert digits_cnn.trainer.max_epochs == 25
    assert digits_mlp.trainer.max_epochs == 20


def test_experiment_overrides_groups_and_keys():
    cfg = compose_job("train", ["experiment=cnn_cosine"])
    assert cfg.model._target_ == f"{PACKAGE}.models.CNN"
    assert cfg.scheduler._target_ == "torch.optim.lr_scheduler.CosineAnnealingLR"
    assert cfg.scheduler.T_max == cfg.trainer.max_epochs
    assert cfg.optimizer.lr == 3e-3


def test_command_line_overrides_beat_experiment():
    assert compose_job("train", ["experiment=cnn_cosine", "optimizer.lr=0.5"]).optimizer.lr == 0.5
