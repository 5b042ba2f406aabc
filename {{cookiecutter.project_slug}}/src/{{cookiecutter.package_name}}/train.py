"""Train a model: `train`, `train model=cnn optimizer.lr=3e-3`, `train -m optimizer=adam,sgd`."""

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
    # torch is imported here, not at the top of the file: `--help` and tab completion stay instant
    from hydra.utils import instantiate

    from {{ cookiecutter.package_name }} import engine
    from {{ cookiecutter.package_name }}.data import loaders

    out = paths.output_dir()
    log.debug("Config:\n%s", OmegaConf.to_yaml(cfg))
    engine.seed_everything(cfg.seed, cfg.trainer.deterministic)
    device = engine.pick_device(cfg.trainer.device)
    epochs = cfg.trainer.max_epochs

    data = instantiate(cfg.data)
    batches = loaders(data, seed=cfg.seed)
    model = instantiate(cfg.model, input_shape=data.input_shape, num_classes=data.num_classes)
    model = model.to(device)
    optimizer = instantiate(cfg.optimizer)(model.parameters())
    scheduler = instantiate(cfg.scheduler)(optimizer) if cfg.scheduler else None
    log.info("Training %s for %d epochs on %s", type(model).__name__, epochs, device)

    last = engine.fit(model, batches, optimizer, scheduler, epochs, device, out / "metrics.csv")
    engine.save_checkpoint(out / "checkpoint.pt", model, cfg.model, data)
    test = engine.evaluate(model, batches["test"], device, prefix="test_")

    metrics = {"val_loss": last["val_loss"], "val_acc": last["val_acc"], **test}
    results.save(metrics)
    return metrics


if __name__ == "__main__":
    main()
