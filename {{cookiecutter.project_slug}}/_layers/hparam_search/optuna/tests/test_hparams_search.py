"""The Optuna search (`hparams_search=optuna`): each trial trains and is scored by the metric
`train` returns, the study lives in a SQLite file, the same command again continues it, and a
trial that fails does not end it."""

import pytest
from conftest import read_json, run_cli
from omegaconf import OmegaConf
from test_fail_fast import refusal

# four quick trials, one after the other in this process
SEARCH = ["hparams_search=optuna", "debug=fast", "hydra/launcher=basic", "hydra.sweeper.n_trials=4"]


def load_study(searches):
    import optuna  # here, not at the top: importing it takes seconds of every test run

    (study_dir,) = searches.iterdir()
    storage = f"sqlite:///{study_dir / 'study.db'}"
    return study_dir, optuna.load_study(study_name=study_dir.name, storage=storage)


@pytest.mark.processes
def test_a_search_scores_its_trials_and_the_same_command_continues_it(tmp_path):
    run_cli("train", *SEARCH, cwd=tmp_path)
    study_dir, study = load_study(tmp_path / "outputs" / "searches")
    assert [trial.state.name for trial in study.trials] == ["COMPLETE"] * 4
    (sweep,) = [p for p in study_dir.iterdir() if p.is_dir()]
    jobs = sorted(p for p in sweep.iterdir() if p.is_dir())
    assert [job.name for job in jobs] == ["0", "1", "2", "3"]
    for trial, job in zip(study.trials, jobs, strict=True):  # the objective: optimized_metric
        assert trial.value == read_json(job / "metrics.json")["val_acc"]
        overrides = (job / ".hydra" / "overrides.yaml").read_text()
        assert all(f"{key}={value}" in overrides for key, value in trial.params.items())
    best = OmegaConf.load(sweep / "optimization_results.yaml")  # the best trial's value, params
    assert (best.best_value, dict(best.best_params)) == (study.best_value, study.best_params)

    run_cli("train", *SEARCH, cwd=tmp_path)  # the same command again: the same study
    study_dir, study = load_study(tmp_path / "outputs" / "searches")
    assert len(study.trials) == 8
    assert len([p for p in study_dir.iterdir() if p.is_dir()]) == 2  # one folder per command


@pytest.mark.processes
def test_a_failing_trial_is_recorded_and_the_search_goes_on(tmp_path):
    """A trial whose data cannot be split (a validation fraction of 1.5) fails with its one
    line; the other trials complete and the search ends normally."""
    space = [
        "+hydra.sweeper.params={data.val_fraction:'choice(0.15, 1.5)'}",
        "hydra.sweeper.n_trials=4",
    ]
    run_cli("train", *SEARCH, *space, cwd=tmp_path)
    _, study = load_study(tmp_path / "outputs" / "searches")
    states = {(trial.params["data.val_fraction"], trial.state.name) for trial in study.trials}
    assert states == {(1.5, "FAIL"), (0.15, "COMPLETE")}


@pytest.mark.slow
def test_a_corrupt_study_file_is_one_line_naming_it(tmp_path, capfd):
    study_db = tmp_path / "outputs" / "searches" / "digits" / "study.db"
    study_db.parent.mkdir(parents=True)
    study_db.write_text("not a database")
    line = refusal(tmp_path, capfd, "train", *SEARCH, expect_files=["outputs"])
    assert line == (
        f"hydra.sweeper.storage: {study_db} is not a study database that Optuna can read (file "
        "is not a database); move it away, or give another hydra.sweeper.study_name (another "
        "file)"
    )
    assert list(study_db.parent.iterdir()) == [study_db]  # no sweep folder beside it


@pytest.mark.slow
def test_a_study_that_changes_its_direction_is_one_line(tmp_path, capfd):
    """A study made to maximize cannot go on to minimize: Optuna would raise in the sweeper."""
    study_db = tmp_path / "outputs" / "searches" / "digits" / "study.db"
    study_db.parent.mkdir(parents=True)
    storage = f"sqlite:///{study_db}"
    import optuna

    optuna.create_study(study_name="digits", storage=storage, direction="maximize")
    capfd.readouterr()  # Optuna's line about the new study
    minimize = ["hydra.sweeper.direction=minimize", "optimized_metric=val_loss"]
    line = refusal(tmp_path, capfd, "train", *SEARCH, *minimize, expect_files=["outputs"])
    assert line == (
        f"hydra.sweeper.direction: the study 'digits' in {study_db} was made to maximize, and a "
        "study keeps its direction: give hydra.sweeper.direction=maximize, or a new "
        "hydra.sweeper.study_name for a new study"
    )
    assert list(study_db.parent.iterdir()) == [study_db]
    assert optuna.load_study(study_name="digits", storage=storage).trials == []


@pytest.mark.slow
def test_a_study_folder_that_cannot_be_made_is_one_line(tmp_path, capfd):
    (tmp_path / "a_file").write_text("not a folder\n")
    overrides = ["paths.output_root=a_file", "hydra.sweep.dir=sweep"]
    line = refusal(tmp_path, capfd, "train", *SEARCH, *overrides, expect_files=["a_file"])
    folder = tmp_path / "a_file" / "searches" / "digits"
    assert line == (
        f"hydra.sweeper.storage: cannot make {folder}, the folder of the study: Not a directory"
    )


@pytest.mark.processes
def test_the_study_file_is_made_wherever_the_sweep_folder_is(tmp_path):
    """hydra.sweep.dir elsewhere: the study's folder is made all the same."""
    run_cli("train", *SEARCH, "hydra.sweeper.n_trials=1", "hydra.sweep.dir=elsewhere", cwd=tmp_path)
    _, study = load_study(tmp_path / "outputs" / "searches")
    assert [trial.state.name for trial in study.trials] == ["COMPLETE"]
    assert (tmp_path / "elsewhere" / "0" / "metrics.json").is_file()
