"""Reading checkpoints without trusting them: plain values only, one line for a broken file,
networks rebuilt only from models.py (a checkpoint cannot name other code)."""

import pytest
import torch
from conftest import (
    PACKAGE,
    assert_the_checkpoint_could_not_be_written,
    module,
    run_cli,
    the_run_folder,
    train_writing_at_most,
)
from torch import nn

checkpoints = module("harness.checkpoints")
models = module("models")
RunError = module("harness.errors").RunError


def test_a_checkpoint_is_read_as_plain_values(tmp_path):
    path = tmp_path / "checkpoint"
    torch.save({"classes": [1, "b"], "weights": torch.ones(2)}, path)
    state = checkpoints.read(path, "ckpt_path")
    assert state["classes"] == [1, "b"] and torch.equal(state["weights"], torch.ones(2))


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "is empty"),
        (b"not a checkpoint at all", "is not a readable checkpoint"),
        ("truncated", "is not a readable checkpoint"),
        ("object", "is not a readable checkpoint"),
        ("tensor", "holds a Tensor, not a checkpoint"),
    ],
)
def test_a_broken_or_foreign_file_is_refused_with_one_line_naming_it(tmp_path, content, reason):
    path = tmp_path / "checkpoint"
    if content == "truncated":
        torch.save({"weights": torch.ones(1000)}, path)
        path.write_bytes(path.read_bytes()[:500])
    elif content == "object":  # pickle would rebuild (run) it; weights_only refuses
        torch.save({"payload": Exception("any object that pickle rebuilds")}, path)
    elif content == "tensor":
        torch.save(torch.ones(2), path)
    else:
        path.write_bytes(content)
    with pytest.raises(RunError) as refused:
        checkpoints.read(path, "ckpt_path")
    message = str(refused.value)
    assert message.startswith(f"ckpt_path: {path} {reason}") and "\n" not in message
    assert "weights_only=False" not in message  # torch's advice to load it anyway
    if reason == "is not a readable checkpoint":
        assert message.endswith(
            "): truncated, corrupted, or holding objects other than tensors and plain values; "
            "not loaded"
        )
    if content == "object":
        assert "(UnpicklingError)" in message


def test_build_makes_the_model_that_the_config_names():
    config = {"_target_": f"{PACKAGE}.models.MLP", "hidden_sizes": [5], "dropout": 0.5}
    model = models.build(config, input_shape=(1, 8, 8), num_classes=3)
    assert isinstance(model, models.MLP) and model(torch.zeros(2, 1, 8, 8)).shape == (2, 3)
    assert [m.out_features for m in model.modules() if isinstance(m, nn.Linear)] == [5, 3]
    assert set(models.models()) == {"MLP", "CNN"}


@pytest.mark.parametrize(
    "target",
    [
        "shutil.copyfile",
        "os.system",
        f"{PACKAGE}.models.build",  # a function of models.py, not a model
        f"{PACKAGE}.models.nn.Linear",
        f"{PACKAGE}.modelsMLP",
        "MLP",
        None,
        "no _target_ at all",
    ],
)
def test_build_refuses_anything_but_a_model_of_models_py(target):
    config = {} if target == "no _target_ at all" else {"_target_": target}
    with pytest.raises(RunError, match=r"^model: .* is not a model of this project; use one of"):
        models.build(config, input_shape=(4,), num_classes=2)


def test_build_refuses_a_nested_target_and_runs_nothing(tmp_path):
    source, copy = tmp_path / "source", tmp_path / "copy"
    source.write_text("x")
    copyfile = {"_target_": "shutil.copyfile", "src": str(source), "dst": str(copy)}
    for settings in [{"hidden_sizes": copyfile}, {"hidden_sizes": [4, copyfile]}]:
        config = {"_target_": f"{PACKAGE}.models.MLP", **settings}
        with pytest.raises(RunError, match=r"^model.hidden_sizes: the key '_target_' is not"):
            models.build(config, input_shape=(4,), num_classes=2)
    assert not copy.exists()
    with pytest.raises(RunError, match=r"^model: the key '_partial_' is not allowed"):
        models.build({"_target_": f"{PACKAGE}.models.MLP", "_partial_": True}, (4,), 2)


def test_a_checkpoint_without_this_projects_entries_is_refused_naming_them(tmp_path):
    """Another project's or framework's checkpoint: its missing keys named (not `'classes'`)."""
    path = tmp_path / "other.ckpt"
    torch.save({"state_dict": {}, "its_own_entries": {}}, path)
    with pytest.raises(RunError) as refused:
        checkpoints.read(path, "ckpt_path", needs=("model_config", "classes", "state_dict"))
    assert str(refused.value) == (
        f"ckpt_path: {path} is not a checkpoint of this project's train: it holds no "
        "model_config, classes (saved by another project or framework?)"
    )
    assert checkpoints.read(path, "ckpt_path", needs=("state_dict",))["its_own_entries"] == {}


@pytest.mark.parametrize(
    ("entry_point", "tree"), [("evaluate", "evaluations"), ("predict", "predictions")]
)
@pytest.mark.slow
def test_evaluate_and_predict_refuse_a_checkpoint_of_the_other_torch_framework(
    tmp_path, capfd, entry_point, tree
):
    """The checkpoint of the other torch framework of this template (each saves what the other's
    engine does not read), named as such instead of `refused <file>: 'classes'`."""
    holds = module("engine").CHECKPOINT_HOLDS
    other = {"hyper_parameters": {}} if "model_config" in holds else {"model_config": {}}
    path = tmp_path / "other_checkpoint"
    torch.save({**other, "state_dict": {}}, path)
    missing = ", ".join(name for name in holds if name not in other and name != "state_dict")
    with pytest.raises(SystemExit) as stopped:
        run_cli(entry_point, f"ckpt_path={path.name}", cwd=tmp_path)
    lines = capfd.readouterr().out.strip().splitlines()
    assert stopped.value.code == 1 and lines[-1].endswith(
        f"[ERROR] - ckpt_path: {path} is not a checkpoint of this project's train: it holds no "
        f"{missing} (saved by another project or framework?)"
    )
    (run,) = (tmp_path / "outputs" / tree).glob("*/*")
    assert not {"metrics.json", "predictions.csv"} & {p.name for p in run.iterdir()}


@pytest.mark.processes
def test_a_checkpoint_that_cannot_be_written_is_one_line_naming_it(tmp_path):
    """torch's own writer would fail with 80 lines (`enforce fail at inline_container.cc`)."""
    # no file over 32 KiB: the checkpoints (70 KiB and more) fail as on a full disk
    done = train_writing_at_most(32768, tmp_path, "debug=fast")
    assert_the_checkpoint_could_not_be_written(done, the_run_folder(tmp_path))
