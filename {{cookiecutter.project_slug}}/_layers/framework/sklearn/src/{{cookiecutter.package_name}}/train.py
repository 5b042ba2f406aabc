"""`<project>-train`: fit a model, e.g. `<project>-train model=random_forest`."""

import logging

import hydra
from omegaconf import DictConfig

from . import paths
from .harness import results, resume
from .harness.errors import one_line_command, one_line_errors

log = logging.getLogger(__name__)


@one_line_command  # a config error: one line, before anything is written (harness/errors.py)
@resume.resumable  # `resume=...` stops with one line: a fit has nothing to continue
@hydra.main(config_path="configs", config_name="train", version_base="1.3")
@one_line_errors
def main(cfg: DictConfig) -> float:
    """Command-line entry point; returns the metric that sweepers optimize."""
    return train(cfg)[cfg.optimized_metric]


def train(cfg: DictConfig) -> dict[str, float]:
    # scikit-learn is imported here, not at the top of the file: `--help` stays instant
    from hydra.utils import instantiate

    from . import engine
    from .harness.record import RunRecord

    out = paths.output_dir()
    known = results.reported(engine.METRICS)
    results.check_metric_name("optimized_metric", cfg.optimized_metric, known)
    resume.last_checkpoint(cfg.resume, engine.LAST_CHECKPOINT)  # one line: nothing to continue

    # the config tree, the tracker's run; metrics.csv, summary.json, the curves (harness/record.py)
    with RunRecord(cfg) as run:
        data = instantiate(cfg.data)
        run.bind(data)  # contract.json: the run's data, split and model, for good
        model = instantiate(cfg.model)
        log.info("Fitting %s on %d samples", type(model[-1]).__name__, len(data.y_train))

        epoch = engine.fit(model, data)
        run.epoch(epoch)
        engine.save_checkpoint(out / engine.CHECKPOINT, model, data.classes, data.feature_names)
        test = engine.evaluate(model, data.x_test, data.y_test, split="test")
        # metrics.json: the validation metrics and the test metrics
        return run.finish(test, [out / engine.CHECKPOINT])


if __name__ == "__main__":
    main()
