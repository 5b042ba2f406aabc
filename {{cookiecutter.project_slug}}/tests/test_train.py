"""Real runs of the command line: training artifacts, evaluation, multirun, CSV data."""

import csv

import torch
from conftest import read_json, run_cli, the_run_folder


def test_training_run_writes_its_artifacts(trained_run):
    for name in [
        ".hydra/config.yaml",
        ".hydra/hydra.yaml",
        ".hydra/overrides.yaml",
        "train.log",
        "metrics.csv",
        "metrics.json",
        "checkpoint.pt",
    ]:
        assert (trained_run / name).is_file(), name
    assert "debug=fast" in (trained_run / ".hydra/overrides.yaml").read_text()

    rows = list(csv.DictReader((trained_run / "metrics.csv").open()))
    assert [int(row["epoch"]) for row in rows] == [1, 2]
    assert set(rows[0]) == {"epoch", "lr", "train_loss", "train_acc", "val_loss", "val_acc"}

    metrics = read_json(trained_run / "metrics.json")
    assert set(metrics) == {"val_acc", "val_loss", "test_acc", "test_loss"}
    assert 0.0 <= metrics["test_acc"] <= 1.0
    assert metrics["val_acc"] == float(rows[-1]["val_acc"])

    log = (trained_run / "train.log").read_text()
    assert "epoch 2/2" in log
    assert "DEBUG" in log  # debug=fast turns on hydra.verbose


def test_checkpoint_loads_with_weights_only(trained_run):
    state = torch.load(trained_run / "checkpoint.pt", weights_only=True)
    assert state["input_shape"] == [1, 8, 8] and state["num_classes"] == 10
    assert state["model_config"]["_target_"].endswith(".MLP")


def test_evaluate_reproduces_the_test_accuracy(trained_run, tmp_path):
    run_cli("evaluate", f"ckpt_path={trained_run / 'checkpoint.pt'}", cwd=tmp_path)
    eval_run = the_run_folder(tmp_path)
    assert eval_run != trained_run and (eval_run / "evaluate.log").is_file()
    assert (
        read_json(eval_run / "metrics.json")["test_acc"]
        == read_json(trained_run / "metrics.json")["test_acc"]
    )


def test_multirun_gives_one_folder_per_job(tmp_path):
    run_cli("train", "-m", "optimizer=adam,sgd", "debug=fast", cwd=tmp_path)
    (sweep,) = (tmp_path / "outputs" / "multiruns").glob("*/*")
    assert (sweep / "multirun.yaml").is_file()
    jobs = sorted(p for p in sweep.iterdir() if p.is_dir())
    assert [p.name for p in jobs] == ["0", "1"]
    optimizers = [(job / ".hydra/overrides.yaml").read_text() for job in jobs]
    assert "optimizer=adam" in optimizers[0] and "optimizer=sgd" in optimizers[1]
    assert all((job / "checkpoint.pt").is_file() for job in jobs)


def test_csv_data_path_is_relative_to_the_launch_dir_even_with_chdir(tmp_path, digits_csv):
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "digits.csv").write_bytes(digits_csv.read_bytes())
    run_cli(
        "train",
        "data=csv",
        "data.path=tables/digits.csv",
        "hydra.job.chdir=true",
        "trainer.epochs=1",
        cwd=tmp_path,
    )
    run = the_run_folder(tmp_path)
    assert (run / "metrics.json").is_file() and (run / "checkpoint.pt").is_file()
    assert not (run / "tables").exists()
