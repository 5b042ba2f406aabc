"""The typed schemas of the optimizer, loader and trainer configs (harness/torch_schemas.py,
schemas.py): a wrong value stops `train` with one line, before torch is imported."""

import pytest
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
def test_a_wrong_training_value_is_one_line_naming_its_key(tmp_path, capfd, overrides, line):
    assert refusal(tmp_path, capfd, "train", *overrides).startswith(line)


def test_a_new_loader_argument_is_added_with_a_plus(tmp_path):
    from conftest import compose_job

    assert compose_job("train", ["+loader.pin_memory=true"]).loader.pin_memory is True
