"""The training knobs of harness/steps.py and harness/early_stopping.py, each against a loop
written out by hand: gradient accumulation is the step of one larger batch, clipping bounds the
step, the gradient scaler's state travels in last.pt, early stopping counts epochs as specified."""

import math

import pytest
import torch
from conftest import compose_job, module
from hydra.utils import instantiate
from torch import nn

engine = module("engine")
EarlyStopping = module("harness.early_stopping").EarlyStopping
Steps = module("harness.steps").Steps
CPU = torch.device("cpu")


def problem(rows: int):
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(rows, 4, generator=generator)
    return x, (x[:, 0] > 0).long()


def batches(x, y, size):
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=size)


def trained(rows: int, batch_size: int, lr: float = 0.1, **trainer) -> tuple[nn.Module, int]:
    """A linear model after one epoch of SGD on `rows` samples in batches of `batch_size`,
    with these trainer settings; its optimizer's number of steps."""
    x, y = problem(rows)
    torch.manual_seed(0)
    model = nn.Linear(4, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    made = []
    optimizer.register_step_post_hook(lambda *_: made.append(1))
    engine.train_one_epoch(
        model, batches(x, y, batch_size), Steps(model, optimizer, CPU, trainer), CPU
    )
    return model, len(made)


def weights(model: nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in model.parameters()])


def test_accumulating_two_batches_of_four_steps_as_one_batch_of_eight():
    accumulated, steps = trained(32, 4, accumulate_grad_batches=2)
    one_batch, steps_of_eight = trained(32, 8)
    assert steps == steps_of_eight == 4
    assert torch.allclose(weights(accumulated), weights(one_batch), atol=1e-6)


def test_the_batches_left_over_at_the_end_of_an_epoch_still_step():
    """5 batches, accumulated by 2: steps after batches 2, 4 and 5 (the last one's loss also
    divided by 2 too)."""
    _, steps = trained(20, 4, accumulate_grad_batches=2)
    assert steps == 3


@pytest.mark.parametrize(
    ("algorithm", "size"), [("norm", torch.linalg.vector_norm), ("value", torch.amax)]
)
def test_clipping_bounds_each_step(algorithm, size):
    """SGD with lr 1 moves the weights by minus the gradient: clipped to 1e-3 (by norm, or
    each value), one step moves them by at most that."""
    start = weights(trained(8, 8, lr=0.0)[0])
    free = weights(trained(8, 8, lr=1.0)[0]) - start
    clipped = (
        weights(trained(8, 8, lr=1.0, gradient_clip_val=1e-3, gradient_clip_algorithm=algorithm)[0])
        - start
    )
    assert size(free.abs()) > 1e-2  # (so that clipping has something to clip)
    assert size(clipped.abs()) == pytest.approx(1e-3, rel=1e-4)


def test_the_gradient_scaler_travels_in_last_pt(tmp_path):
    """16-mixed keeps a GradScaler (on a GPU; made here on the CPU, which torch allows for the
    test): its state is saved after each epoch and restored by resume=."""
    cfg = compose_job("train", ["debug=fast"])
    data = instantiate(cfg.data)
    training = engine.build(cfg, data, CPU)
    training.steps = Steps(training.model, training.optimizer, CPU, {"precision": "16-mixed"})
    training.steps.scaler.scale(torch.ones(()))  # (the scaler starts with its first loss)
    training.steps.scaler.update(new_scale=1024.0)
    engine.Checkpoints(tmp_path, cfg, data, training).save(
        {"epoch": 1, "val_acc": 0.5, "val_loss": 1.0}
    )
    saved = torch.load(tmp_path / engine.LAST_CHECKPOINT, weights_only=True)
    assert saved["grad_scaler"]["scale"] == 1024.0

    again = engine.build(cfg, data, CPU)
    again.steps = Steps(again.model, again.optimizer, CPU, {"precision": "16-mixed"})
    assert again.steps.scaler.get_scale() != 1024.0
    engine.Checkpoints(tmp_path, cfg, data, again).restore(tmp_path / engine.LAST_CHECKPOINT)
    assert again.steps.scaler.get_scale() == 1024.0


def stops(values, **settings) -> int | None:
    """The 1-based epoch after which EarlyStopping stops for these monitored values."""
    stopper = EarlyStopping(**{"monitor": "m", "mode": "min", "patience": 2, **settings})
    return next((i for i, v in enumerate(values, 1) if stopper.update({"m": v})), None)


def test_early_stopping_counts_epochs_without_an_improvement():
    # min: better at 1, 2 and 4; 3 is not (one epoch), 5 and 6 are not: patience 2 stops after 6
    assert stops([1.0, 0.9, 0.95, 0.8, 0.85, 0.82]) == 6
    assert stops([1.0, 0.9, 0.95, 0.8, 0.85, 0.82], patience=3) is None
    # an improvement by less than min_delta is none: 0.88 and 0.85 are not below 0.9 - 0.05
    assert stops([1.0, 0.9, 0.88, 0.85], min_delta=0.05) == 4
    assert stops([1.0, 2.0, 3.0, 2.5, 2.9], mode="max") == 5
    assert stops([1.0, 0.9, 0.9], patience=0) == 3  # patience 0: at the first epoch not better
    assert stops([1.0, math.nan]) == 2  # a value that is not finite stops at once


def test_early_stopping_state_round_trips():
    stopper = EarlyStopping("m", "max", 4)
    for value in (0.5, 0.7, 0.6):
        stopper.update({"m": value})
    again = EarlyStopping("m", "max", 4)
    again.load_state_dict(stopper.state_dict())
    assert (again.best, again.wait) == (0.7, 1)
    assert [again.update({"m": 0.6}) for _ in range(3)] == [False, False, True]
