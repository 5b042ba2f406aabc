"""EpochRows: each epoch's metrics as one row, handed to the run's record (metrics.csv and the
tracker, record.py), as in every other project."""

from collections.abc import Callable

import lightning as L


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
        # runs after the epoch's validation, so callback_metrics holds train_* and val_*
        if not trainer.is_global_zero:
            return
        row = {"epoch": trainer.current_epoch + 1, "lr": self.lr}
        row |= {name: float(value) for name, value in trainer.callback_metrics.items()}
        self.on_epoch(row)
