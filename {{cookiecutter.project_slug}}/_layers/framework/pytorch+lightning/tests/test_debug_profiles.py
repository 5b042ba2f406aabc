"""The debug profiles of configs/debug/: `overfit` drives the training loss to about 0 on a few
samples, `limit` trains on a share of the batches, `profile` leaves the profiler's report in
the run folder. Each is a real run."""

import json
import math

import pytest
import torch
from conftest import compose_job, metrics_rows, module, run_cli, the_run_folder
from hydra.utils import instantiate

models = module("models")
train = module("train")
# a framework whose Trainer profiles itself: its report, not harness/profiling.py's files
OWN_PROFILER = module("engine").CHECKPOINT.endswith(".ckpt")


def train_with(out, *overrides: str) -> list[dict]:
    """`train <overrides>` by its function into `out`; its metrics.csv rows."""
    out.mkdir(parents=True, exist_ok=True)
    train.train(compose_job("train", list(overrides), output_dir=out))
    return metrics_rows(out)


@pytest.mark.slow
def test_overfit_drives_the_training_loss_to_about_zero(tmp_path):
    rows = train_with(tmp_path, "debug=overfit")
    assert len(rows) == 300  # no early stopping
    assert float(rows[-1]["train_loss"]) < 0.05
    assert float(rows[-1]["train_acc"]) == 1.0
    assert float(rows[0]["train_loss"]) > 2.0  # (where it started: about ln 10)


@pytest.mark.slow
def test_limit_trains_on_a_share_of_the_batches(tmp_path, monkeypatch):
    """debug=limit: 3 epochs of int(batches x 0.25) training batches each (rounded down),
    counted as the forward passes that compute gradients."""
    samples = []
    forward = models.MLP.forward

    def counted(self, x):
        if torch.is_grad_enabled():
            samples.append(len(x))
        return forward(self, x)

    monkeypatch.setattr(models.MLP, "forward", counted)
    cfg = compose_job("train", ["debug=limit"])
    batches = math.ceil(len(instantiate(cfg.data).y_train) / cfg.loader.batch_size)
    rows = train_with(tmp_path, "debug=limit")
    assert len(rows) == 3
    assert len(samples) == 3 * int(batches * 0.25) and len(samples) < 3 * batches
    assert set(samples) == {cfg.loader.batch_size}  # the first batches: full ones


@pytest.mark.slow
def test_a_share_that_leaves_no_batch_is_refused(tmp_path):
    """0.001 of about 20 batches is none: refused before training."""
    with pytest.raises(Exception, match="limit_train_batches") as refused:
        train_with(tmp_path, "debug=fast", "trainer.limit_train_batches=0.001")
    assert "0.001" in str(refused.value)
    assert not (tmp_path / "metrics.csv").exists()


@pytest.mark.slow
def test_profile_leaves_the_profilers_report_in_the_run_folder(tmp_path):
    run_cli("train", "debug=profile", cwd=tmp_path)
    run = the_run_folder(tmp_path)
    assert len(metrics_rows(run)) == 2
    if OWN_PROFILER:
        assert "run_training_epoch" in (run / "fit-profile.txt").read_text()
        assert list(run.glob("fit-profile-*.pt.trace.json"))  # a trace for Perfetto
    else:
        trace = json.loads((run / "profile.trace.json").read_text())
        assert any(event.get("name", "").startswith("aten::") for event in trace["traceEvents"])
        assert "aten::" in (run / "profile.txt").read_text()
