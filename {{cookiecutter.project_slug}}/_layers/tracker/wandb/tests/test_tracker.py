"""logger=wandb: the offline run in the run folder, read back record by record.

wandb 0.31 keeps no Python reader of offline runs (its `wandb sync` is part of the Go core), so
`records` below reads the run file's framing, the LevelDB log format that W&B documents, and
decodes each record with wandb's own protobuf classes, exactly what `wandb sync` uploads."""

import csv
import json
import struct
from pathlib import Path

import pytest
import yaml
from conftest import compose_job, module, read_json, run_cli

tracking = module("harness.tracking")
BLOCK = 32768  # the log format's block size; each record piece has a 7-byte header


def records(run_file: Path) -> list:
    """The protobuf records of an offline run file (`run-<id>.wandb`)."""
    from wandb.proto import wandb_internal_pb2

    data = run_file.read_bytes()
    assert data[:4] == b":W&B", "not a W&B run file"
    found, position, pending = [], 7, b""  # after the file header: ":W&B", magic, version
    while position + 7 <= len(data):
        if BLOCK - position % BLOCK < 7:  # a block's tail too short for a header is padding
            position += BLOCK - position % BLOCK
            continue
        _checksum, length, kind = struct.unpack("<IHB", data[position : position + 7])
        pending += data[position + 7 : position + 7 + length]
        position += 7 + length
        if kind in (1, 4):  # a whole record, or the last piece of one
            found.append(wandb_internal_pb2.Record.FromString(pending))
            pending = b""
    return found


def items(updates) -> dict:
    """Key-value items of a record (a key is either `key` or a path, `nested_key`)."""
    return {item.key or "/".join(item.nested_key): json.loads(item.value_json) for item in updates}


def offline_run(run_folder: Path) -> dict:
    """The run's name, group, tags, config, history rows, summary, artifact files and exit code."""
    (run_file,) = run_folder.glob("wandb/offline-run-*/run-*.wandb")
    run = {"history": [], "summary": {}, "config": {}, "artifacts": set(), "exit_code": None}
    for record in records(run_file):
        kind = record.WhichOneof("record_type")
        if kind == "run":
            run |= {"name": record.run.display_name, "group": record.run.run_group}
            run |= {"tags": list(record.run.tags)}
            run["config"] |= items(record.run.config.update)
        elif kind == "config":
            run["config"] |= items(record.config.update)
        elif kind == "history":
            run["history"].append(items(record.history.item))
        elif kind == "summary":
            run["summary"] |= items(record.summary.update)
        elif kind == "artifact":
            run["artifacts"] |= {entry.path for entry in record.artifact.manifest.contents}
        elif kind == "exit":
            run["exit_code"] = record.exit.exit_code
    return run


def test_wandb_offline_is_the_default_logger():
    logger = compose_job("train").logger
    assert logger._target_.endswith(".tracking.WandB") and logger.mode == "offline"


def test_the_offline_run_holds_the_params_each_epoch_the_test_metrics_and_files(trained_run):
    run = offline_run(trained_run)
    assert run["name"] == "_".join(trained_run.parts[-2:]) and run["tags"] == ["debug"]
    assert run["exit_code"] == 0
    resolved = yaml.safe_load((trained_run / "resolved_config.yaml").read_text())
    config = {key: value for key, value in run["config"].items() if key != "_wandb"}
    assert config == tracking.flatten(resolved)

    rows = list(csv.DictReader((trained_run / "metrics.csv").open()))
    for name in set(rows[0]) - {"epoch"}:  # every column of metrics.csv
        logged = [(entry["_step"], entry[name]) for entry in run["history"]]
        assert logged == [(int(row["epoch"]), pytest.approx(float(row[name]))) for row in rows]
    metrics = read_json(trained_run / "metrics.json")
    assert {name: run["summary"][name] for name in metrics} == metrics
    checkpoint = module("engine").CHECKPOINT
    saved = {"resolved_config.yaml", "summary.json", "learning_curves.png", "environment.txt"}
    assert run["artifacts"] - {"code.patch"} == {checkpoint, *saved}  # code.patch: changed code


@pytest.mark.processes
def test_each_sweep_job_is_one_run_in_its_sweeps_group(sweep_of_two):
    runs = [offline_run(sweep_of_two / job) for job in ("0", "1")]
    assert [run["config"]["seed"] for run in runs] == [1, 2]
    assert {run["group"] for run in runs} == {"multiruns_" + "_".join(sweep_of_two.parts[-2:])}


@pytest.mark.slow
def test_a_failed_run_ends_with_a_non_zero_exit_code(tmp_path):
    (tmp_path / "header_only.csv").write_text("a,label\n")  # the run starts, then fails
    with pytest.raises(SystemExit):
        run_cli("train", "debug=fast", "data=csv", "data.path=header_only.csv", cwd=tmp_path)
    (run_folder,) = (tmp_path / "outputs" / "runs").glob("*/*")
    assert offline_run(run_folder)["exit_code"] == 1
