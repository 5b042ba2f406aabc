"""`<project>-report <sweep folder>`: one table of a sweep's jobs (a `-m` multirun or an Optuna
search), each job's swept overrides and final metrics, the best job marked; when jobs differ
only by `seed`, the mean and standard deviation per configuration. Works on a sweep that is
still running or was interrupted: it says which jobs have no results yet and which failed.

Writes report.csv, report.md and report.png (the metric against each swept parameter) into the
sweep folder, and prints the table. rich, matplotlib and the statistics are imported inside the
functions that use them, so `--help` stays instant.
"""

import argparse
import csv
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import FAILED

# the metric to rank by when the sweep does not name one (its `optimized_metric`)
DEFAULT_METRIC = "val_acc"


@dataclass
class Job:
    """One numbered job folder of a sweep."""

    number: int
    folder: Path
    overrides: dict[str, str]
    metrics: dict[str, float] = field(default_factory=dict)
    # done: metrics.json is there; failed: a FAILED file, or the log holds an error; missing:
    # neither, yet
    status: str = "missing"


def parse_override(text: str) -> tuple[str, str]:
    """`optimizer.lr=0.01` -> ("optimizer.lr", "0.01"); `+key=v` and `~key` keep their key."""
    key, _, value = text.partition("=")
    return key.lstrip("+~"), value


def read_job(folder: Path) -> Job:
    overrides_file = folder / ".hydra" / "overrides.yaml"
    overrides = yaml.safe_load(overrides_file.read_text()) if overrides_file.is_file() else []
    job = Job(int(folder.name), folder, dict(parse_override(o) for o in overrides or []))
    metrics_file = folder / "metrics.json"
    logs = list(folder.glob("*.log"))
    if (folder / FAILED).is_file():  # whatever else it holds: errors.mark_failed
        job.status = "failed"
    elif metrics_file.is_file():
        job.metrics, job.status = json.loads(metrics_file.read_text()), "done"
    elif any("[ERROR]" in log.read_text(errors="replace") for log in logs):
        job.status = "failed"
    return job


def read_sweep(sweep: Path) -> tuple[list[Job], dict]:
    """The sweep's jobs, in job order, and its multirun.yaml (settings shared by every job)."""
    multirun_file = sweep / "multirun.yaml"
    if not multirun_file.is_file():
        raise SystemExit(f"{sweep}: no multirun.yaml, so not a sweep folder (made by `-m`)")
    settings = yaml.safe_load(multirun_file.read_text()) or {}  # empty until the sweep writes it
    folders = [p for p in sweep.iterdir() if p.is_dir() and p.name.isdigit()]
    return sorted((read_job(folder) for folder in folders), key=lambda job: job.number), settings


def expected_jobs(settings: dict) -> int | None:
    """How many jobs the sweep will have, when its settings say (Optuna's n_trials)."""
    sweeper = settings.get("hydra", {}).get("sweeper", {})
    return sweeper.get("n_trials")


def swept_keys(jobs: list[Job]) -> list[str]:
    """The override keys whose values differ between jobs, in the order they were given."""
    keys: list[str] = []
    for job in jobs:
        keys += [key for key in job.overrides if key not in keys]
    return [key for key in keys if len({job.overrides.get(key) for job in jobs}) > 1]


def direction(metric: str, settings: dict) -> str:
    """maximize or minimize: the sweeper's own direction for the metric it optimized, else by
    the name (a search that maximized val_acc still ranks val_loss from the lowest)."""
    configured = settings.get("hydra", {}).get("sweeper", {}).get("direction")
    if isinstance(configured, str) and metric == settings.get("optimized_metric", metric):
        return configured
    return "minimize" if metric.endswith("loss") else "maximize"


def best(jobs: list[Job], metric: str, goal: str) -> Job | None:
    scored = [job for job in jobs if job.status == "done" and metric in job.metrics]
    if not scored:
        return None
    pick = max if goal == "maximize" else min
    return pick(scored, key=lambda job: job.metrics[metric])


def rows(jobs: list[Job], keys: list[str], metric_names: list[str], best_job) -> list[dict]:
    """One row per job: number, status, best mark, swept values and metrics."""
    table = []
    for job in jobs:
        row = {"job": job.number, "status": job.status, "best": "*" if job is best_job else ""}
        row |= {key: job.overrides.get(key, "") for key in keys}
        row |= {name: job.metrics.get(name, "") for name in metric_names}
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
        if job.status == "done":
            groups.setdefault(tuple(job.overrides.get(k, "") for k in others), []).append(job)
    table = []
    for values, members in groups.items():
        row = dict(zip(others, values, strict=True)) | {"seeds": len(members)}
        for name in metric_names:
            scores = [job.metrics[name] for job in members if name in job.metrics]
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
    lines += ["| " + " | ".join(cell(row[key]) for key in header) + " |" for row in table]
    return "\n".join(lines) + "\n"


def plot(path: Path, jobs: list[Job], keys: list[str], metric: str, best_job) -> None:
    """The metric against each swept parameter (seed aside), the best job as a star."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no window
    import matplotlib.pyplot as plt

    params = [key for key in keys if key != "seed"] or keys
    done = [job for job in jobs if job.status == "done" and metric in job.metrics]
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


def report(sweep: Path, metric: str | None = None) -> dict:
    """Read the sweep, write report.csv, report.md and report.png, and return what was found:
    the table, the best job, the seed groups and the jobs that are missing or failed."""
    jobs, settings = read_sweep(sweep)
    metric = metric or settings.get("optimized_metric") or DEFAULT_METRIC
    goal = direction(metric, settings)
    keys = swept_keys(jobs)
    metric_names = sorted({name for job in jobs for name in job.metrics})
    best_job = best(jobs, metric, goal)
    table = rows(jobs, keys, metric_names, best_job)
    groups = seed_groups(jobs, keys, metric_names)
    total = expected_jobs(settings)
    numbers = {job.number for job in jobs}
    not_started = [n for n in range(total or 0) if n not in numbers]
    if table:
        write_csv(sweep / "report.csv", table)
        text = markdown(table) + (f"\n{markdown(groups)}" if groups else "")
        (sweep / "report.md").write_text(text)
        plot(sweep / "report.png", jobs, keys, metric, best_job)
    return {
        "metric": metric,
        "direction": goal,
        "table": table,
        "best": best_job,
        "seed_groups": groups,
        "failed": [job.number for job in jobs if job.status == "failed"],
        "missing": [job.number for job in jobs if job.status == "missing"] + not_started,
    }


def show(found: dict, sweep: Path) -> None:
    """The table on the console (rich), then one line each for the best, missing and failed."""
    from rich.console import Console
    from rich.table import Table

    # piped into a file or a CI log, no 80-column limit: whole headers, one line per message
    console = Console() if sys.stdout.isatty() else Console(width=10_000, soft_wrap=True)
    tables = {"jobs": found["table"], "mean and std over seeds": found["seed_groups"]}
    for title, table in tables.items():
        if table:
            view = Table(title=f"{sweep} ({title})")
            for key in table[0]:
                view.add_column(str(key))
            for row in table:
                view.add_row(*(cell(value) for value in row.values()))
            console.print(view)
    best_job = found["best"]
    if best_job is None:
        console.print(f"No job has {found['metric']} yet.")
    else:
        score, goal = best_job.metrics[found["metric"]], f"{found['direction']} {found['metric']}"
        console.print(f"Best ({goal}): job {best_job.number}, {score:.4f}, {best_job.folder}")
    if found["missing"]:
        console.print(f"No results yet (running, stopped or not started): jobs {found['missing']}")
    if found["failed"]:
        console.print(f"Failed (see their logs): jobs {found['failed']}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].split(": ", 1)[1])
    parser.add_argument("sweep", type=Path, help="a sweep folder: outputs/multiruns/<date>/<time>")
    parser.add_argument("--metric", help="the metric to rank by (default: optimized_metric)")
    args = parser.parse_args(argv)
    found = report(args.sweep, args.metric)
    show(found, args.sweep)


if __name__ == "__main__":
    main()
