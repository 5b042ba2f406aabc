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
    # Lightning is imported here, not at the top of the file: `--help` and completion stay instant
    import lightning as L
    from hydra.utils import instantiate

    from {{ cookiecutter.package_name }}.callbacks import MetricsCSV
    from {{ cookiecutter.package_name }}.datamodule import SplitsDataModule
    from {{ cookiecutter.package_name }}.lit_module import Classifier

    out = paths.output_dir()
    log.debug("Config:\n%s", OmegaConf.to_yaml(cfg))
    L.seed_everything(cfg.seed, workers=True, verbose=False)

    datamodule = SplitsDataModule(instantiate(cfg.data), seed=cfg.seed)
    model = Classifier.from_config(cfg, datamodule.data)
    callbacks = [instantiate(callback) for callback in cfg.callbacks.values()]
    callbacks.append(MetricsCSV(out / "metrics.csv"))
    trainer = instantiate(cfg.trainer, default_root_dir=out, callbacks=callbacks)

    resume = paths.resolve(cfg.ckpt_path) if cfg.ckpt_path else None
    trainer.fit(model, datamodule=datamodule, ckpt_path=resume)
    val = {name: float(trainer.callback_metrics[name]) for name in ("val_loss", "val_acc")}
    best = "best" if trainer.checkpoint_callback else None  # test the best checkpoint, if any
    test = trainer.test(model, datamodule=datamodule, ckpt_path=best, verbose=False)[0]

    metrics = {**val, **test}
    if trainer.is_global_zero:  # with trainer=ddp, one process writes and reports
        results.save(metrics)
    return metrics


if __name__ == "__main__":
    main()
