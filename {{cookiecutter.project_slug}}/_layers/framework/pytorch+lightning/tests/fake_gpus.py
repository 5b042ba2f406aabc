"""What torch says of this machine's GPUs, made up for the tests of the device checks."""

import torch


def gpus(monkeypatch, count: int, cuda_build: bool = True, mps: bool = False) -> None:
    """`count` CUDA GPUs (with a CUDA build of torch, or none), and Apple's GPU or not."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: count > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: count)
    monkeypatch.setattr(torch.version, "cuda", "12.4" if cuda_build else None)
    monkeypatch.setattr(torch.version, "hip", None)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
