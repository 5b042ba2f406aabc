"""`make check-gpu`: what a CUDA machine runs of this project, in a few minutes. Short
`debug=fast` runs on the GPU in each precision (32, bf16-mixed where the GPU has bfloat16,
16-mixed), with and without model.compile; a run stopped after 2 of 4 epochs and continued
with `resume=` against one that was not (deterministic: the metrics.csv rows must be the same);
with two GPUs or more, a two-process DDP run over nccl into one run folder. It ends with a table
of what it checked and exits 1 when a check failed. On a machine without a CUDA GPU it says so
in one line and exits 0. `--on-cpu` runs the float32 checks and the resume check on the CPU:
the script's own test (the precisions have theirs)."""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import PROJECT

FRAMEWORK = "{{ cookiecutter.framework }}"
# deterministic cuBLAS needs this workspace setting (torch.use_deterministic_algorithms)
DETERMINISTIC_ENV = {"CUBLAS_WORKSPACE_CONFIG": ":4096:8"}


def device_overrides(on_cpu: bool) -> list[str]:
    if FRAMEWORK == "pytorch":
        return ["trainer.device=cpu" if on_cpu else "trainer.device=cuda"]
    return ["trainer.accelerator=cpu"] if on_cpu else ["trainer=gpu"]


def train(run: Path, *args: str, launcher=(sys.executable,), env=None) -> tuple[bool, float, str]:
    """`train debug=fast <args>` into the run folder `run` (with `resume=` in `args`: the
    run's own overrides, and `args`): whether it finished with finite metrics, its seconds,
    and its last line of output when it did not."""
    resumed = any(arg.startswith("resume=") for arg in args)
    new = [] if resumed else ["debug=fast", "logger=csv", f"hydra.run.dir={run}"]
    command = [*launcher, "-m", f"{PROJECT}.train", *new, *args]
    started = time.monotonic()
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=600, env={**os.environ, **(env or {})}
    )
    seconds = time.monotonic() - started
    metrics = run / "metrics.json"
    if done.returncode != 0 or not metrics.is_file():
        lines = (done.stdout + done.stderr).strip().splitlines() or ["no output"]
        return False, seconds, lines[-1]
    finite = all(math.isfinite(value) for value in json.loads(metrics.read_text()).values())
    return finite, seconds, "" if finite else "a metric is not finite"


def checks(folder: Path, on_cpu: bool) -> list[tuple[str, str, float]]:
    """Each check's name, result (ok, or why not) and seconds."""
    import torch

    device = device_overrides(on_cpu)
    precisions = ["32"]
    if not on_cpu:
        precisions += ["bf16-mixed"] if torch.cuda.is_bf16_supported() else []
        precisions.append("16-mixed")
    found = []
    for precision in precisions:
        for compiled in ("false", "true"):
            name = f"{precision}{' + compile' if compiled == 'true' else ''}"
            run = folder / name.replace(" + ", "-")
            args = [*device, f"trainer.precision={precision}", f"model.compile={compiled}"]
            ok, seconds, why = train(run, *args)
            found.append((name, "ok" if ok else why, seconds))
    found.append(resume_check(folder, device))
    if not on_cpu and torch.cuda.device_count() >= 2:
        found.append(ddp_check(folder))
    return found


def resume_check(folder: Path, device: list[str]) -> tuple[str, str, float]:
    """4 epochs at once against 2, then `resume=` to 4: the same metrics.csv rows."""
    args = [*device, "trainer.deterministic=true", "seed=3"]
    started = time.monotonic()
    whole, stopped = folder / "resume-whole", folder / "resume-stopped"
    results = [
        train(whole, *args, "trainer.max_epochs=4", env=DETERMINISTIC_ENV),
        train(stopped, *args, "trainer.max_epochs=2", env=DETERMINISTIC_ENV),
        train(stopped, f"resume={stopped}", "trainer.max_epochs=4", env=DETERMINISTIC_ENV),
    ]
    seconds = time.monotonic() - started
    failed = [why for ok, _, why in results if not ok]
    if failed:
        return "resume after a stop", failed[0], seconds
    same = (whole / "metrics.csv").read_text() == (stopped / "metrics.csv").read_text()
    return "resume after a stop", "ok" if same else "metrics.csv differs", seconds


def ddp_check(folder: Path) -> tuple[str, str, float]:
    """Two processes over nccl, one run folder."""
    run = folder / "ddp"
    if FRAMEWORK == "pytorch":
        torchrun = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2"]
        ok, seconds, why = train(run, "trainer.device=cuda", launcher=torchrun)
    else:
        ok, seconds, why = train(run, "trainer=ddp", "trainer.devices=2")
    return "ddp, 2 GPUs, nccl", "ok" if ok else why, seconds


def machine_line(on_cpu: bool) -> str:
    import torch

    if on_cpu:
        return f"CPU, torch {torch.__version__}"
    names = sorted({torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())})
    count = torch.cuda.device_count()
    return f"{count} x {', '.join(names)}, CUDA {torch.version.cuda}, torch {torch.__version__}"


def table(found: list[tuple[str, str, float]], machine: str) -> str:
    width = max(len(name) for name, _, _ in found)
    lines = [f"check-gpu on {machine}", f"{'check':<{width}}  {'result':<8}  seconds"]
    lines += [f"{name:<{width}}  {result:<8}  {seconds:7.1f}" for name, result, seconds in found]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--on-cpu", action="store_true", help="the checks a CPU can run")
    args = parser.parse_args(argv)
    import torch

    if not args.on_cpu and not torch.cuda.is_available():
        build = "a CPU-only build" if torch.version.cuda is None else f"CUDA {torch.version.cuda}"
        print(f"check-gpu: no CUDA GPU here (torch {torch.__version__}, {build}); nothing to check")
        return 0
    with tempfile.TemporaryDirectory(prefix="check-gpu-") as folder:
        found = checks(Path(folder), args.on_cpu)
    print(table(found, machine_line(args.on_cpu)))
    return 0 if all(result == "ok" for _, result, _ in found) else 1


if __name__ == "__main__":
    sys.exit(main())
