"""torch DataLoaders over the splits: every sample once, only the training batches shuffled,
each batch taken whole from the split's tensors."""

import pickle

import numpy as np
import torch
from conftest import module
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

loaders = module("loaders")
make_loaders = loaders.make_loaders


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


def test_batches_are_taken_whole_and_equal_those_of_a_plain_tensor_dataset(monkeypatch):
    """The same batches, in the same order for the same seed, as a DataLoader that fetches
    sample by sample and collates; but no sample is fetched on its own."""
    data = splits()

    def plain(seed):
        torch.manual_seed(seed)
        dataset = TensorDataset(torch.from_numpy(data.x_train), torch.from_numpy(data.y_train))
        return [(x.tolist(), y.tolist()) for x, y in DataLoader(dataset, 16, shuffle=True)]

    expected = plain(3)

    def one_sample(self, index):
        raise AssertionError("a sample fetched on its own")

    monkeypatch.setattr(TensorDataset, "__getitem__", one_sample)
    torch.manual_seed(3)
    batches = make_loaders(data, {"batch_size": 16})["train"]
    assert batches.collate_fn is loaders.whole_batch
    assert [(x.tolist(), y.tolist()) for x, y in batches] == expected
    assert [len(y) for _, y in expected] == [16, 16, 16, 12]


def test_a_train_sampler_draws_the_training_batches():
    """A DistributedSampler over two processes: each rank trains on its own half."""
    data = splits()
    seen = []
    for rank in (0, 1):
        dataset = TensorDataset(torch.from_numpy(data.x_train))
        sampler = DistributedSampler(dataset, num_replicas=2, rank=rank, shuffle=True, seed=0)
        batches = make_loaders(data, {"batch_size": 8}, train_sampler=sampler)
        assert batches["train"].sampler is sampler
        seen.append([row for x, _ in batches["train"] for row in x[:, 0].tolist()])
        assert len(batches["val"].dataset) == 20  # val and test stay whole on every rank
    assert len(seen[0]) == len(seen[1]) == 30
    assert sorted(seen[0] + seen[1]) == sorted(data.x_train[:, 0].tolist())


def test_worker_processes_give_the_same_batches():
    """num_workers > 0: the dataset and its collate function travel to the workers."""
    data = splits()
    assert pickle.loads(pickle.dumps(loaders.whole_batch)) is loaders.whole_batch

    def batches(workers):
        loader = make_loaders(data, {"batch_size": 8, "num_workers": workers})["val"]
        return [(x.tolist(), y.tolist()) for x, y in loader]

    assert batches(2) == batches(0)
