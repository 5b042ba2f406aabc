"""torch DataLoaders over the numpy splits of data.py (settings: configs/loader/)."""

from collections.abc import Mapping

import torch
from torch.utils.data import DataLoader, TensorDataset

from .data import Splits


def make_loaders(data: Splits, settings: Mapping, train_sampler=None) -> dict[str, DataLoader]:
    """A DataLoader per split, each given `settings` (batch_size, num_workers, any other
    DataLoader argument). Only the training batches are shuffled, in an order drawn from torch's
    random generator: the run's seed fixes it."""

    def loader(x, y, shuffle: bool = False, sampler=None) -> DataLoader:
        dataset = TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
        return DataLoader(dataset, shuffle=shuffle, sampler=sampler, **settings)

    return {
        "train": loader(
            data.x_train, data.y_train, shuffle=train_sampler is None, sampler=train_sampler
        ),
        "val": loader(data.x_val, data.y_val),
        "test": loader(data.x_test, data.y_test),
    }
