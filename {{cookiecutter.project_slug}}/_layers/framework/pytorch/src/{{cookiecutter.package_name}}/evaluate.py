"""`<project>-evaluate ckpt_path=<run folder>/checkpoint.pt`: test a saved model."""

import logging

import hydra
from omegaconf import DictConfig

from . import paths
from .harness import contract, results
from .harness.errors import one_line_command, one_line_errors

log = logging.getLogger(__name__)


@one_line_command  # a config error: one line, before anything is written (harness/errors.py)
@hydra.main(config_path="configs", config_name="eval", version_base="1.3")
@one_line_errors
def main(cfg: DictConfig) -> dict[str, float]:
    """Command-line entry point; returns the test metrics."""
    return evaluate(cfg)


def evaluate(cfg: DictConfig) -> dict[str, float]:
    # a missing file is named at once, before the heavy imports below
    checkpoint = paths.existing_file(cfg.ckpt_path, "ckpt_path")

    from . import engine
    from .loaders import make_loaders

    device = engine.pick_device(cfg.trainer.device)
    model, classes, _ = engine.load_checkpoint(checkpoint, device)
    # the run's own data and split (its contract.json), its labels meaning what they meant
    data = contract.run_data(cfg, checkpoint, classes)
    batches = make_loaders(data, cfg.loader)
    log.info("Checkpoint: %s", checkpoint)
    precision = cfg.trainer.precision  # 32, unless trainer.precision=bf16-mixed is given
    return results.save(engine.evaluate(model, batches["test"], device, "test", precision))


if __name__ == "__main__":
    main()
