"""Training in several processes on torch.distributed, started by torchrun:

    torchrun --standalone --nproc_per_node=2 -m <package>.train [overrides]

Every process trains on its share of the training batches (DistributedSampler) and
DistributedDataParallel averages the gradients; gloo connects CPU processes, nccl GPUs (one per
process). Process 0 alone writes the run folder: metrics, checkpoint, log. Without torchrun
there is one process and every function here is a no-op.
"""

import functools
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class World:
    """This process's place among the training processes (torchrun sets these variables)."""

    rank: int = 0  # 0..size-1 over every machine
    size: int = 1
    local_rank: int = 0  # on this machine: the GPU this process uses

    @classmethod
    def from_env(cls) -> "World":
        env = os.environ
        return cls(
            int(env.get("RANK", 0)), int(env.get("WORLD_SIZE", 1)), int(env.get("LOCAL_RANK", 0))
        )

    @property
    def is_main(self) -> bool:
        """Process 0: the one that writes and reports."""
        return self.rank == 0


def one_run_folder(main):
    """Wraps a Hydra command so that a torchrun launch makes ONE run folder: process 0 gets the
    usual one; every other process gets a throwaway folder for Hydra's own files (deleted when
    it ends) and logs warnings and errors only."""

    @functools.wraps(main)
    def command(*config):  # like Hydra's main: a config given directly runs without the CLI
        world = World.from_env()
        if world.is_main or config:
            return main(*config)
        scratch = tempfile.mkdtemp(prefix=f"rank{world.rank}-")
        sys.argv += [
            f"hydra.run.dir={scratch}",
            "hydra.output_subdir=null",
            "hydra.verbose=false",
            "++hydra.job_logging.root.level=WARNING",
        ]
        try:
            return main()
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    return command


@contextmanager
def process_group(world: World, device) -> Iterator[None]:
    """Joins the other processes (when there are any) for the duration of the block."""
    if world.size == 1:
        yield
        return
    import torch.distributed as dist

    if device.type == "cuda":
        import torch

        torch.cuda.set_device(device)
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    try:
        yield
    finally:
        dist.destroy_process_group()


def active() -> bool:
    import torch.distributed as dist

    return dist.is_available() and dist.is_initialized()


def wrap(model, device):
    """The model as training calls it: DistributedDataParallel in several processes (it
    averages the gradients in `backward`), the model itself in one."""
    if not active():
        return model
    from torch.nn.parallel import DistributedDataParallel

    return DistributedDataParallel(model, device_ids=[device] if device.type == "cuda" else None)


def train_sampler(size: int, world: World, seed: int):
    """Which training samples this process draws, reshuffled each epoch (`set_epoch`); None in
    one process, where the loader shuffles by itself."""
    if world.size == 1:
        return None
    from torch.utils.data import DistributedSampler

    return DistributedSampler(range(size), world.size, world.rank, shuffle=True, seed=seed)


def sum_over_processes(*numbers: float) -> list[float]:
    """Each number summed over every process (as given, in one process)."""
    if not active():
        return list(numbers)
    import torch
    import torch.distributed as dist

    on = "cuda" if dist.get_backend() == "nccl" else "cpu"  # where the backend reduces
    totals = torch.tensor(numbers, dtype=torch.float64, device=on)
    dist.all_reduce(totals)  # a sum
    return totals.tolist()


def any_process(flag: bool) -> bool:
    """True in every process when it is true in one: all stop together, none waits forever."""
    return sum_over_processes(float(flag))[0] > 0
