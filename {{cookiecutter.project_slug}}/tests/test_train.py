"""Real runs of the command line: training artifacts, evaluation, multirun, CSV data."""

import csv
{%- if cookiecutter.framework != "pytorch" %}
import subprocess
import sys
{%- endif %}
{%- if cookiecutter.framework == "sklearn" %}

from conftest import CHECKPOINT, PACKAGE, read_json, run_cli, the_run_folder

COLUMNS = {"epoch", "train_loss", "train_acc", "val_loss", "val_acc"}
EPOCHS = [1]  # one fit
{%- else %}
{% if cookiecutter.framework == "lightning" %}
import pytest
{%- endif %}
import torch
from conftest import CHECKPOINT, PACKAGE, read_json, run_cli, the_run_folder

COLUMNS = {"epoch", "lr", "train_loss", "train_acc", "val_loss", "val_acc"}
EPOCHS = [1, 2]  # debug=fast trains two epochs
{%- endif %}


def test_training_run_writes_its_artifacts(trained_run):
    hydra_files = [".hydra/config.yaml", ".hydra/hydra.yaml", ".hydra/overrides.yaml"]
    for name in [*hydra_files, "train.log", "metrics.csv", "metrics.json", CHECKPOINT]:
        assert (trained_run / name).is_file(), name
    assert "debug=fast" in (trained_run / ".hydra/overrides.yaml").read_text()

    rows = list(csv.DictReader((trained_run / "metrics.csv").open()))
    assert [int(row["epoch"]) for row in rows] == EPOCHS
    assert set(rows[0]) == COLUMNS

    metrics = read_json(trained_run / "metrics.json")
    assert set(metrics) == {"val_acc", "val_loss", "test_acc", "test_loss"}
    assert 0.0 <= metrics["test_acc"] <= 1.0

    log = (trained_run / "train.log").read_text()
    assert "test_acc" in log
    assert "DEBUG" in log  # debug=fast turns on hydra.verbose for this package
{%- if cookiecutter.framework == "pytorch" %}


def test_checkpoint_loads_with_weights_only(trained_run):
    state = torch.load(trained_run / CHECKPOINT, weights_only=True)
    assert state["input_shape"] == [1, 8, 8] and state["num_classes"] == 10
    assert state["model_config"]["_target_"] == f"{PACKAGE}.models.MLP"
{%- elif cookiecutter.framework == "lightning" %}


def test_checkpoint_loads_with_weights_only(trained_run):
    state = torch.load(trained_run / CHECKPOINT, weights_only=True)
    hparams = state["hyper_parameters"]
    assert hparams["input_shape"] == [1, 8, 8] and hparams["num_classes"] == 10
    assert hparams["model"]["_target_"] == f"{PACKAGE}.models.MLP"


@pytest.mark.filterwarnings("ignore:The dirpath has changed")  # a new run folder, as intended
def test_resume_continues_from_the_checkpoint(trained_run, tmp_path):
    resume = f"ckpt_path={trained_run / CHECKPOINT}"
    run_cli("train", "debug=fast", resume, "trainer.max_epochs=3", cwd=tmp_path)
    rows = list(csv.DictReader((the_run_folder(tmp_path) / "metrics.csv").open()))
    assert [int(row["epoch"]) for row in rows] == [3]  # epochs 1 and 2 came from the checkpoint


def test_each_message_is_logged_once(tmp_path):
    """Hydra's and Lightning's handlers must not both print a line (a real, separate process)."""
    command = [sys.executable, "-m", f"{PACKAGE}.train", "debug=fast", "callbacks=none"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=True)
    lines = [line for line in done.stdout.splitlines() if "Trainer.fit` stopped" in line]
    assert len(lines) == 1, done.stdout
    log = (the_run_folder(tmp_path) / "train.log").read_text()
    assert log.count("Trainer.fit` stopped") == 1
{%- else %}


def test_model_file_loads(trained_run):
    from sklearn.datasets import load_digits

    from {{ cookiecutter.package_name }}.engine import load_model

    model = load_model(trained_run / CHECKPOINT)
    assert model.predict(load_digits().data[:5] / 16.0).shape == (5,)


def test_training_does_not_need_torch(tmp_path):
    """No torch dependency: a run in which torch cannot be imported still trains and saves."""
    code = (
        "import sys\n"
        "class NoTorch:  # behaves as if torch were not installed\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'torch':\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, NoTorch())\n"
        f"from {PACKAGE}.train import main\n"
        "sys.argv = ['train', 'debug=fast']\n"
        "main()\n"
    )
    command = [sys.executable, "-c", code]
    subprocess.run(command, cwd=tmp_path, capture_output=True, check=True)
    assert (the_run_folder(tmp_path) / CHECKPOINT).is_file()
{%- endif %}


def test_evaluate_reproduces_the_test_accuracy(trained_run, tmp_path):
    run_cli("evaluate", f"ckpt_path={trained_run / CHECKPOINT}", cwd=tmp_path)
    eval_run = the_run_folder(tmp_path)
    assert (eval_run / "evaluate.log").is_file()
    expected = read_json(trained_run / "metrics.json")["test_acc"]
    assert read_json(eval_run / "metrics.json")["test_acc"] == expected


def test_multirun_gives_one_folder_per_job(tmp_path):
{%- if cookiecutter.framework == "sklearn" %}
    run_cli("train", "-m", "model=logistic_regression,random_forest", "debug=fast", cwd=tmp_path)
    choices = ["model=logistic_regression", "model=random_forest"]
{%- else %}
    run_cli("train", "-m", "optimizer=adam,sgd", "debug=fast", cwd=tmp_path)
    choices = ["optimizer=adam", "optimizer=sgd"]
{%- endif %}
    (sweep,) = (tmp_path / "outputs" / "multiruns").glob("*/*")
    assert (sweep / "multirun.yaml").is_file()
    jobs = sorted(p for p in sweep.iterdir() if p.is_dir())
    assert [p.name for p in jobs] == ["0", "1"]
    for job, choice in zip(jobs, choices, strict=True):
        assert choice in (job / ".hydra/overrides.yaml").read_text()
        assert (job / CHECKPOINT).is_file()


def test_csv_data_path_is_relative_to_the_launch_dir_even_with_chdir(tmp_path, digits_csv):
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "digits.csv").write_bytes(digits_csv.read_bytes())
    data = ["data=csv", "data.path=tables/digits.csv"]
    run_cli("train", *data, "hydra.job.chdir=true", "debug=fast", cwd=tmp_path)
    run = the_run_folder(tmp_path)
    assert (run / "metrics.json").is_file() and (run / CHECKPOINT).is_file()
    assert not (run / "tables").exists()
