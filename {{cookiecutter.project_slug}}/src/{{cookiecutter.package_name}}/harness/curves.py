"""learning_curves.png: the loss and the other metrics of each epoch, training against
validation, from the run's metrics.csv. Drawn on a matplotlib Figure without pyplot: no window,
no global backend switched (safe in a notebook or a training process)."""

import csv
from pathlib import Path


def read_rows(path: Path) -> list[dict[str, float]]:
    """metrics.csv's rows as numbers (an empty cell is a metric not measured that epoch)."""
    with open(path, newline="") as file:
        rows = csv.DictReader(file)
        return [{k: float(v) for k, v in row.items() if v not in ("", None)} for row in rows]


def curves(rows: list[dict[str, float]]) -> dict[str, dict[str, list[tuple[float, float]]]]:
    """{metric: {split: [(epoch, value), ...]}} for each `<split>_<metric>` column, e.g.
    {"loss": {"train": [(1, 0.9), ...], "val": [...]}, "acc": {...}}."""
    found: dict[str, dict[str, list]] = {}
    for row in rows:
        for name, value in row.items():
            split, _, metric = name.partition("_")
            if metric and split in ("train", "val"):
                found.setdefault(metric, {}).setdefault(split, []).append((row["epoch"], value))
    return found


def plot(metrics_csv: Path, path: Path) -> None:
    """One panel per metric (loss first), one line per split, saved as a PNG at `path`."""
    from matplotlib.figure import Figure

    found = curves(read_rows(metrics_csv))
    names = sorted(found, key=lambda name: (name != "loss", name))
    figure = Figure(figsize=(5 * len(names), 4))  # no layout engine: it doubles the drawing time
    figure.subplots_adjust(left=0.08, right=0.97, bottom=0.12, wspace=0.3)
    for axes, name in zip(figure.subplots(1, len(names), squeeze=False)[0], names, strict=True):
        for split, points in sorted(found[name].items()):
            epochs, values = zip(*points, strict=True)
            axes.plot(epochs, values, marker="o" if len(points) < 30 else None, label=split)
        axes.set(xlabel="epoch", ylabel=name, title=name)
        axes.legend()
        axes.grid(alpha=0.3)
    figure.savefig(path, dpi=100)
