"""Train a model: `train`, `train model=cnn optimizer.lr=3e-3`, `train -m optimizer=adam,sgd`."""

import logging

import hydra
from omegaconf import DictConfig, OmegaConf

from {{ cookiecutter.package_name }} import paths

log = logging.getLogger(__name__)


@hydra.main(config_path="configs", config_name="train", version_base="1.3")
def main(cfg: DictConfig) -> float:
    """Command-line entry point; returns the metric that sweepers optimize."""
    return train(cfg)[cfg.optimized_metric]


def train(cfg: DictConfig) -> dict[str, float]:
    # torch is imported here, not at the top of the file: `--help` and tab completion stay instant
    from hydra.utils import instantiate

    from {{ cookiecutter.package_name }} import engine

    out = paths.output_dir()
    log.debug("Config:\n%s", OmegaConf.to_yaml(cfg))
    engine.seed_everything(cfg.trainer.seed, cfg.trainer.deterministic)
    device = engine.pick_device(cfg.trainer.device)

    data = instantiate(cfg.data)
    batches = engine.loaders(data, seed=cfg.trainer.seed)
    model = instantiate(cfg.model, input_shape=data.input_shape, num_classes=data.num_classes).to(device)
    optimizer = instantiate(cfg.optimizer)(model.parameters())
    scheduler = instantiate(cfg.scheduler)(optimizer) if cfg.scheduler else None
    log.info("Training %s on %s (%d samples) for %d epochs on %s",
             type(model).__name__, cfg.data._target_.rsplit(".", 1)[-1], len(data.y_train),
             cfg.trainer.epochs, device)

    last = engine.fit(model, batches["train"], batches["val"], optimizer, scheduler,
                      cfg.trainer.epochs, device, out / "metrics.csv")
    engine.save_checkpoint(out / "checkpoint.pt", model, OmegaConf.to_container(cfg.model, resolve=True),
                           data.input_shape, data.num_classes)
    test = engine.evaluate(model, batches["test"], device)

    metrics = {"val_acc": last["val_acc"], "val_loss": last["val_loss"],
               "test_acc": test["acc"], "test_loss": test["loss"]}
    engine.save_metrics(out / "metrics.json", metrics)
    log.info("Run folder: %s", out)
    log.info("test_acc: %.4f", metrics["test_acc"])
    return metrics


if __name__ == "__main__":
    main()
