"""`<project>-report <sweep folder>`: one table of a sweep's jobs (a `-m` multirun or an Optuna
search), each job's status, swept overrides and final metrics, the best job marked; when jobs
differ only by `seed`, the mean and standard deviation per configuration. It lists the jobs
that did not finish, each with the command that re-runs it.

Works on a sweep that is still running, was interrupted or holds broken jobs: sweep.py reads
each job's status from its run state (running, done, failed, interrupted, stopped), or `broken`
with the reason when its files cannot be read, and the other jobs are tabled as usual. NaN and
infinite metrics are never best. Writes report.csv, report.md and report.png (the metric
against each swept parameter) into the sweep folder and says so; where it cannot (a read-only
folder), one line says why, and the table is printed all the same (exit status 0). rich,
matplotlib and the statistics are imported inside the functions that use them, so `--help`
stays instant.
"""

import argparse
import contextlib
import csv
import math
import os
import sys
from pathlib import Path

from .sweep import (
    DONE,
    FAILED,
    MISSING,
    RUNNING,
    Job,
    Unreadable,
    best,
    direction,
    expected_jobs,
    read_sweep,
    reruns,
    score,
    swept_keys,
    why,
)

# the metric to rank by when the sweep does not name one (its `optimized_metric`)
DEFAULT_METRIC = "val_acc"
# what the report says of a job that did not finish and whose overrides cannot be read
RERUN_BY_HAND = "nothing says what it ran (see its reason); re-run it by hand"


def rows(jobs: list[Job], keys: list[str], metric_names: list[str], best_job) -> list[dict]:
    """One row per job: number, status, best mark, swept values and metrics, and the reason
    of each job that failed, stopped or is broken (a column only when some job has one)."""
    table = []
    for job in jobs:
        row = {"job": job.number, "status": job.status, "best": "*" if job is best_job else ""}
        row |= {key: job.overrides.get(key, "") for key in keys}
        row |= {name: job.metrics.get(name, "") for name in metric_names}
        if any(job.reason for job in jobs):
            row["reason"] = job.reason or ""
        table.append(row)
    return table


def seed_groups(jobs: list[Job], keys: list[str], metric_names: list[str]) -> list[dict]:
    """Mean and standard deviation of each metric per configuration, when `seed` is swept."""
    import statistics

    if "seed" not in keys:
        return []
    others = [key for key in keys if key != "seed"]
    groups: dict[tuple, list[Job]] = {}
    for job in jobs:
        if job.status == DONE:
            groups.setdefault(tuple(job.overrides.get(k, "") for k in others), []).append(job)
    table = []
    for values, members in groups.items():
        row = dict(zip(others, values, strict=True)) | {"seeds": len(members)}
        for name in metric_names:
            scores = [value for job in members if (value := score(job, name)) is not None]
            row[f"{name}_mean"] = statistics.fmean(scores) if scores else ""
            row[f"{name}_std"] = statistics.stdev(scores) if len(scores) > 1 else 0.0
        table.append(row)
    return table


def write_csv(path: Path, table: list[dict]) -> None:
    with open(path, "w", newline="") as file:
        writer = csv.DictWriter(file, list(table[0]))
        writer.writeheader()
        writer.writerows(table)


def cell(value) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def markdown(table: list[dict]) -> str:
    header = list(table[0])
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    cells = [[cell(row[key]).replace("|", "\\|") for key in header] for row in table]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join(lines) + "\n"


def plot(path: Path, jobs: list[Job], keys: list[str], metric: str, best_job) -> None:
    """The metric against each swept parameter (seed aside), the best job as a star."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no window
    import matplotlib.pyplot as plt

    params = [key for key in keys if key != "seed"] or keys
    done = [job for job in jobs if score(job, metric) is not None]  # finite values only
    figure, axes = plt.subplots(1, len(params), figsize=(4 * len(params), 3.2), squeeze=False)
    for axis, key in zip(axes.flat, params, strict=True):
        values = [job.overrides.get(key, "") for job in done]
        numbers = [as_number(value) for value in values]
        categorical = any(number is None for number in numbers)
        names = sorted(set(values))
        xs = [names.index(v) if categorical else n for v, n in zip(values, numbers, strict=True)]
        axis.scatter(xs, [job.metrics[metric] for job in done], color="tab:blue")
        if best_job in done:
            i = done.index(best_job)
            axis.scatter([xs[i]], [best_job.metrics[metric]], marker="*", s=250, color="tab:red")
        if categorical:
            axis.set_xticks(range(len(names)), names)
        elif numbers and min(numbers) > 0 and max(numbers) / min(numbers) >= 100:
            axis.set_xscale("log")
        axis.set_xlabel(key)
        axis.set_ylabel(metric)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def as_number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def error_line(reason: str) -> str:
    """The line the command stops with: `<command>: error: <reason>` (as errors.error_line)."""
    return f"{Path(sys.argv[0]).name}: error: {reason}"


def report(sweep: Path, metric: str | None = None) -> dict:
    """Read the sweep, write report.csv, report.md and report.png, and return what was found:
    the table, the best job, the seed groups, the jobs running, failed, missing or not started,
    the command that re-runs each job that did not finish, and the files written (or why not).
    A metric that no job has, or a folder that is not a sweep, stops it with one line."""
    try:
        jobs, settings = read_sweep(sweep)
    except Unreadable as problem:
        raise SystemExit(error_line(str(problem))) from None
    metric_names = sorted({name for job in jobs for name in job.metrics})
    if metric and metric_names and metric not in metric_names:
        known = ", ".join(metric_names)
        raise SystemExit(error_line(f"--metric {metric}: no job has it; the jobs have {known}"))
    metric = metric or settings.get("optimized_metric") or DEFAULT_METRIC
    goal = direction(metric, settings)
    keys = swept_keys(jobs)
    best_job = best(jobs, metric, goal)
    table = rows(jobs, keys, metric_names, best_job)
    groups = seed_groups(jobs, keys, metric_names)
    numbers = {job.number for job in jobs}
    not_started = [n for n in range(expected_jobs(settings) or 0) if n not in numbers]
    text = markdown(table) + (f"\n{markdown(groups)}" if groups else "") if table else ""
    writers = {
        "report.csv": lambda path: write_csv(path, table),
        "report.md": lambda path: path.write_text(text),
        "report.png": lambda path: plot(path, jobs, keys, metric, best_job),
    }
    written, not_written = write_files(sweep, writers) if table else ([], None)
    return {
        "metric": metric,
        "direction": goal,
        "table": table,
        "best": best_job,
        "seed_groups": groups,
        "running": [job.number for job in jobs if job.status == RUNNING],
        "failed": [job.number for job in jobs if job.status == FAILED],
        "missing": [job.number for job in jobs if job.status == MISSING] + not_started,
        "not_started": not_started,
        "reruns": {job.number: (job.status, command) for job, command in reruns(jobs, settings)},
        "written": written,
        "not_written": not_written,
    }


def write_files(sweep: Path, writers: dict) -> tuple[list[Path], str | None]:
    """Each file `writers` names, written whole into the sweep folder (a temporary file, then
    renamed): the files written, and why the next one could not be (None: all were)."""
    written = []
    for name, write in writers.items():
        path = sweep / name
        partial = path.with_name(f"{path.stem}.partial{path.suffix}")  # (the plot's format)
        try:
            write(partial)
            os.replace(partial, path)
        except OSError as error:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
            return written, f"{path}: {why(error)}"
        written.append(path)
    return written, None


def show(found: dict, sweep: Path) -> None:
    """The table on the console (rich); then one line for the best job, one for the jobs
    running and not started, the jobs that did not finish with the command that re-runs each,
    and the files written (or why they could not be)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    # piped into a file or a CI log, no 80-column limit: whole headers, one line per message
    console = Console() if sys.stdout.isatty() else Console(width=10_000, soft_wrap=True)
    tables = {"jobs": found["table"], "mean and std over seeds": found["seed_groups"]}
    for title, table in tables.items():
        if table:
            view = Table(title=Text(f"{sweep} ({title})"))
            for key in table[0]:
                view.add_column(Text(str(key)))
            for row in table:
                view.add_row(*(Text(cell(value)) for value in row.values()))
            console.print(view)

    def say(line: str) -> None:  # as it is: no markup, no colours, not wrapped (commands)
        console.print(line, markup=False, highlight=False, soft_wrap=True)

    best_job = found["best"]
    if best_job is None:
        say(f"No job has {found['metric']} yet (a finite value, in a finished job).")
    else:
        score, goal = best_job.metrics[found["metric"]], f"{found['direction']} {found['metric']}"
        say(f"Best ({goal}): job {best_job.number}, {score:.4f}, {best_job.folder}")
    if found["running"]:
        say(f"Running: jobs {found['running']}")
    if found["not_started"]:
        say(f"Not started yet: jobs {found['not_started']}")
    if found["reruns"]:
        say("Did not finish; re-run each with the command after its number:")
    for number, (status, command) in found["reruns"].items():
        say(f"  job {number} ({status}): {command or RERUN_BY_HAND}")
    if found["not_written"]:
        say(f"Could not write the report files into {sweep}: {found['not_written']}")
    elif found["written"]:
        say(f"Wrote {', '.join(path.name for path in found['written'])} into {sweep}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].split(": ", 1)[1])
    parser.add_argument("sweep", type=Path, help="a sweep folder: outputs/multiruns/<date>/<time>")
    parser.add_argument("--metric", help="the metric to rank by (default: optimized_metric)")
    args = parser.parse_args(argv)
    found = report(args.sweep, args.metric)
    show(found, args.sweep)


if __name__ == "__main__":
    main()
