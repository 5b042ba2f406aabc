"""Whether this machine has the GPUs a run asks for, checked when the config is composed (the
trainer schemas of schemas.py call it), so that a missing GPU is one line before the run
starts: a torch built without CUDA, no GPU seen, fewer GPUs than asked for, no Apple GPU. torch
is imported only here, and only when a GPU is asked for."""

from collections.abc import Callable


def mps_available() -> bool:
    import torch

    return torch.backends.mps.is_available()


def gpu_problem(
    given: str, kind: str, indices: list[int], fix: str, fewer: Callable[[int], str]
) -> str | None:
    """Whether this machine has the GPUs `indices` of `kind` (cuda or mps); `given` names the
    setting that asks for them, `fix` says what to use without a GPU, `fewer(count)` what to
    use when there are fewer GPUs than asked for (`count` of them)."""
    import torch

    if kind == "mps":
        return None if mps_available() else f"{given}: MPS (Apple's GPU) is not there; {fix}"
    if not torch.cuda.is_available():
        if torch.version.cuda is None and torch.version.hip is None:
            return f"{given}: this torch has no CUDA (a CPU-only build); {fix}"
        return f"{given}: this torch sees no CUDA GPU on this machine; {fix}"
    count = torch.cuda.device_count()
    if max(indices) < count:
        return None
    there = "cuda:0" if count == 1 else f"cuda:0 to cuda:{count - 1}"
    gpus = f"{count} CUDA GPU{'s' if count > 1 else ''} ({there})"
    return f"{given}: this machine has {gpus}; {fewer(count)}"
