"""Scale-out figures: a sweep of CPU-bound jobs on the joblib launcher against the basic one,
and training in two processes (torchrun) against one."""

import re
import statistics
from datetime import datetime
from pathlib import Path

from benchmarks.harness import fresh_dir, interleaved_medians, wall_time

# epochs of the default MLP on digits that make one job CPU-bound: its start-up (a new process,
# imports, data) stays under 20% of it
JOB_EPOCHS = 1200
TRAIN = "my-project-train"


def bench_launchers(bin_dir: Path, work: Path, repeats: int, jobs: int = 4) -> dict:
    """`train -m seed=0..jobs-1 trainer.max_epochs=JOB_EPOCHS` under the basic launcher (one
    job after the other, in-process) and joblib (one worker process per core); and, to show that
    the jobs are CPU-bound, one job alone and a start-up alone (a 1-epoch run)."""
    setup = fresh_dir(work / "launchers")
    seeds = "seed=" + ",".join(str(seed) for seed in range(jobs))
    sweep = [str(bin_dir / TRAIN), "-m", seeds, f"trainer.max_epochs={JOB_EPOCHS}"]
    single = [str(bin_dir / TRAIN), "hydra/launcher=basic"]
    commands = {
        "basic": {"command": [*sweep, "hydra/launcher=basic"], "setup": setup},
        "joblib": {"command": [*sweep, "hydra/launcher=joblib"], "setup": setup},
        "one job": {"command": [*single, f"trainer.max_epochs={JOB_EPOCHS}"], "setup": setup},
        "start-up": {"command": [*single, "trainer.max_epochs=1"], "setup": setup},
    }
    return {"jobs": jobs, "epochs": JOB_EPOCHS, **interleaved_medians(commands, repeats)}


EPOCH_LINE = re.compile(r"^\[([\d-]+ [\d:,]+)\].* - epoch (\d+)/\d+ ")


def seconds_per_epoch(log: Path) -> float:
    """The time from the end of the first epoch to the end of the last, per epoch, from the
    timestamps of the run's log lines (start-up and the first epoch's warm-up left out)."""
    ends = {}
    for line in log.read_text().splitlines():
        match = EPOCH_LINE.match(line)
        if match:
            ends[int(match[2])] = datetime.strptime(match[1], "%Y-%m-%d %H:%M:%S,%f")
    first, last = min(ends), max(ends)
    return (ends[last] - ends[first]).total_seconds() / (last - first)


def bench_ddp(bin_dir: Path, work: Path, csv: Path, repeats: int, epochs: int = 4) -> dict:
    """Seconds per epoch of `train data=csv` on `csv` in one process and in two (torchrun,
    gloo), each process one thread: 2 processes use the 2 cores."""
    python, package = str(bin_dir / "python"), "my_project.train"
    overrides = ["data=csv", f"data.path={csv}", f"trainer.max_epochs={epochs}"]
    env = {"OMP_NUM_THREADS": "1"}
    results: dict[str, list[float]] = {"1 process": [], "2 processes": []}
    for _ in range(repeats):
        for name, processes in (("1 process", 1), ("2 processes", 2)):
            cwd = fresh_dir(work / "ddp")()
            torchrun = [python, "-m", "torch.distributed.run", "--standalone"]
            command = [*torchrun, f"--nproc_per_node={processes}", "-m", package, *overrides]
            wall_time(command, cwd=cwd, env=env)
            (log,) = cwd.glob("outputs/runs/*/*/train.log")
            results[name].append(seconds_per_epoch(log))
    rows = sum(1 for _ in csv.open()) - 1
    return {"rows": rows, **{name: statistics.median(times) for name, times in results.items()}}
