"""The training options of both torch frameworks, with the same keys: trainer.precision (autocast,
float16 refused on a CPU), model.compile (a compiled model's checkpoint loads into an uncompiled
one and back), early stopping (the epoch it stops at is the one metrics.csv says, and a run it
ended does not continue), and summary.json's record of why training ended."""

import os
import subprocess
import sys

import pytest
import torch
from conftest import (
    PACKAGE,
    compose_job,
    metrics_rows,
    module,
    read_json,
    run_cli,
    the_run_folder,
    train_in_process,
)
from fake_gpus import gpus
from test_fail_fast import refusal
from test_resume_refusals import refusal as resume_refusal

config_schemas = module("harness.config_schemas")
engine = module("engine")
models = module("models")

# the same options under each framework's own name: one framework has early stopping as a
# callback (configs/callbacks/early_stopping.yaml) and an accelerator for a device
AS_CALLBACK = engine.CHECKPOINT.endswith(".ckpt")
EARLY_STOPPING = "callbacks.early_stopping" if AS_CALLBACK else "trainer.early_stopping"
NO_EARLY_STOPPING = "~callbacks.early_stopping" if AS_CALLBACK else "trainer.early_stopping=null"
DEVICE = "trainer.accelerator" if AS_CALLBACK else "trainer.device"
GPU = "trainer.accelerator=gpu" if AS_CALLBACK else "trainer.device=cuda"


@pytest.fixture
def output_dtypes(monkeypatch) -> list:
    """The dtype of each output of the MLP's forward pass while the fixture is in use."""
    seen = []
    forward = models.MLP.forward

    def recorded(self, x):
        out = forward(self, x)
        seen.append(out.dtype)
        return out

    monkeypatch.setattr(models.MLP, "forward", recorded)
    return seen


@pytest.mark.parametrize(
    ("precision", "dtype"), [("32", torch.float32), ("bf16-mixed", torch.bfloat16)]
)
def test_precision_is_the_type_the_forward_pass_computes_in(
    tmp_path, output_dtypes, precision, dtype
):
    metrics, _ = train_in_process(
        tmp_path / "run", f"trainer.precision={precision}", "trainer.max_epochs=1"
    )
    assert set(output_dtypes) == {dtype}
    assert 0 < metrics["test_acc"] <= 1


@pytest.mark.parametrize(
    ("overrides", "line"),
    [
        (
            ["trainer.precision=16-mixed"],
            f"trainer.precision=16-mixed: float16 autocast needs a GPU, and {DEVICE} is the CPU "
            "here; use bf16-mixed or 32",
        ),
        (
            ["trainer.precision=bf16"],
            "trainer.precision: 'bf16' is not one of 32, bf16-mixed, 16-mixed",
        ),
        (
            ["trainer.accumulate_grad_batches=0"],
            "trainer.accumulate_grad_batches: 0 is out of range",
        ),
        (
            ["trainer.gradient_clip_val=-1"],
            "trainer.gradient_clip_val: -1.0 is out of range: it must be > 0",
        ),
        (
            ["trainer.gradient_clip_algorithm=l2"],
            "trainer.gradient_clip_algorithm: 'l2' is not one of norm, value",
        ),
        (
            ["model.compile=fast"],
            "model.compile: 'fast' is not one of false, true, default, reduce-overhead",
        ),
        (
            ["trainer.limit_train_batches=0"],
            "trainer.limit_train_batches: 0 is out of range: it must be >= 1",
        ),
        (
            ["trainer.limit_val_batches=1.5"],
            "trainer.limit_val_batches: 1.5 is out of range: it must be in (0, 1]",
        ),
        (
            ["trainer.limit_val_batches=all"],
            "trainer.limit_val_batches: 'all' is not a share (0.25)",
        ),
        (["trainer.profiler=fast"], "trainer.profiler: 'fast' is not one of "),
    ],
)
@pytest.mark.slow
def test_a_training_option_it_cannot_run_is_one_line_before_the_run(
    tmp_path, capfd, monkeypatch, overrides, line
):
    gpus(monkeypatch, 0)  # a machine without a GPU, wherever the tests run
    assert refusal(tmp_path, capfd, "train", *overrides).startswith(line)


def test_early_stopping_watches_a_metric_of_the_run(tmp_path):
    with pytest.raises(module("harness.errors").RunError) as refused:
        train_in_process(tmp_path, f"{EARLY_STOPPING}.monitor=val_f1")
    assert str(refused.value).startswith(f"{EARLY_STOPPING}.monitor: 'val_f1' is not a metric of")
    assert not (tmp_path / "metrics.csv").exists()  # before any training


def test_float16_passes_where_there_is_a_gpu(monkeypatch):
    gpus(monkeypatch, 1)
    cfg = compose_job("train", [GPU, "trainer.precision=16-mixed"])
    assert config_schemas.problems(cfg) == []


@pytest.mark.slow
def test_compile_compiles_the_network_in_place_and_the_checkpoint_does_not_say_so(
    tmp_path, monkeypatch
):
    """model.compile reaches nn.Module.compile with its mode (compiling for real takes a
    while: test_a_compiled_models_checkpoint_loads_uncompiled_and_back); the checkpoint's model
    config has no `compile`, so that evaluate and predict build an uncompiled model."""
    compiled = []
    monkeypatch.setattr(
        torch.nn.Module, "compile", lambda net, mode=None: compiled.append((type(net), mode))
    )
    train_in_process(tmp_path / "run", "model.compile=reduce-overhead", "trainer.max_epochs=1")
    assert compiled == [(models.MLP, "reduce-overhead")]
    assert "compile" not in saved_model_config(tmp_path / "run" / engine.CHECKPOINT)
    compiled.clear()
    train_in_process(tmp_path / "again", "trainer.max_epochs=1")  # model.compile: false
    assert compiled == []


def saved_model_config(path) -> dict:
    state = torch.load(path, weights_only=True)
    return (
        state["hyper_parameters"]["model"] if "hyper_parameters" in state else state["model_config"]
    )


@pytest.mark.slow
def test_a_compiled_models_checkpoint_loads_uncompiled_and_back(tmp_path):
    """An uncompiled run continued compiled (resume= may change model.compile): its weights
    load into the compiled model; the checkpoints it writes keep plain names and load into
    evaluate's uncompiled model."""
    run_cli("train", "debug=fast", "trainer.max_epochs=1", cwd=tmp_path)
    run = the_run_folder(tmp_path)
    run_cli("train", f"resume={run}", "trainer.max_epochs=2", "model.compile=true", cwd=tmp_path)
    assert [row["epoch"] for row in metrics_rows(run)] == ["1", "2"]
    for name in (engine.CHECKPOINT, engine.LAST_CHECKPOINT):
        keys = torch.load(run / name, weights_only=True)["state_dict"]
        assert not [key for key in keys if "_orig_mod" in key], name
    run_cli("evaluate", f"ckpt_path={run / engine.CHECKPOINT}", cwd=tmp_path)
    assert read_json(the_run_folder(tmp_path, "evaluations") / "metrics.json")["test_acc"] > 0


def epoch_to_stop(rows: list[dict], patience: int, min_delta: float = 0.0) -> int | None:
    """Computed from metrics.csv: the epoch after which val_loss has not gone below its best
    by more than min_delta for `patience` epochs."""
    best, wait = float("inf"), 0
    for row in rows:
        if float(row["val_loss"]) + min_delta < best:
            best, wait = float(row["val_loss"]), 0
        else:
            wait += 1
            if wait >= patience:
                return int(row["epoch"])
    return None


@pytest.fixture(scope="module")
def stopped_early(tmp_path_factory):
    """A run that early stopping ends: at most 40 epochs, patience 2; its run folder."""
    launch = tmp_path_factory.mktemp("launch")
    patience = f"{EARLY_STOPPING}.patience=2"
    run_cli("train", "debug=fast", "trainer.max_epochs=40", patience, cwd=launch)
    return the_run_folder(launch)


@pytest.mark.slow
def test_early_stopping_stops_at_the_epoch_metrics_csv_says(stopped_early):
    rows = metrics_rows(stopped_early)
    expected = epoch_to_stop(rows, patience=2)
    assert expected is not None and int(rows[-1]["epoch"]) == expected < 40
    stopped = read_json(stopped_early / "summary.json")["stopped"]
    assert stopped["epoch"] == expected and stopped["by"] == "early_stopping"
    assert stopped["reason"].startswith("val_loss had not improved on its best, ")
    assert stopped["reason"].endswith(" by more than 0 for 2 epochs")
    log = (stopped_early / "train.log").read_text()
    assert f"Early stopping after epoch {expected}: {stopped['reason']}" in log


@pytest.mark.slow
def test_min_delta_asks_for_a_larger_improvement(tmp_path):
    _, rows = train_in_process(
        tmp_path, "trainer.max_epochs=40", f"{EARLY_STOPPING}.patience=2",
        f"{EARLY_STOPPING}.min_delta=0.05",
    )  # fmt: skip
    assert int(rows[-1]["epoch"]) == epoch_to_stop(rows, patience=2, min_delta=0.05)


@pytest.mark.slow
def test_a_run_that_early_stopping_ended_does_not_continue(stopped_early, tmp_path):
    line = resume_refusal(tmp_path, stopped_early, "trainer.max_epochs=60")
    last = metrics_rows(stopped_early)[-1]["epoch"]
    ended = f"resume: {stopped_early} finished: early stopping ended it after epoch {last}, as "
    assert line.startswith(f"{ended}val_loss had not improved on its best")
    assert line.endswith("; start a new run to train longer")


@pytest.mark.slow
def test_without_early_stopping_every_epoch_trains(tmp_path, stopped_early):
    """From the command line (its config checks see the switched-off early stopping too)."""
    epochs = len(metrics_rows(stopped_early)) + 2  # past the epoch where it would stop
    patience = f"{EARLY_STOPPING}.patience=2"  # and then no early stopping at all
    args = ("debug=fast", f"trainer.max_epochs={epochs}", patience, NO_EARLY_STOPPING)
    run_cli("train", *args, cwd=tmp_path)
    run = the_run_folder(tmp_path)
    assert len(metrics_rows(run)) == epochs
    assert read_json(run / "summary.json")["stopped"] == {
        "epoch": epochs, "by": "max_epochs", "reason": f"trained {epochs} epochs"
    }  # fmt: skip
    assert "Early stopping" not in (run / "train.log").read_text()


def check_gpu(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", f"{PACKAGE}.harness.gpu_check", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)


@pytest.mark.processes
def test_check_gpu_without_a_gpu_is_one_line_and_exit_0():
    done = check_gpu(env={**os.environ, "CUDA_VISIBLE_DEVICES": ""})  # none, even on a GPU
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("check-gpu: no CUDA GPU here (torch ")
    assert done.stdout.strip().endswith("; nothing to check") and done.stdout.count("\n") == 1


@pytest.mark.processes
def test_check_gpu_runs_its_checks_and_ends_with_their_table():
    """`--on-cpu`: float32 with and without compile, and the resume check, each a real run
    (the mixed precisions and DDP over nccl need GPUs); the table says ok for each."""
    done = check_gpu("--on-cpu")
    assert done.returncode == 0, done.stdout + done.stderr
    table = done.stdout.strip().splitlines()
    assert table[0].startswith("check-gpu on CPU, torch ")
    rows = {line[: line.index("  ")]: line.split()[-2] for line in table[2:]}
    checked = ["32", "32 + compile", "resume after a stop"]
    assert rows == dict.fromkeys(checked, "ok")
