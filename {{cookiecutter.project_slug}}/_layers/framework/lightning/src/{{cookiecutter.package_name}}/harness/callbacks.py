"""What the Trainer of `train` gets besides the configs: EpochRows hands each epoch's metrics to
the run's record (metrics.csv and the tracker, record.py), as in every other project;
RandomState keeps the random generators in the checkpoints, so that a run continued from one
draws what it would have drawn without a stop; AtomicCheckpointIO writes checkpoints whole."""

from collections.abc import Callable
from pathlib import Path

import lightning as L
from lightning.pytorch.plugins.io import TorchCheckpointIO

from . import checkpoints
from .results import write_atomically


class EpochRows(L.Callback):
    """Calls `on_epoch(row)` with the epoch, the learning rate and every metric the module
    logged that epoch."""

    def __init__(self, on_epoch: Callable[[dict], None]):
        self.on_epoch = on_epoch
        self.lr = None

    def on_train_epoch_start(self, trainer, pl_module):
        # the rate this epoch trains with: the scheduler steps before on_train_epoch_end
        self.lr = trainer.optimizers[0].param_groups[0]["lr"]

    def on_train_epoch_end(self, trainer, pl_module):
        # runs after the epoch's validation, so callback_metrics holds train_* and val_*; and
        # before ModelCheckpoint's (Lightning runs checkpoint callbacks last): a run stopped
        # between the two continues from the epoch before, whose row resume.reopen keeps. Every
        # process hands its row (the metrics are synced); the record writes process 0's only
        row = {"epoch": trainer.current_epoch + 1, "lr": self.lr}
        row |= {name: float(value) for name, value in trainer.callback_metrics.items()}
        self.on_epoch(row)


class RandomState(L.Callback):
    """The random generators (python, numpy, torch, CUDA) saved in each checkpoint and set
    back when training continues from one; Lightning itself keeps only the weights and the
    loops, optimizer and scheduler states."""

    def state_dict(self) -> dict:
        return checkpoints.random_state()

    def load_state_dict(self, state_dict: dict) -> None:
        checkpoints.restore_random_state(state_dict)


class AtomicCheckpointIO(TorchCheckpointIO):
    """Checkpoints written into a temporary file, then renamed: a run stopped while it saves
    keeps the previous checkpoint."""

    def save_checkpoint(self, checkpoint: dict, path, storage_options=None) -> None:
        if storage_options is not None:
            raise TypeError("storage_options are not supported")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, lambda file: checkpoints.save(checkpoint, file))
