"""`<project>-predict ckpt_path=<run folder>/checkpoint.pt [input=rows.csv]`: predictions.csv."""

import logging
from pathlib import Path

import hydra
from omegaconf import DictConfig

from . import paths
from .harness import contract, results
from .harness.errors import one_line_command, one_line_errors

log = logging.getLogger(__name__)


@one_line_command  # a config error: one line, before anything is written (harness/errors.py)
@hydra.main(config_path="configs", config_name="predict", version_base="1.3")
@one_line_errors
def main(cfg: DictConfig) -> Path:
    """Command-line entry point; returns the path of predictions.csv."""
    return predict(cfg)


def predict(cfg: DictConfig) -> Path:
    # missing files are named at once, before the heavy imports below
    checkpoint = paths.existing_file(cfg.ckpt_path, "ckpt_path")
    rows = paths.existing_file(cfg.input, "input") if cfg.input is not None else None

    from . import engine
    from .harness.features import load_rows, samples_to_predict
    from .loaders import make_loader

    device = engine.pick_device(cfg.trainer.device)
    model, classes, features = engine.load_checkpoint(checkpoint, device)
    if rows is None:  # the test split of the run's own data (its contract.json)
        x = samples_to_predict(contract.run_data(cfg, checkpoint, classes), features)
    else:  # the file's columns checked against the features the model was trained on
        x = load_rows(rows, features, "input")
    log.info("Checkpoint: %s", checkpoint)
    proba = engine.predict_proba(model, make_loader(cfg.loader, x), device, cfg.trainer.precision)
    return results.save_predictions(classes, proba)


if __name__ == "__main__":
    main()
