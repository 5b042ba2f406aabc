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
