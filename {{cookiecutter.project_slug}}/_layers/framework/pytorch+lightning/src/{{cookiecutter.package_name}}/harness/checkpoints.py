"""Reading a checkpoint file without trusting it: only tensors and plain values are loaded
(`weights_only=True` runs no code), and a file that is empty, truncated, corrupted or not a
checkpoint is refused with one line naming it."""

from pathlib import Path

from .errors import RunError


def read(path: Path, key: str) -> dict:
    """The contents of the checkpoint at `path` (given by the config key `key`), on the CPU."""
    import torch

    if path.stat().st_size == 0:
        raise RunError(f"{key}: {path} is empty (an interrupted copy or save?); it was not loaded")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch's own message advises weights_only=False: not here
        raise RunError(
            f"{key}: {path} is not a readable checkpoint ({type(error).__name__}): truncated, "
            "corrupted, or holding objects other than tensors and plain values; not loaded"
        ) from None
    if not isinstance(state, dict):
        raise RunError(f"{key}: {path} holds a {type(state).__name__}, not a checkpoint")
    return state


def random_state() -> dict:
    """The state of every random generator a run draws from (python, numpy, torch; CUDA when
    there is one), in the plain types and tensors that `weights_only=True` loads: a run
    continued from a checkpoint draws what the run without a stop would have drawn (dropout,
    the order of the training batches, which the DataLoader draws from torch's generator)."""
    import random

    import numpy as np
    import torch

    version, internal, gauss = random.getstate()
    kind, keys, position, has_gauss, cached = np.random.get_state()
    state = {
        "python": [version, list(internal), gauss],
        "numpy": [kind, torch.from_numpy(keys.astype(np.int64)), position, has_gauss, cached],
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_random_state(state: dict) -> None:
    """Set the generators to a `random_state()`."""
    import random

    import numpy as np
    import torch

    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    kind, keys, position, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), position, has_gauss, cached))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
