"""`data=csv` as the table grows: the generated project's `load_csv` against `pandas.read_csv`
of the same file (time and peak memory), and one training epoch of its PyTorch loop
(`engine.train_one_epoch` over `make_loaders`) against a bare loop over the same tensors.

`bench_csv(repeats)` runs every measurement in a fresh process of the baked pytorch project's
Python and takes the median of `repeats` runs, the compared variants in turn. This file is also
that process: `python csv_data.py <measurement> <csv file> <variant>` prints one JSON line.
"""

import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "build" / "bench" / "csv"
# the config defaults of data=csv (configs/data/csv.yaml)
SPLIT = {"val_fraction": 0.15, "test_fraction": 0.2, "split_seed": 0}
MEASUREMENTS = {
    "load": ("load_csv", "pandas", "pandas_split"),
    "epoch": ("project", "bare"),
    "traced": ("load_csv", "pandas"),
}


def synthetic_csv(rows: int, features: int) -> Path:
    """A CSV of `rows` samples: `features` float columns (6 significant digits) and an integer
    label in 0..9 (the last column). Written once, then reused from build/bench/csv/."""
    import numpy as np
    import pandas as pd

    path = CACHE / f"rows{rows}_features{features}.csv"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    rng = np.random.default_rng(0)
    names = [f"f{i}" for i in range(features)]
    for start in range(0, rows, 100_000):
        n = min(100_000, rows - start)
        chunk = pd.DataFrame(rng.standard_normal((n, features), dtype=np.float32), columns=names)
        chunk["label"] = rng.integers(0, 10, n)
        mode = {"mode": "a", "header": False} if start else {"mode": "w"}
        chunk.to_csv(partial, index=False, float_format="%.6g", **mode)
    partial.rename(path)
    return path


def measure(python: Path, measurement: str, csv: Path, variant: str) -> dict:
    """One measurement in a fresh process of `python` (the project's)."""
    done = subprocess.run(
        [str(python), __file__, measurement, str(csv), variant], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"{measurement} {variant} {csv.name} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.splitlines()[-1])


def bench_csv(
    repeats: int,
    rows=(10_000, 100_000, 1_000_000),
    features: int = 64,
    bin_dir: Path | None = None,
) -> dict[int, dict]:
    """{rows: {"array_mb", "file_mb", "load": {variant: median s}, "peak_mb": {variant: median
    MB}, "traced_mb": {variant: MB}, "epoch": {variant: median s}}}; peak_mb is the growth of
    the process's peak resident memory (ru_maxrss) during the load, traced_mb tracemalloc's
    peak. Without `bin_dir` (the bin folder of a venv holding the baked pytorch project) one
    is baked and installed."""
    if bin_dir is None:
        from benchmarks.run import install_projects

        bin_dir = install_projects(["pytorch"])["pytorch"]
    python = bin_dir / "python"
    results = {}
    for n in rows:
        csv = synthetic_csv(n, features)
        result = {
            "array_mb": n * features * 4 / 2**20,
            "file_mb": csv.stat().st_size / 2**20,
            "traced_mb": {},
        }
        runs: dict[str, dict[str, list]] = {}
        for measurement in ("load", "epoch"):
            for _ in range(repeats):
                for variant in MEASUREMENTS[measurement]:
                    out = measure(python, measurement, csv, variant)
                    for key, value in out.items():
                        runs.setdefault(key, {}).setdefault(variant, []).append(value)
        # tracemalloc slows pandas' threads down: its own runs, one each (it counts the same
        # allocations every time)
        for variant in MEASUREMENTS["traced"]:
            result["traced_mb"][variant] = measure(python, "traced", csv, variant)["traced_mb"]
        for key, by_variant in runs.items():
            result[key] = {v: statistics.median(values) for v, values in by_variant.items()}
        results[n] = result
        print(f"csv {n} rows: {json.dumps(result)}", flush=True)
    return results


# ---- what runs in the measuring process (the project's Python) ----


def worker(measurement: str, csv: str, variant: str) -> dict:
    import resource
    import time
    import tracemalloc

    import pandas as pd
    import sklearn.model_selection  # noqa: F401  imported before the clock starts, as pandas
    import torch
    from my_project import data
    from my_project.harness.tables import split_rows

    def read() -> None:
        if variant == "load_csv":
            data.load_csv(csv, "label", **SPLIT)
        else:
            labels = pd.read_csv(csv)["label"].to_numpy()
            if variant == "pandas_split":  # the split of the row numbers that load_csv makes
                split_rows(labels, **SPLIT)

    def peak_mb() -> float:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # bytes on macOS, KiB on Linux
        return peak / (2**20 if sys.platform == "darwin" else 1024)

    if measurement == "traced":
        tracemalloc.start()
        read()
        return {"traced_mb": tracemalloc.get_traced_memory()[1] / 2**20}
    if measurement == "load":
        before, start = peak_mb(), time.perf_counter()
        read()
        return {"load": time.perf_counter() - start, "peak_mb": peak_mb() - before}

    from hydra import compose, initialize_config_module
    from my_project import engine
    from my_project.loaders import make_loaders

    with initialize_config_module("my_project.configs", version_base="1.3"):
        cfg = compose("train")  # the default model (MLP), optimizer (Adam) and loader
    splits = data.load_csv(csv, "label", **SPLIT)
    torch.manual_seed(0)
    device = torch.device("cpu")
    model, optimizer, _ = engine.build(cfg, splits, device)
    batch_size = cfg.loader.batch_size
    start = time.perf_counter()
    if variant == "project":
        batches = make_loaders(splits, cfg.loader)["train"]
        engine.train_one_epoch(model, batches, optimizer, device)
    else:
        x, y = torch.from_numpy(splits.x_train), torch.from_numpy(splits.y_train)
        model.train()
        order = torch.randperm(len(y))
        for first in range(0, len(y), batch_size):
            rows = order[first : first + batch_size]
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x[rows]), y[rows])
            loss.backward()
            optimizer.step()
    return {"epoch": time.perf_counter() - start}


if __name__ == "__main__":
    print(json.dumps(worker(*sys.argv[1:4])))
