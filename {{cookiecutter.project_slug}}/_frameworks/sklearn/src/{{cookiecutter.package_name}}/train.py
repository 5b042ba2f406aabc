"""Fit a model: `train`, `train model=random_forest`, `train -m model.classifier.C=0.1,1,10`."""

import logging

import hydra
from omegaconf import DictConfig, OmegaConf

from {{ cookiecutter.package_name }} import paths, results

log = logging.getLogger(__name__)


@hydra.main(config_path="configs", config_name="train", version_base="1.3")
def main(cfg: DictConfig) -> float:
    """Command-line entry point; returns the metric that sweepers optimize."""
    return train(cfg)[cfg.optimized_metric]


def train(cfg: DictConfig) -> dict[str, float]:
    # scikit-learn is imported here, not at the top of the file: `--help` stays instant
    from hydra.utils import instantiate

    from {{ cookiecutter.package_name }} import engine

    out = paths.output_dir()
    log.debug("Config:\n%s", OmegaConf.to_yaml(cfg))

    data = instantiate(cfg.data)
    model = instantiate(cfg.model)
    log.info("Fitting %s on %d samples", type(model[-1]).__name__, len(data.y_train))
    model.fit(engine.flat(data.x_train), data.y_train)

    train_scores = engine.score(model, data.x_train, data.y_train, prefix="train_")
    val = engine.score(model, data.x_val, data.y_val, prefix="val_")
    test = engine.score(model, data.x_test, data.y_test, prefix="test_")
    engine.save_metrics_csv(out / "metrics.csv", {"epoch": 1, **train_scores, **val})
    engine.save_model(model, out / "model.joblib")

    metrics = {**val, **test}
    results.save(metrics)
    return metrics


if __name__ == "__main__":
    main()
