"""`<project>-train`: train a model, e.g. `<project>-train model=cnn optimizer.lr=3e-3`."""

import logging

import hydra
from omegaconf import DictConfig, OmegaConf

from . import paths, results
from .errors import one_line_errors

log = logging.getLogger(__name__)


@hydra.main(config_path="configs", config_name="train", version_base="1.3")
@one_line_errors
def main(cfg: DictConfig) -> float:
    """Command-line entry point; returns the metric that sweepers optimize."""
    return train(cfg)[cfg.optimized_metric]


def train(cfg: DictConfig) -> dict[str, float]:
    # torch is imported here, not at the top of the file: `--help` and tab completion stay instant
    from hydra.utils import instantiate

    from . import engine
    from .loaders import make_loaders

    out = paths.output_dir()
    log.debug("Config:\n%s", OmegaConf.to_yaml(cfg))
    known = results.reported(engine.METRICS)
    results.check_metric_name("optimized_metric", cfg.optimized_metric, known)
    engine.seed_everything(cfg.seed, cfg.trainer.deterministic)
    device = engine.pick_device(cfg.trainer.device)

    data = instantiate(cfg.data)
    batches = make_loaders(data, cfg.loader)
    model, optimizer, scheduler = engine.build(cfg, data, device)
    epochs = cfg.trainer.max_epochs
    log.info("Training %s for %d epochs on %s", type(model).__name__, epochs, device)

    for epoch in engine.fit(model, batches, optimizer, scheduler, epochs, device):
        results.append_row(out / "metrics.csv", epoch)
        # saved every epoch: should a later epoch fail, the last good weights stay
        engine.save_checkpoint(out / engine.CHECKPOINT, model, cfg.model, data)
    test = engine.evaluate(model, batches["test"], device, split="test")
    # metrics.json: the last epoch's validation metrics and the test metrics
    return results.save(results.final_metrics(epoch, test))


if __name__ == "__main__":
    main()
