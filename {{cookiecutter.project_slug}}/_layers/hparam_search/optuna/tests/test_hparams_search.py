"""The Optuna search (`hparams_search=optuna`): each trial trains and is scored by the metric
`train` returns, the study lives in a SQLite file, the same command again continues it, and a
trial that fails does not end it."""

import optuna
import pytest
from conftest import read_json, run_cli
from omegaconf import OmegaConf

# four quick trials, one after the other in this process
SEARCH = ["hparams_search=optuna", "debug=fast", "hydra/launcher=basic", "hydra.sweeper.n_trials=4"]


def load_study(searches):
    (study_dir,) = searches.iterdir()
    storage = f"sqlite:///{study_dir / 'study.db'}"
    return study_dir, optuna.load_study(study_name=study_dir.name, storage=storage)


@pytest.mark.slow
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


@pytest.mark.slow
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
