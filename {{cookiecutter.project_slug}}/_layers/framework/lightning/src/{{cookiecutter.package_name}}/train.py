"""`<project>-train`: train a model, e.g. `<project>-train model=cnn trainer=gpu`."""

import logging

import hydra
from omegaconf import DictConfig

from . import paths
from .harness import results, resume, signals
from .harness.errors import one_line_command, one_line_errors

log = logging.getLogger(__name__)


@one_line_command  # a config error: one line, before anything is written (harness/errors.py)
@resume.resumable  # `resume=<run folder>`: the run's own overrides, in its own folder
@hydra.main(config_path="configs", config_name="train", version_base="1.3")
@one_line_errors
def main(cfg: DictConfig) -> float:
    """Command-line entry point; returns the metric that sweepers optimize."""
    from .engine import quiet_lightning

    quiet_lightning()
    return train(cfg)[cfg.optimized_metric]


def train(cfg: DictConfig) -> dict[str, float]:
    # Lightning is imported here, not at the top of the file: `--help` and completion stay instant
    import lightning as L
    from hydra.utils import instantiate

    from . import engine
    from .harness.record import RunRecord

    out = paths.output_dir()
    check_metric_names(cfg, engine.METRICS)
    L.seed_everything(cfg.seed, workers=True, verbose=False)
    epochs = cfg.trainer.max_epochs
    resumed = resume.last_checkpoint(cfg.resume, engine.LAST_CHECKPOINT)  # None: a new run
    if resumed:  # metrics.csv back to the checkpoint's epochs (one line for a broken file)
        resume.reopen(out, engine.epochs_on_disk(out), epochs)

    # the config tree, the tracker's run; metrics.csv, summary.json, the curves (harness/record.py);
    # with trainer=ddp, the first process keeps the record; SIGTERM, SIGINT, SIGHUP: one line
    # with the command that continues the run (harness/resume.py)
    with (
        RunRecord(cfg) as run,
        signals.StopOnSignals(out, epochs, engine.epochs_on_disk) as stop,
    ):
        data = instantiate(cfg.data)
        run.bind(data)  # contract.json: the run's data, split and model, for good
        datamodule, model = engine.build(cfg, data)
        # a signal waits until the epoch's row is written
        trainer = engine.make_trainer(cfg, out, on_epoch=stop.holding_call(run.epoch))
        trainer.fit(model, datamodule=datamodule, ckpt_path=resumed, weights_only=True)
        # why training ended, for summary.json (before testing reloads the callbacks' state)
        stopped = engine.stop_reason(trainer, epochs)
        # test the best checkpoint (the first ModelCheckpoint's), if any
        best = trainer.checkpoint_callback.best_model_path if trainer.checkpoint_callback else None
        test = engine.evaluate(trainer, model, datamodule, ckpt_path=best or None)

        # metrics.json: the last epoch's validation metrics and the test metrics
        return run.finish(test, [out / engine.CHECKPOINT], stopped=stopped)


def check_metric_names(cfg: DictConfig, metrics) -> None:
    """optimized_metric and every callback's `monitor` name metrics the run logs."""
    results.check_metric_name("optimized_metric", cfg.optimized_metric, results.reported(metrics))
    logged = [f"{split}_{metric}" for split in ("train", "val") for metric in metrics]
    for name, callback in (cfg.callbacks or {}).items():
        if callback and callback.get("monitor") is not None:
            results.check_metric_name(f"callbacks.{name}.monitor", callback.monitor, logged)


if __name__ == "__main__":
    main()
