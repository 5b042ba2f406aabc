"""The Optuna search (`hparams_search=optuna`): each trial trains and is scored by the metric
`train` returns, the study lives in a SQLite file, the same command again continues it, and a
trial that fails does not end it."""

import optuna
from conftest import read_json, run_cli
from omegaconf import OmegaConf

# two quick trials, one after the other in this process
SEARCH = ["hparams_search=optuna", "debug=fast", "hydra/launcher=basic", "hydra.sweeper.n_trials=2"]


def load_study(searches):
    (study_dir,) = searches.iterdir()
    storage = f"sqlite:///{study_dir / 'study.db'}"
    return study_dir, optuna.load_study(study_name=study_dir.name, storage=storage)


def test_a_search_scores_its_trials_and_the_same_command_continues_it(tmp_path):
    run_cli("train", *SEARCH, cwd=tmp_path)
    study_dir, study = load_study(tmp_path / "outputs" / "searches")
    assert [trial.state.name for trial in study.trials] == ["COMPLETE", "COMPLETE"]
    (sweep,) = [p for p in study_dir.iterdir() if p.is_dir()]
    jobs = sorted(p for p in sweep.iterdir() if p.is_dir())
    assert [job.name for job in jobs] == ["0", "1"]
    for trial, job in zip(study.trials, jobs, strict=True):  # the objective: optimized_metric
        assert trial.value == read_json(job / "metrics.json")["val_acc"]
        assert f"optimizer.lr={trial.params['optimizer.lr']}" in (
            job / ".hydra" / "overrides.yaml"
        ).read_text()
    assert OmegaConf.load(sweep / "optimization_results.yaml").best_value == study.best_value

    run_cli("train", *SEARCH, cwd=tmp_path)  # the same command again: the same study
    study_dir, study = load_study(tmp_path / "outputs" / "searches")
    assert len(study.trials) == 4
    assert len([p for p in study_dir.iterdir() if p.is_dir()]) == 2  # one folder per command


def test_a_failing_trial_is_recorded_and_the_search_goes_on(tmp_path):
    """A learning rate that diverges fails its trial (the run stops on the NaN loss); the
    other trial completes and the search ends normally."""
    grid = [
        "hydra/sweeper/sampler=grid",
        "optimizer=sgd",
        "~hydra.sweeper.params",
        "+hydra.sweeper.params.optimizer.lr='choice(1e10, 0.01)'",
    ]
    run_cli("train", *SEARCH, *grid, cwd=tmp_path)
    _, study = load_study(tmp_path / "outputs" / "searches")
    states = {trial.params["optimizer.lr"]: trial.state.name for trial in study.trials}
    assert states == {1e10: "FAIL", 0.01: "COMPLETE"}
