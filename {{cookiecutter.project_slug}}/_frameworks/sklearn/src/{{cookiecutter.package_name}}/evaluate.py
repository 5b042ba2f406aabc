"""Test a saved model: `evaluate ckpt_path=outputs/runs/<date>/<time>/model.joblib`."""

import logging

import hydra
from omegaconf import DictConfig

from {{ cookiecutter.package_name }} import paths

log = logging.getLogger(__name__)


@hydra.main(config_path="configs", config_name="eval", version_base="1.3")
def main(cfg: DictConfig) -> float:
    """Command-line entry point; returns the test accuracy."""
    return evaluate(cfg)["test_acc"]


def evaluate(cfg: DictConfig) -> dict[str, float]:
    from hydra.utils import instantiate

    from {{ cookiecutter.package_name }} import engine

    checkpoint = paths.resolve(cfg.ckpt_path)
    if not checkpoint.is_file():
        raise FileNotFoundError(f"ckpt_path: no model file at {checkpoint}")
    data = instantiate(cfg.data)
    model = engine.load_model(checkpoint)
    metrics = engine.score(model, data.x_test, data.y_test, prefix="test_")

    engine.save_metrics(paths.output_dir() / "metrics.json", metrics)
    log.info("Checkpoint: %s", checkpoint)
    log.info("Run folder: %s", paths.output_dir())
    log.info("test_acc: %.4f", metrics["test_acc"])
    return metrics


if __name__ == "__main__":
    main()
