"""torch DataLoaders over the splits: every sample once, only the training batches shuffled."""

import numpy as np
import torch
from conftest import module

make_loaders = module("loaders").make_loaders


def splits():
    """100 samples whose single feature is their row number."""
    x, y = np.arange(100).reshape(100, 1), np.arange(100) % 2
    return module("data").split(x, y, val_fraction=0.2, test_fraction=0.2, split_seed=0)


def test_every_split_is_batched_with_the_settings():
    data = splits()
    batches = make_loaders(data, {"batch_size": 16, "num_workers": 0})
    assert [len(batches[split].dataset) for split in ("train", "val", "test")] == [60, 20, 20]
    assert {loader.batch_size for loader in batches.values()} == {16}
    for split in ("val", "test"):  # in order
        features = torch.cat([x for x, _ in batches[split]]).numpy()
        assert (features == getattr(data, f"x_{split}")).all()


def test_training_batches_are_shuffled_in_an_order_torchs_seed_fixes():
    data = splits()

    def training_order(seed):
        torch.manual_seed(seed)
        (features,) = [x[:, 0].tolist() for x, _ in make_loaders(data, {"batch_size": 60})["train"]]
        return features

    assert training_order(0) == training_order(0) != training_order(1)
    assert sorted(training_order(0)) == sorted(data.x_train[:, 0].tolist())
    assert training_order(0) != data.x_train[:, 0].tolist()
