"""Oracles for the tests of the torch frameworks: what a run reports, computed again without the
project's code. A network's logits from its weights alone (the MLP of models.py written out in
numpy), softmax cross-entropy and accuracy written out, samples told apart by their bytes, and
the contents of two checkpoints compared entry by entry, bit for bit."""

import re

import numpy as np
import torch

# a weight of the MLP's linear layers: net.<position>.weight (with a prefix where the MLP is an
# attribute of another module)
LINEAR = re.compile(r"^(?:.*\.)?net\.(\d+)\.(weight|bias)$")


def mlp_logits(weights: dict, x) -> np.ndarray:
    """The logits of models.MLP in eval mode (dropout passes its input on), from its weights
    alone, in float64: the flattened samples through each linear layer, ReLU between them."""
    layers: dict[int, dict[str, np.ndarray]] = {}
    for name, value in weights.items():
        match = LINEAR.match(name)
        assert match, f"{name} is not a weight of an MLP's linear layers"
        layers.setdefault(int(match[1]), {})[match[2]] = np.asarray(value, dtype=np.float64)
    out = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    for number, position in enumerate(sorted(layers)):
        if number:  # ReLU after every linear layer but the last
            out = np.maximum(out, 0.0)
        out = out @ layers[position]["weight"].T + layers[position]["bias"]
    return out


def cross_entropy(logits: np.ndarray, labels) -> np.ndarray:
    """Each sample's -log(softmax(logits)[label]) = log(sum(e^logit)) - logit[label], the
    largest logit taken out of each row first (e^logit stays finite)."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    labels = np.asarray(labels)
    return np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(len(labels)), labels]


def correct(logits: np.ndarray, labels) -> int:
    """How many samples' largest logit is their label's, counted."""
    return int(np.count_nonzero(logits.argmax(axis=1) == np.asarray(labels)))


def measured(weights: dict, x, y) -> dict[str, float]:
    """The mean loss and the accuracy of the MLP of `weights` on the samples `x`, labels `y`."""
    logits = mlp_logits(weights, x)
    return {"loss": float(cross_entropy(logits, y).mean()), "acc": correct(logits, y) / len(y)}


def sample_keys(x, y) -> list[tuple[bytes, int]]:
    """Each sample as a key that tells it from the others: the bytes of its float32 features
    and its label, in order."""
    rows = np.ascontiguousarray(np.asarray(x, dtype=np.float32).reshape(len(x), -1))
    return list(zip((row.tobytes() for row in rows), np.asarray(y).tolist(), strict=True))


def assert_same(ours, theirs, where: str = "checkpoint") -> None:
    """Two checkpoints' contents (dicts, lists, tensors, plain values) equal bit for bit: the
    same keys, the same types, tensors of the same dtype and shape with equal elements. The
    message names the first entry that differs."""
    if isinstance(ours, torch.Tensor) or isinstance(theirs, torch.Tensor):
        assert isinstance(ours, torch.Tensor) and isinstance(theirs, torch.Tensor), where
        assert (ours.dtype, ours.shape) == (theirs.dtype, theirs.shape), f"{where}: its shape"
        assert torch.equal(ours, theirs), f"{where} differs"
    elif isinstance(ours, dict):
        assert isinstance(theirs, dict), f"{where}: {type(theirs).__name__}, not a dict"
        assert ours.keys() == theirs.keys(), f"{where}: keys {list(ours)} != {list(theirs)}"
        for key in ours:
            assert_same(ours[key], theirs[key], f"{where}[{key!r}]")
    elif isinstance(ours, list | tuple):
        assert type(ours) is type(theirs), f"{where}: {type(theirs).__name__}"
        assert len(ours) == len(theirs), f"{where}: {len(ours)} != {len(theirs)} entries"
        for index, (one, other) in enumerate(zip(ours, theirs, strict=True)):
            assert_same(one, other, f"{where}[{index}]")
    else:
        assert type(ours) is type(theirs) and ours == theirs, f"{where}: {ours!r} != {theirs!r}"
