"""A run folder is the record of its run: its contract (the data, split and model it trained on)
binds evaluate and predict to the run's own test rows; its state and its one writer (harness/
contract.py, harness/run_state.py, harness/run_folder.py)."""

import json
import shutil

import pytest
from conftest import (
    PACKAGE,
    command,
    log_messages,
    module,
    read_json,
    run_cli,
    snapshot,
    the_run_folder,
)

engine = module("engine")
run_state = module("harness.run_state")
RunError = module("harness.errors").RunError
# a split other than the default one (split_seed 0, a test fraction of 0.2: 359 test rows)
OTHER_SPLIT = ["data.split_seed=5", "data.test_fraction=0.3"]


@pytest.fixture(scope="module")
def run_on_another_split(tmp_path_factory):
    """`train debug=fast` with a split seed and test fraction of its own; its run folder."""
    launch = tmp_path_factory.mktemp("launch")
    run_cli("train", "debug=fast", *OTHER_SPLIT, cwd=launch)
    return the_run_folder(launch)


@pytest.mark.slow
def test_the_contract_binds_the_data_its_split_and_the_model(run_on_another_split):
    contract = read_json(run_on_another_split / "contract.json")
    assert contract["framework"] == module("harness").FRAMEWORK != ""
    assert contract["data"]["split_seed"] == 5 and contract["data"]["test_fraction"] == 0.3
    assert contract["data"]["_target_"] == f"{PACKAGE}.data.load_digits"
    rows = contract["fingerprint"]["rows"]
    # 1,797 digits: 539 test rows (0.3), 270 validation rows (0.15), the first 256 of the rest
    assert {name: rows[name]["count"] for name in rows} == {"train": 256, "val": 270, "test": 539}
    assert len(contract["fingerprint"]["source"]["sha256"]) == 64
    assert contract["classes"] == list(range(10)) and len(contract["feature_names"]) == 64
    assert contract["model"]["_target_"].startswith(f"{PACKAGE}.models")


@pytest.mark.slow
def test_evaluate_measures_the_runs_own_test_rows_and_reproduces_its_metrics(
    run_on_another_split, tmp_path
):
    """No data given: the split of the run's contract, not today's default split (which
    overlaps the rows the run trained on), so evaluate gives the run's own test metrics."""
    checkpoint = run_on_another_split / engine.CHECKPOINT
    run_cli("evaluate", f"ckpt_path={checkpoint}", cwd=tmp_path)
    evaluation = the_run_folder(tmp_path, "evaluations")
    trained = read_json(run_on_another_split / "metrics.json")
    evaluated = read_json(evaluation / "metrics.json")
    assert evaluated["test_acc"] == trained["test_acc"]
    assert evaluated["test_loss"] == pytest.approx(trained["test_loss"], rel=1e-9, abs=1e-12)
    assert read_json(evaluation / "inputs.json")["data"] == "the run's"
    assert "Data: the run's own" in "\n".join(log_messages(evaluation / "evaluate.log"))


@pytest.mark.slow
def test_predict_predicts_the_runs_own_test_rows(run_on_another_split, tmp_path):
    checkpoint = run_on_another_split / engine.CHECKPOINT
    run_cli("predict", f"ckpt_path={checkpoint}", cwd=tmp_path)
    predictions = the_run_folder(tmp_path, "predictions") / "predictions.csv"
    assert len(predictions.read_text().splitlines()) == 1 + 539  # not the default split's 359


@pytest.mark.slow
def test_data_given_to_evaluate_is_used_and_said_so(run_on_another_split, tmp_path):
    checkpoint = run_on_another_split / engine.CHECKPOINT
    run_cli("evaluate", f"ckpt_path={checkpoint}", "data.split_seed=0", cwd=tmp_path)
    evaluation = the_run_folder(tmp_path, "evaluations")
    inputs = read_json(evaluation / "inputs.json")
    assert inputs["data"] == "given" and inputs["config"]["split_seed"] == 0
    log = "\n".join(log_messages(evaluation / "evaluate.log"))
    assert "Data: data.split_seed=0, given on the command line (not the run's own)" in log


@pytest.mark.slow
def test_a_checkpoint_without_its_run_folder_says_what_was_assumed(run_on_another_split, tmp_path):
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(run_on_another_split / engine.CHECKPOINT, alone)
    run_cli("evaluate", f"ckpt_path={alone / engine.CHECKPOINT}", cwd=tmp_path)
    evaluation = the_run_folder(tmp_path, "evaluations")
    assert read_json(evaluation / "inputs.json")["data"] == "assumed"
    warning = [line for line in log_messages(evaluation / "evaluate.log") if "No contract" in line]
    assert len(warning) == 1 and "assuming the data config of this command" in warning[0]


def csv_run(tmp_path, digits_csv):
    """A short run on a copy of the digits CSV file; the copy and the run folder."""
    table = tmp_path / "digits.csv"
    shutil.copy(digits_csv, table)
    launch = tmp_path / "launch"
    launch.mkdir()
    run_cli("train", "debug=fast", "data=csv", f"data.path={table}", "data.input_shape=[1,8,8]",
            cwd=launch)  # fmt: skip
    return table, the_run_folder(launch)


@pytest.mark.slow
def test_evaluate_refuses_a_run_whose_data_changed_since_it_trained(tmp_path, digits_csv):
    table, run = csv_run(tmp_path, digits_csv)
    lines = table.read_text().splitlines()
    table.write_text("\n".join([lines[0], lines[2], lines[1], *lines[3:]]) + "\n")  # two rows swap
    with pytest.raises(SystemExit) as stopped:
        run_cli("evaluate", f"ckpt_path={run / engine.CHECKPOINT}", cwd=tmp_path)
    assert stopped.value.code == 1
    evaluation = the_run_folder(tmp_path, "evaluations")
    assert read_json(evaluation / "state.json")["reason"].startswith(
        f"the data of the run that saved {run / engine.CHECKPOINT} changed since it trained"
    )
    assert not (evaluation / "metrics.json").exists()


@pytest.mark.slow
def test_a_contract_never_names_code_to_run(trained_run, tmp_path):
    """contract.json is a file in a run folder: a data `_target_` outside data.py is refused."""
    run = shutil.copytree(trained_run, tmp_path / "run")
    contract = read_json(run / "contract.json")
    victim = tmp_path / "victim"
    victim.mkdir()
    contract["data"] = {"_target_": "shutil.rmtree", "path": str(victim)}
    (run / "contract.json").write_text(json.dumps(contract))
    with pytest.raises(SystemExit):
        run_cli("evaluate", f"ckpt_path={run / engine.CHECKPOINT}", cwd=tmp_path)
    assert victim.is_dir()
    state = read_json(the_run_folder(tmp_path, "evaluations") / "state.json")
    assert state["reason"] == (
        f"ckpt_path: {run / 'contract.json'} names data that is not one of this project's "
        "data sets ('shutil.rmtree'); pass data=... to choose the data"
    )


def test_a_finished_run_says_so_and_holds_no_lock(trained_run):
    state = read_json(trained_run / "state.json")
    assert state["state"] == "finished" and state["reason"] is None
    assert run_state.holder(trained_run) is None  # the lock went with the run
    assert run_state.read(trained_run).state == "finished"


def test_a_run_whose_process_died_reads_as_stopped(tmp_path):
    """state.json says running, but no process holds the lock: the process ended without a
    word (SIGKILL, out of memory)."""
    (tmp_path / "state.json").write_text(json.dumps({"state": "running"}))
    (tmp_path / ".lock").write_text("process 1 on elsewhere since then")
    assert run_state.read(tmp_path).state == "stopped"


@pytest.mark.processes
def test_a_held_folder_names_its_holder_and_a_finished_state_stays(tmp_path, held):
    held(tmp_path)
    assert run_state.read(tmp_path).state == "running"
    assert run_state.holder(tmp_path).startswith("process ")
    assert run_state.Lock.take(tmp_path) is None
    run_state.write(tmp_path, "finished")
    run_state.write(tmp_path, "failed", "a signal after the results were written")
    assert run_state.recorded(tmp_path) == "finished"


@pytest.mark.slow
def test_a_new_run_refuses_a_folder_holding_files_without_hydras_and_changes_nothing(tmp_path):
    """A run made with hydra.output_subdir=null leaves no .hydra/: its folder is refused all
    the same, byte for byte as it was."""
    run_cli("train", "debug=fast", "hydra.output_subdir=null", "hydra.run.dir=old", cwd=tmp_path)
    old = tmp_path / "old"
    before = snapshot(old)
    assert (old / "metrics.csv").is_file() and not (old / ".hydra").exists()
    with pytest.raises(SystemExit) as refused:
        run_cli("train", "debug=fast", "hydra.output_subdir=null", "hydra.run.dir=old",
                cwd=tmp_path)  # fmt: skip
    assert str(refused.value.code) == (
        f"{command('train')}: error: hydra.run.dir: old already holds files (another run's?); "
        "give a new folder, or leave hydra.run.dir out for a fresh one"
    )
    assert snapshot(old) == before


@pytest.mark.slow
def test_a_new_run_refuses_a_folder_of_the_users_files_and_changes_nothing(tmp_path):
    """A folder that no run made (no claim marker, no .hydra/: the user's notes) is refused all
    the same, byte for byte as it was."""
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("what I keep here\n")
    before = snapshot(mine)
    with pytest.raises(SystemExit) as refused:
        run_cli("train", "debug=fast", "hydra.run.dir=mine", cwd=tmp_path)
    assert str(refused.value.code) == (
        f"{command('train')}: error: hydra.run.dir: mine already holds files (another run's?); "
        "give a new folder, or leave hydra.run.dir out for a fresh one"
    )
    assert snapshot(mine) == before
