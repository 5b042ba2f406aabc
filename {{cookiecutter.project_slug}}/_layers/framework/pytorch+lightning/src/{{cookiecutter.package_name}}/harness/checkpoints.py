"""Reading a checkpoint file without trusting it: only tensors and plain values are loaded
(`weights_only=True` runs no code), and a file that is empty, truncated, corrupted, not a
checkpoint or one that another project or framework saved is refused with one line naming it.
Writing one (`save`): a failed write is the OSError that says why."""

from pathlib import Path

from .errors import RunError


def save(state: dict, path: Path) -> None:
    """torch.save into a file opened here. Where a write fails (a full disk, a file too large),
    torch raises a RuntimeError of its C++ writer (`enforce fail at inline_container.cc`); the
    OSError of the Python file under it, which says why, is raised instead."""
    import torch

    try:
        with open(path, "wb") as file:
            torch.save(state, file)
    except RuntimeError as error:
        cause = error.__cause__ or error.__context__
        while cause is not None and not isinstance(cause, OSError):
            cause = cause.__cause__ or cause.__context__
        if cause is None:
            raise
        raise OSError(cause.errno, cause.strerror, str(path)) from error


def read(path: Path, key: str, needs: tuple[str, ...] = ()) -> dict:
    """The contents of the checkpoint at `path` (given by the config key `key`), on the CPU. A
    checkpoint without the entries that this project's checkpoints hold (`needs`: engine.py
    says which) is refused, naming them: one saved by another project or framework."""
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
    missing = [name for name in needs if name not in state]
    if missing:
        raise RunError(
            f"{key}: {path} is not a checkpoint of this project's train: it holds no "
            f"{', '.join(missing)} (saved by another project or framework?)"
        )
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
