"""torch DataLoaders over the numpy splits of data.py (settings: configs/loader/)."""

from collections.abc import Mapping

import torch
from torch.utils.data import DataLoader, Sampler, TensorDataset

from .data import Splits


class BatchedTensors(TensorDataset):
    """A TensorDataset that hands the DataLoader whole batches: `__getitems__` takes a batch's
    indices from each tensor at once (`x[idx]`, `y[idx]`) instead of one sample at a time that
    the collate function then stacks. The DataLoader's own arguments (sampler, shuffle,
    batch_size, num_workers) work as with any dataset, and so does a DistributedSampler, given
    or put in by a trainer."""

    def __getitems__(self, indices: list[int]) -> tuple[torch.Tensor, ...]:
        index = torch.as_tensor(indices)
        return tuple(tensor[index] for tensor in self.tensors)


def whole_batch(batch: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
    """The `collate_fn` for BatchedTensors: its batch is made already. A module-level function,
    so that worker processes (num_workers > 0) can pickle it."""
    return batch


def make_loader(settings: Mapping, *arrays, **order) -> DataLoader:
    """A DataLoader over numpy arrays with a row per sample (the features, and the labels if
    any), given `settings` (batch_size, num_workers, any other DataLoader argument) and `order`
    (shuffle or sampler; none: the samples in order, as `predict` takes them)."""
    dataset = BatchedTensors(*(torch.from_numpy(array) for array in arrays))
    return DataLoader(dataset, collate_fn=whole_batch, **order, **settings)


def make_loaders(
    data: Splits, settings: Mapping, train_sampler: Sampler | None = None
) -> dict[str, DataLoader]:
    """A DataLoader per split, each given `settings`. Only the training batches are shuffled,
    in an order drawn from torch's random generator: the run's seed fixes it. A
    `train_sampler` (a DistributedSampler, say) draws the training samples instead."""
    train_order = {"shuffle": True} if train_sampler is None else {"sampler": train_sampler}
    return {
        "train": make_loader(settings, data.x_train, data.y_train, **train_order),
        "val": make_loader(settings, data.x_val, data.y_val),
        "test": make_loader(settings, data.x_test, data.y_test),
    }
