"""`<project>-evaluate ckpt_path=<run folder>/checkpoint.ckpt`: test a saved model."""

import logging

import hydra
from omegaconf import DictConfig

from . import paths, results

log = logging.getLogger(__name__)


@hydra.main(config_path="configs", config_name="eval", version_base="1.3")
def main(cfg: DictConfig) -> dict[str, float]:
    """Command-line entry point; returns the test metrics."""
    from .engine import quiet_lightning

    quiet_lightning()
    return evaluate(cfg)


def evaluate(cfg: DictConfig) -> dict[str, float]:
    from hydra.utils import instantiate

    from . import engine
    from .datamodule import SplitsDataModule

    checkpoint = paths.existing_file(cfg.ckpt_path, "ckpt_path")
    datamodule = SplitsDataModule(instantiate(cfg.data), cfg.loader)
    model = engine.load_checkpoint(checkpoint)
    trainer = instantiate(cfg.trainer)  # it only tests: no file to write
    log.info("Checkpoint: %s", checkpoint)
    return results.save(engine.evaluate(trainer, model, datamodule))


if __name__ == "__main__":
    main()
