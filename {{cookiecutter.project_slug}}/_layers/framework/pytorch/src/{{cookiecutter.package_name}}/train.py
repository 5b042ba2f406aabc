"""`<project>-train`: train a model, e.g. `<project>-train model=cnn optimizer.lr=3e-3`."""

import logging

import hydra
from omegaconf import DictConfig

from . import paths
from .harness import profiling, results, resume, signals
from .harness.distributed import World, one_run_folder
from .harness.errors import one_line_command, one_line_errors

log = logging.getLogger(__name__)


@one_line_command  # a config error: one line, before anything is written (harness/errors.py)
@resume.resumable  # `resume=<run folder>`: the run's own overrides, in its own folder
@one_run_folder  # under torchrun, one run folder for all processes
@hydra.main(config_path="configs", config_name="train", version_base="1.3")
@one_line_errors
def main(cfg: DictConfig) -> float:
    """Command-line entry point; returns the metric that sweepers optimize."""
    return train(cfg)[cfg.optimized_metric]


def train(cfg: DictConfig) -> dict[str, float]:
    # torch is imported here, not at the top of the file: `--help` and tab completion stay instant
    from hydra.utils import instantiate

    from . import engine
    from .harness import distributed
    from .harness.record import RunRecord
    from .loaders import make_loaders

    out = paths.output_dir()
    check_metric_names(cfg, engine.METRICS)
    engine.seed_everything(cfg.seed, cfg.trainer.deterministic)
    world = World.from_env()  # one process, or one of torchrun's
    device = engine.pick_device(cfg.trainer.device, world.local_rank)
    epochs = cfg.trainer.max_epochs
    resumed = resume.last_checkpoint(cfg.resume, engine.LAST_CHECKPOINT)  # None: a new run
    if resumed:  # metrics.csv back to the checkpoint's epochs (one line for a broken file)
        resume.reopen(out, engine.epochs_on_disk(out), epochs)

    # the config tree, the tracker's run; metrics.csv, summary.json, the curves (harness/record.py);
    # SIGTERM, SIGINT, SIGHUP: one line with the command that continues the run (harness/resume.py)
    with (
        distributed.process_group(world, device),
        RunRecord(cfg, world.is_main) as run,
        signals.StopOnSignals(out, epochs, engine.epochs_on_disk) as stop,
    ):
        data = instantiate(cfg.data)
        run.bind(data)  # contract.json: the run's data, split and model, for good
        sampler = distributed.train_sampler(len(data.y_train), world, cfg.seed)
        batches = make_loaders(data, cfg.loader, train_sampler=sampler)
        # the model, optimizer, scheduler, precision, clipping, accumulation, early stopping
        training = engine.build(cfg, data, device)
        saved = engine.Checkpoints(out, cfg, data, training)
        done = last = saved.restore(resumed) if resumed else 0
        where = f"{device} x {world.size} processes" if world.size > 1 else device
        precision, name = training.steps.precision, type(training.model).__name__
        log.info("Training %s for %d epochs on %s, precision %s", name, epochs, where, precision)

        profiler = cfg.trainer.profiler if world.is_main else None  # debug=profile
        with profiling.profiled(profiler, out, on_cuda=device.type == "cuda"):
            for epoch in engine.fit(training, batches, epochs, device, done):
                with stop.held():  # a signal waits until the epoch's row and checkpoints are saved
                    run.epoch(epoch)  # metrics.csv and the tracker, in the main process
                    if world.is_main:  # the other processes hold the same model
                        saved.save(epoch)  # the best epoch's checkpoint and the last one
                last = epoch["epoch"]
        test = engine.evaluate(saved.best_model(), batches["test"], device, "test", precision)
        # metrics.json: the last epoch's validation metrics and the test metrics; summary.json
        # also says why training ended (early stopping or max_epochs)
        stopped = engine.stop_reason(training, last, epochs)
        return run.finish(test, [out / engine.CHECKPOINT], stopped=stopped)


def check_metric_names(cfg: DictConfig, metrics) -> None:
    """optimized_metric, trainer.checkpoint.monitor and trainer.early_stopping.monitor name
    metrics the run reports."""
    results.check_metric_name("optimized_metric", cfg.optimized_metric, results.reported(metrics))
    logged = [f"{split}_{metric}" for split in ("train", "val") for metric in metrics]
    results.check_metric_name("trainer.checkpoint.monitor", cfg.trainer.checkpoint.monitor, logged)
    if cfg.trainer.early_stopping:
        monitor = cfg.trainer.early_stopping.monitor
        results.check_metric_name("trainer.early_stopping.monitor", monitor, logged)


if __name__ == "__main__":
    main()
