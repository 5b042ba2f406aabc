"""The LightningDataModule: the train / val / test splits of data.py as DataLoaders."""

from collections.abc import Mapping

import lightning as L

from .data import Splits
from .loaders import make_loaders


class SplitsDataModule(L.LightningDataModule):
    def __init__(self, data: Splits, loader: Mapping):
        super().__init__()
        self.batches = make_loaders(data, loader)

    def train_dataloader(self):
        return self.batches["train"]

    def val_dataloader(self):
        return self.batches["val"]

    def test_dataloader(self):
        return self.batches["test"]
