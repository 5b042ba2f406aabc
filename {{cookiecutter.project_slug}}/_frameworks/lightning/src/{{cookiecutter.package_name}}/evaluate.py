"""Test a saved model: `evaluate ckpt_path=outputs/runs/<date>/<time>/checkpoint.ckpt`."""

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

    from {{ cookiecutter.package_name }}.datamodule import SplitsDataModule
    from {{ cookiecutter.package_name }}.lit_module import Classifier

    checkpoint = paths.existing_file(cfg.ckpt_path, "ckpt_path")
    datamodule = SplitsDataModule(instantiate(cfg.data))
    model = Classifier.load_from_checkpoint(checkpoint, map_location="cpu", weights_only=True)
    trainer = instantiate(cfg.trainer, default_root_dir=paths.output_dir())
    metrics = trainer.test(model, datamodule=datamodule, verbose=False)[0]

    log.info("Checkpoint: %s", checkpoint)
    results.save(metrics)
    return metrics


if __name__ == "__main__":
    main()
