"""MetricsCSV: one row per epoch in the run folder's metrics.csv, like the other frameworks."""

import csv
from pathlib import Path

import lightning as L

COLUMNS = ["epoch", "lr", "train_loss", "train_acc", "val_loss", "val_acc"]


class MetricsCSV(L.Callback):
    def __init__(self, path: Path):
        self.path = Path(path)

    def on_train_epoch_end(self, trainer, pl_module):
        # runs after the epoch's validation, so callback_metrics holds train_* and val_*
        if not trainer.is_global_zero or trainer.sanity_checking:
            return
        metrics = trainer.callback_metrics
        row = {
            "epoch": trainer.current_epoch + 1,
            "lr": trainer.optimizers[0].param_groups[0]["lr"],
            **{name: float(metrics[name]) for name in COLUMNS[2:] if name in metrics},
        }
        new_file = not self.path.exists()
        with open(self.path, "a", newline="") as file:
            writer = csv.DictWriter(file, COLUMNS)
            if new_file:
                writer.writeheader()
            writer.writerow(row)
