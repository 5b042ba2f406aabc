"""docs/benchmarks.md, docs/benchmarks.json and docs/benchmarks.png from one `make bench` run."""

import json
from pathlib import Path

GOALS = {
    "bake": 1.3,
    "cli": 1.5,
    "fail_fast": 1.5,
    "train": 1.2,
    "tests": 20.0,
    "template_tests": 15 * 60,
    "joblib": 1.6,  # at least this many times faster than the basic launcher
    "startup_share": 0.2,  # the most of a benchmark job that start-up may take
    "csv_load": 1.3,
    "csv_epoch": 1.2,
    "csv_peak": 3.0,
}


def verdict(value: float, limit: float) -> str:
    return "yes" if value <= limit else "**no**"


def bake_section(bake: dict[str, float]) -> list[str]:
    floor = bake["one-file template"]
    ratio = bake["default (pytorch, MIT, git)"] / floor
    lines = [
        "## Bake",
        "",
        "`python -m cookiecutter --no-input` of this template against a one-file template",
        "(`benchmarks/baselines/one_file_template`): cookiecutter's own start-up is the floor.",
        "",
        "| bake | median s | x one-file |",
        "| --- | ---: | ---: |",
    ]
    lines += [
        f"| {name} | {seconds:.3f} | {seconds / floor:.2f} |" for name, seconds in bake.items()
    ]
    lines += [
        "",
        f"Goal: default <= {GOALS['bake']}x one-file. Measured {ratio:.2f}x: "
        f"{verdict(ratio, GOALS['bake'])}.",
        "",
    ]
    return lines


def cli_section(cli: dict[str, dict[str, float]]) -> list[str]:
    lines = [
        "## Command line",
        "",
        "`my-project-train --help`, `--cfg job` and a bash completion query",
        "(`COMP_LINE='my-project-train model=' my-project-train -sc query=bash`) against the same",
        "commands of a one-config Hydra app",
        "(`benchmarks/baselines/minimal_app.py`). Each generated test suite also asserts that",
        "these commands import neither torch, lightning nor scikit-learn.",
        "",
        f"| framework | command | train s | minimal app s | ratio | <= {GOALS['cli']}x |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for framework, times in cli.items():
        for command in ("--help", "--cfg job", "completion"):
            ours, floor = times[f"train {command}"], times[f"minimal {command}"]
            lines.append(
                f"| {framework} | {command} | {ours:.3f} | {floor:.3f} | "
                f"{ours / floor:.2f} | {verdict(ours / floor, GOALS['cli'])} |"
            )
    return [*lines, ""]


def fail_fast_section(fail_fast: dict[str, dict[str, float]], measured: str | None) -> list[str]:
    fail_fast = dict(fail_fast)
    floor = fail_fast.pop("hydra")
    hydra_ratio = floor["minimal no_such_key=1"] / floor["minimal --cfg job"]
    lines = [
        "## Config errors stop at once",
        "",
        "`my-project-train` with one wrong value (exit status 1, one line) against",
        "`my-project-train --cfg job` of the same project: a type or a key is refused while Hydra",
        "composes, a range, a `???` value or a missing file right after, before the run folder,",
        "torch, Lightning, scikit-learn or the data.",
        *([f"Measured again on its own: {measured}."] if measured else []),
        "",
        "Hydra's floor: it composes a run's config twice (the first time only to learn the run",
        "mode) and `--cfg job`'s once, so a refused value costs more than `--cfg job` in any Hydra",
        f"app: the one-config app refuses a key in {hydra_ratio:.2f}x its `--cfg job`",
        f"({floor['minimal no_such_key=1']:.3f} s against {floor['minimal --cfg job']:.3f} s).",
        "",
        f"| framework | wrong value | seconds | --cfg job s | ratio | <= {GOALS['fail_fast']}x |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for framework, times in fail_fast.items():
        floor = times["train --cfg job"]
        for case, seconds in times.items():
            if case != "train --cfg job":
                lines.append(
                    f"| {framework} | `{case}` | {seconds:.3f} | {floor:.3f} | "
                    f"{seconds / floor:.2f} | {verdict(seconds / floor, GOALS['fail_fast'])} |"
                )
    return [*lines, ""]


def train_section(train: dict[str, dict[str, float]]) -> list[str]:
    lines = [
        "## Training overhead",
        "",
        "The default `train` (whole process: start-up, Hydra, data, training, checkpoint, test,",
        "metrics files) against a bare script of the same framework doing the same epochs on the",
        "same split (`benchmarks/baselines/bare_*.py`).",
        "",
        f"| framework | train s | bare script s | ratio | <= {GOALS['train']}x |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for framework, times in train.items():
        ratio = times["train"] / times["bare script"]
        lines.append(
            f"| {framework} | {times['train']:.2f} | {times['bare script']:.2f} | "
            f"{ratio:.2f} | {verdict(ratio, GOALS['train'])} |"
        )
    return [*lines, ""]


def training_options_section(
    options: dict[str, dict[str, float]], measured: str | None
) -> list[str]:
    lines = [
        "## Training options on a CPU",
        "",
        "The default `train` (digits, MLP, batches of 64) with each precision and with",
        "`model.compile=true`, for 1 and for 11 epochs without early stopping: an epoch is the",
        "difference over 10; the 1-epoch run holds the start-up and the compiler's first pass. No",
        "goal: these options are for GPUs and larger networks, recorded so that a change shows.",
        *([f"Measured {measured}, apart from the other sections.", ""] if measured else [""]),
        "| framework | option | 1 epoch s | 11 epochs s | s per epoch | epoch vs 32 |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for framework, times in options.items():
        options_measured = list(dict.fromkeys(name.rsplit(" ", 1)[0] for name in times))
        epoch = {o: (times[f"{o} 11"] - times[f"{o} 1"]) / 10 for o in options_measured}
        for option in options_measured:
            lines.append(
                f"| {framework} | {option} | {times[f'{option} 1']:.2f} | "
                f"{times[f'{option} 11']:.2f} | {epoch[option]:.3f} | "
                f"{epoch[option] / epoch['32']:.2f}x |"
            )
    return [*lines, ""]


def run_record_section(cost: dict[str, float], measured: str | None) -> list[str]:
    return [
        "## The record that makes a run again",
        "",
        "What a run writes so that it can be made again (`harness/provenance.py`), timed in the",
        "pytorch project's environment: at the start, environment.txt (every installed",
        "distribution) and, in a git work tree with a changed file, the commit and code.patch;",
        "at the end, the machine's facts (summary.json). Medians of 21 calls; no network call.",
        *([f"Measured {measured}, apart from the other sections.", ""] if measured else [""]),
        "| part | ms | <= 50 ms |",
        "| --- | ---: | --- |",
        f"| start: environment.txt, git commit, code.patch | {cost['start_ms']:.1f} | "
        f"{verdict(cost['start_ms'] + cost['end_ms'], 50)} |",
        f"| end: the machine | {cost['end_ms']:.2f} | |",
        "",
    ]


def gpu_check_section(table: str | None) -> list[str]:
    """The last table of a generated project's `make check-gpu` on a GPU, kept by hand in
    docs/benchmarks.json (`gpu_check`): this machine has no GPU."""
    lines = [
        "## The GPU check",
        "",
        "`make check-gpu` in a generated torch project trains in each precision with and without",
        "`model.compile`, continues a stopped run exactly and, with two GPUs or more, runs DDP",
        "over nccl into one run folder; it ends with a table of what it checked.",
        "",
    ]
    if not table:
        return [*lines, "Not run on a GPU yet: the machines these figures come from have none.", ""]
    return [*lines, "```", table.strip(), "```", ""]


def trackers_section(trackers: dict[str, dict[str, float]]) -> list[str]:
    lines = [
        "## Trackers",
        "",
        "`train debug=fast` (a run of a few seconds) with each `logger`, from a fresh folder each",
        "time, so the first-run set-up (an MLflow store's tables) counts. Every logger writes",
        "metrics.csv, summary.json and the learning curves; the columns after csv are what the",
        "tracker adds: importing its library, starting its run, logging and closing. The last",
        "column runs where an earlier run made the MLflow store, as every run after the first",
        "does. No goal: a record of the cost.",
        "",
        "| framework | " + " | ".join(f"{name} s" for name in next(iter(trackers.values()))) + " |",
        "| --- |" + " ---: |" * len(next(iter(trackers.values()))),
    ]
    for framework, times in trackers.items():
        base = times["csv"]
        cells = [f"{times['csv']:.2f}"]
        cells += [
            f"{value:.2f} (+{value - base:.2f})" for name, value in times.items() if name != "csv"
        ]
        lines.append(f"| {framework} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def tests_section(tests: dict[str, dict[str, float]], template_tests: float | None) -> list[str]:
    lines = [
        "## Test suites",
        "",
        "Each generated project's suite as its Makefile runs it, on every core (pytest-xdist):",
        "all of it (`make test`) and without the tests marked slow (`make test-fast`, the edit",
        "loop: no commands run end to end, sweeps, processes or runs of a second or more).",
        "",
        "| suite | all, median s | fast, median s | fast <= 20 s |",
        "| --- | ---: | ---: | --- |",
    ]
    for framework, suites in tests.items():
        goal = verdict(suites["fast"], GOALS["tests"])
        lines.append(
            f"| generated, {framework} | {suites['all']:.1f} | {suites['fast']:.1f} | {goal} |"
        )
    if template_tests is not None:
        goal = f"<= 15 min: {verdict(template_tests, GOALS['template_tests'])}"
        lines.append(f"| template (`make test`, one run) | {template_tests:.0f} | | {goal} |")
    return [*lines, ""]


def multirun_section(multirun: dict[str, dict[int, float]]) -> list[str]:
    sizes = sorted(next(iter(multirun.values())))
    lines = [
        "## Growth",
        "",
        "Multirun wall time of `my-project-train -m debug=fast seed=0,..,n-1` (pytorch) under",
        "Hydra's basic launcher (jobs one after the other, in-process) and hydra-joblib-launcher",
        "(processes in parallel, each importing torch):",
        "",
        "| jobs | " + " | ".join(f"{launcher} s" for launcher in multirun) + " |",
        "| ---: |" + " ---: |" * len(multirun),
    ]
    for n in sizes:
        lines.append(
            f"| {n} | " + " | ".join(f"{multirun[name][n]:.2f}" for name in multirun) + " |"
        )
    lines += ["", "The bake table above shows the growth with the options enabled.", ""]
    lines += ["![bake time by option and multirun wall time by jobs](benchmarks.png)", ""]
    return lines


def scale_section(launchers: dict, ddp: dict | None) -> list[str]:
    speedup = launchers["basic"] / launchers["joblib"]
    share = launchers["start-up"] / launchers["one job"]
    n, epochs = launchers["jobs"], launchers["epochs"]
    lines = [
        "## Scale-out",
        "",
        f"A sweep of {n} CPU-bound jobs, `my-project-train -m seed=0..{n - 1} "
        f"trainer.max_epochs={epochs}` (pytorch, MLP on digits), under Hydra's basic launcher (one",
        "job after the other, in-process) and the joblib launcher (one worker process per core):",
        "",
        "| run | median s |",
        "| --- | ---: |",
        *(f"| {name} | {launchers[name]:.1f} |" for name in ("basic", "joblib", "one job")),
        f"| start-up (a 1-epoch run) | {launchers['start-up']:.1f} |",
        "",
        f"Goal: joblib >= {GOALS['joblib']}x faster than basic, with jobs whose start-up is under "
        f"{GOALS['startup_share']:.0%} of a job. Measured {speedup:.2f}x "
        f"({verdict(GOALS['joblib'], speedup)}), start-up {share:.0%} of a job "
        f"({verdict(share, GOALS['startup_share'])}).",
        "",
    ]
    if ddp is not None:
        one, two = ddp["1 process"], ddp["2 processes"]
        lines += [
            "Training in several processes: seconds per epoch of `train data=csv` on "
            f"{ddp['rows']:,} rows x 64 features, one process against two",
            "(`torchrun --nproc_per_node=2`, gloo, one thread per process), from the epochs' log",
            "timestamps:",
            "",
            "| processes | s per epoch |",
            "| ---: | ---: |",
            f"| 1 | {one:.3f} |",
            f"| 2 | {two:.3f} |",
            "",
            f"Two processes take {two / one:.2f}x the time of one per epoch (recorded, no goal):",
            "with a small MLP each batch's computation is shorter than gloo's exchange of its",
            "gradients (and of the one-number check that every process's loss is finite, which",
            "keeps a diverging process from leaving the other waiting), so more processes only",
            "pay off for models whose batches take longer than that exchange, as on GPUs.",
            "",
        ]
    return lines


def csv_section(csv: dict) -> list[str]:
    """`data=csv` as the table grows (benchmarks/csv_data.py)."""
    sizes = sorted(csv, key=int)
    lines = [
        "## A growing CSV table",
        "",
        "Synthetic tables of 64 float features and an integer label (`benchmarks/csv_data.py`,",
        "written once to build/bench/csv/), each measurement in a fresh process of the baked",
        "pytorch project. **Load**: `load_csv` (read, checks, class indices, the three splits)",
        "against `pandas.read_csv` of the same file. **Epoch**: one training epoch of the",
        "project's loop (`engine.train_one_epoch` over `make_loaders`, the default MLP, Adam and",
        "batch size 64) against a bare loop over the same tensors (randperm, slices of it,",
        "forward, backward, step). **Peak**: the growth of the process's peak resident memory",
        "(`ru_maxrss`) during `load_csv`, against the size of the float32 feature array.",
        "",
        "| rows | load s | pandas s | ratio | "
        f"<= {GOALS['csv_load']}x | epoch s | bare s | ratio | <= {GOALS['csv_epoch']}x | "
        f"peak MB | array MB | ratio | <= {GOALS['csv_peak']:.0f}x |",
        "| ---: |" + " ---: | ---: | ---: | --- |" * 3,
    ]
    for n in sizes:
        r = csv[n]
        load, pandas = r["load"]["load_csv"], r["load"]["pandas"]
        epoch, bare = r["epoch"]["project"], r["epoch"]["bare"]
        peak, array = r["peak_mb"]["load_csv"], r["array_mb"]
        lines.append(
            f"| {int(n):,} | {load:.3f} | {pandas:.3f} | {load / pandas:.2f} | "
            f"{verdict(load / pandas, GOALS['csv_load'])} | {epoch:.2f} | {bare:.2f} | "
            f"{epoch / bare:.2f} | {verdict(epoch / bare, GOALS['csv_epoch'])} | {peak:.0f} | "
            f"{array:.0f} | {peak / array:.2f} | {verdict(peak / array, GOALS['csv_peak'])} |"
        )
    lines += [
        "",
        "Where the time and the memory go. No load is faster than `pandas.read_csv` plus the",
        "stratified split of the row numbers (scikit-learn's `train_test_split`, twice, which",
        "keeps the splits of earlier versions): the floor below. Beyond it, `load_csv` turns",
        "pandas' columns into the rows that batches are taken from (one pass, into new memory).",
        "`ru_maxrss` counts, besides the arrays, the pages of the CSV file that pandas maps while",
        "its threads parse it (pandas 3.1 and later) and about 20 MB of parser buffers and",
        "thread stacks, which pandas alone pays too; `tracemalloc` counts only the arrays.",
        "",
        "| rows | pandas + split s | floor ratio | file MB | pandas peak MB | "
        "traced MB, load_csv | traced MB, pandas |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for n in sizes:
        r = csv[n]
        floor = r["load"]["pandas_split"]
        lines.append(
            f"| {int(n):,} | {floor:.3f} | {floor / r['load']['pandas']:.2f} | "
            f"{r['file_mb']:.0f} | {r['peak_mb']['pandas']:.0f} | "
            f"{r['traced_mb']['load_csv']:.0f} | {r['traced_mb']['pandas']:.0f} |"
        )
    lines += ["", "![load time, epoch time and peak memory by rows](benchmarks_csv.png)", ""]
    return lines


def demo_section(demo: dict) -> list[str]:
    """`make demo` on a fresh clone, before and after a change: measured by hand, not by
    `make bench`, which keeps these figures of docs/benchmarks.json from report to report."""
    lines = [
        "## make demo on a fresh clone",
        "",
        "`git clone` of the repository at a commit, then `time make demo` in the clone: this",
        "repository's `.venv`, the bake, the demo project's `make install` and `make train`.",
        "pip's cache was warm (every wheel already on the machine, no download). Measured by",
        f"hand on this 2-core CI-like machine ({demo['measured']}), not by `make bench`. The",
        "commits ran in turn (before, after, before, after ...) on cores that other jobs shared",
        "too: the seconds are noisy, the sizes (`du -sm`) are not.",
        "",
        "| commit | what make demo installs | runs | median wall s | .venv MB | demo project's "
        ".venv MB | both MB |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in demo["runs"]:
        walls = sorted(run["wall_s"])
        middle = len(walls) // 2
        median = walls[middle] if len(walls) % 2 else (walls[middle - 1] + walls[middle]) / 2
        template, project = run["venv_mb"], run["project_venv_mb"]
        lines.append(
            f"| {run['commit']} | {run['what']} | {len(walls)} | {median:.0f} | {template} | "
            f"{project} | {template + project} |"
        )
    return [*lines, ""]


def plot_csv(csv: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted(csv, key=int)
    rows = [int(n) for n in sizes]
    fig, (time_ax, memory_ax) = plt.subplots(1, 2, figsize=(12, 4.5))
    for label, key, variant in [
        ("load_csv", "load", "load_csv"),
        ("pandas.read_csv", "load", "pandas"),
        ("epoch, project loop", "epoch", "project"),
        ("epoch, bare loop", "epoch", "bare"),
    ]:
        style = "-" if variant in ("load_csv", "project") else "--"
        time_ax.plot(rows, [csv[n][key][variant] for n in sizes], style, marker="o", label=label)
    time_ax.set_title("Time (median seconds)")
    array = [csv[n]["array_mb"] for n in sizes]
    for label, values, style in [
        ("load_csv peak (ru_maxrss growth)", [csv[n]["peak_mb"]["load_csv"] for n in sizes], "o-"),
        ("load_csv peak (tracemalloc)", [csv[n]["traced_mb"]["load_csv"] for n in sizes], "o-"),
        ("pandas.read_csv peak (ru_maxrss)", [csv[n]["peak_mb"]["pandas"] for n in sizes], "o--"),
        ("float32 feature array", array, "k:"),
        (f"goal: {GOALS['csv_peak']:.0f}x the array", [GOALS["csv_peak"] * a for a in array], "r:"),
    ]:
        memory_ax.plot(rows, values, style, label=label)
    memory_ax.set_title("Memory (MB)")
    for ax in (time_ax, memory_ax):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("rows (64 float features)")
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (bake_ax, multirun_ax) = plt.subplots(1, 2, figsize=(12, 4.5))
    names, seconds = zip(*results["bake"].items(), strict=True)
    bake_ax.barh(names, seconds, color="tab:blue")
    bake_ax.invert_yaxis()
    bake_ax.set_xlabel("median seconds")
    bake_ax.set_title("Bake (python -m cookiecutter --no-input)")
    for launcher, by_size in results["multirun"].items():
        sizes = sorted(by_size)
        multirun_ax.plot(sizes, [by_size[n] for n in sizes], marker="o", label=launcher)
    multirun_ax.set_xscale("log", base=2)
    multirun_ax.set_xticks(sizes, [str(n) for n in sizes])
    multirun_ax.set_xlabel("jobs in the sweep")
    multirun_ax.set_ylabel("median wall seconds")
    multirun_ax.set_title("my-project-train -m debug=fast (pytorch)")
    multirun_ax.legend(title="launcher")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def write_report(results: dict, docs: Path) -> None:
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`benchmarks/run.py`); do not edit by hand. Medians of "
        f"{results['repeats']} runs (multirun: {max(3, results['repeats'] // 2)}); compared",
        "commands ran side by side, in turn, in the same run. Machine: " + results["machine"] + ".",
        "",
        *bake_section(results["bake"]),
        *cli_section(results["cli"]),
        *(
            fail_fast_section(results["fail_fast"], results.get("remeasured", {}).get("fail_fast"))
            if "fail_fast" in results
            else []
        ),
        *train_section(results["train"]),
        *(trackers_section(results["trackers"]) if "trackers" in results else []),
        *(
            training_options_section(
                results["training_options"],
                results.get("remeasured", {}).get("training_options"),
            )
            if "training_options" in results
            else []
        ),
        *(
            run_record_section(
                results["run_record"], results.get("remeasured", {}).get("run_record")
            )
            if "run_record" in results
            else []
        ),
        *tests_section(results["tests"], results.get("template_tests")),
        *multirun_section(results["multirun"]),
        *scale_section(results["launchers"], results.get("ddp")),
        *(csv_section(results["csv"]) if "csv" in results else []),
        *(demo_section(results["demo"]) if "demo" in results else []),
        *gpu_check_section(results.get("gpu_check")),
    ]
    (docs / "benchmarks.md").write_text("\n".join(lines))
    (docs / "benchmarks.json").write_text(json.dumps(results, indent=2) + "\n")
    plot(results, docs / "benchmarks.png")
    if "csv" in results:
        plot_csv(results["csv"], docs / "benchmarks_csv.png")
