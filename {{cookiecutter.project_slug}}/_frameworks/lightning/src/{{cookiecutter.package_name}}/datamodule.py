"""The LightningDataModule: the train / val / test splits of data.py as DataLoaders."""

import lightning as L

from {{ cookiecutter.package_name }}.data import Splits, loaders


class SplitsDataModule(L.LightningDataModule):
    def __init__(self, data: Splits, seed: int = 0):
        super().__init__()
        self.data = data
        self.batches = loaders(data, seed=seed)

    def train_dataloader(self):
        return self.batches["train"]

    def val_dataloader(self):
        return self.batches["val"]

    def test_dataloader(self):
        return self.batches["test"]
