"""One run per folder. A run (or a sweep) refuses a folder that already holds one, instead of
mixing its files with the other run's. Hydra calls these hooks before it writes into the
folder; configs/hydra/default.yaml registers them. A run that continues in its own folder
(`resume=<its folder>`, resume.py) takes it again."""

import os
from pathlib import Path

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from . import resume
from .errors import error_line


def claim(folder: Path, marker: str, key: str) -> None:
    """Create `folder/marker`, the file Hydra is about to write, as an empty file. The creation
    is exclusive: it fails when the file is already there, whichever run made it, even one
    started in the same instant; the command then stops with one line, as it does when the
    folder cannot be made (the reason the OS gives)."""
    path = folder / marker
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        raise SystemExit(
            error_line(
                f"{key}: {folder} already holds a run ({marker} is there); "
                f"give a new folder, or leave {key} out for a fresh one"
            )
        ) from None
    except OSError as error:  # not writable, a file in the way, ...: the reason the OS gives
        raise SystemExit(error_line(f"{key}: cannot make {folder}: {error.strerror}")) from None


def continues(folder: Path, resume: Path) -> bool:
    """Whether a run in `folder` continues the run `resume` (resume.py made both absolute)."""
    return folder.is_absolute() and folder.resolve() == resume.resolve()


class OneRunPerFolder(Callback):
    def on_run_start(self, config: DictConfig, **kwargs) -> None:
        # with hydra.output_subdir=null Hydra records no config, and there is nothing to claim
        if config.hydra.output_subdir is None:
            return
        folder = Path(config.hydra.run.dir)
        if config.get("resume") and continues(folder, Path(config.resume)):
            resume.refuse_a_finished_run(folder, config.trainer.max_epochs)
            return
        claim(folder, f"{config.hydra.output_subdir}/config.yaml", "hydra.run.dir")

    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        claim(sweep_dir, "multirun.yaml", "hydra.sweep.dir")
        # the sweep's settings, as Hydra's basic sweeper writes them (other sweepers, Optuna's
        # among them, do not): what `<project>-report` reads
        OmegaConf.save(config, sweep_dir / "multirun.yaml")
