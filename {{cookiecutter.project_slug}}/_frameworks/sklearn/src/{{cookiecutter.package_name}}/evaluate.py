"""Test a saved model: `evaluate ckpt_path=outputs/runs/<date>/<time>/model.joblib`."""

import logging

import hydra
from omegaconf import DictConfig

from {{ cookiecutter.package_name }} import paths, results

log = logging.getLogger(__name__)


@hydra.main(config_path="configs", config_name="eval", version_base="1.3")
def main(cfg: DictConfig) -> float:
    """Command-line entry point; returns the test accuracy."""
    return evaluate(cfg)["test_acc"]


def evaluate(cfg: DictConfig) -> dict[str, float]:
    from hydra.utils import instantiate

    from {{ cookiecutter.package_name }} import engine

    checkpoint = paths.existing_file(cfg.ckpt_path, "ckpt_path")
    data = instantiate(cfg.data)
    model = engine.load_model(checkpoint)
    metrics = engine.score(model, data.x_test, data.y_test, prefix="test_")

    log.info("Checkpoint: %s", checkpoint)
    results.save(metrics)
    return metrics


if __name__ == "__main__":
    main()
