"""The typed schemas of the optimizer, loader and trainer configs (harness/torch_schemas.py,
schemas.py): a wrong value stops `train` with one line, before torch is imported."""

import pytest
from conftest import PACKAGE
from test_fail_fast import refusal


@pytest.mark.parametrize(
    ("overrides", "line"),
    [
        (["trainer.max_epochs=abc"], "trainer.max_epochs: Value 'abc' of type 'str' could not be"),
        (["trainer.max_epochs=0"], "trainer.max_epochs: 0 is out of range: it must be >= 1"),
        (["trainer.max_epch=3"], "trainer.max_epch: no such key; the keys here: "),
        (["optimizer.lr=abc"], "optimizer.lr: Value 'abc' of type 'str' could not be converted"),
        (["optimizer.lr=0"], "optimizer.lr: 0.0 is out of range: it must be > 0"),
        (["optimizer.lr=-1e-3"], "optimizer.lr: -0.001 is out of range: it must be > 0"),
        (["optimizer=sgd", "optimizer.momentum=1"], "optimizer.momentum: 1.0 is out of range"),
        (["optimizer.weight_decay=-1"], "optimizer.weight_decay: -1.0 is out of range"),
        (["loader.batch_size=0"], "loader.batch_size: 0 is out of range: it must be >= 1"),
        (["loader.num_workers=-1"], "loader.num_workers: -1 is out of range: it must be >= 0"),
    ],
)
@pytest.mark.slow
def test_a_wrong_training_value_is_one_line_naming_its_key(tmp_path, capfd, overrides, line):
    assert refusal(tmp_path, capfd, "train", *overrides).startswith(line)


ADAM = "params, lr, betas, eps, weight_decay, amsgrad, foreach, maximize, capturable"


@pytest.mark.parametrize(
    ("overrides", "line"),
    [
        (
            ["+optimizer.lrr=0.1"],
            "optimizer.lrr: torch.optim.Adam takes no argument 'lrr' (did you mean lr?); "
            f"it takes {ADAM}",
        ),
        (
            ["optimizer=sgd", "+optimizer.nesterov=true", "+optimizer.dampning=0.1"],
            "optimizer.dampning: torch.optim.SGD takes no argument 'dampning' (did you mean "
            "dampening?); it takes params, lr, momentum, dampening, weight_decay, nesterov",
        ),
        (
            ["+model.hiden_sizes=[8]"],
            f"model.hiden_sizes: {PACKAGE}.models.MLP takes no argument 'hiden_sizes' (did you "
            "mean hidden_sizes?); it takes input_shape, num_classes, hidden_sizes, dropout",
        ),
        (
            ["scheduler=cosine", "+scheduler.T_maxx=3"],
            "scheduler.T_maxx: torch.optim.lr_scheduler.CosineAnnealingLR takes no argument "
            "'T_maxx' (did you mean T_max?); it takes optimizer, T_max, eta_min, last_epoch",
        ),
    ],
)
@pytest.mark.slow
def test_an_argument_that_the_target_does_not_take_is_one_line_naming_the_accepted_ones(
    tmp_path, capfd, overrides, line
):
    """`instantiate` would stop the run with a TypeError after the run folder is made: the
    signature of the `_target_` is read before, and nothing is written."""
    assert refusal(tmp_path, capfd, "train", *overrides).startswith(line)


def test_a_new_loader_argument_is_added_with_a_plus(tmp_path):
    from conftest import compose_job

    assert compose_job("train", ["+loader.pin_memory=true"]).loader.pin_memory is True
