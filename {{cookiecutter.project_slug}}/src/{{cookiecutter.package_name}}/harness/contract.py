"""A run's contract: what defines a training run, written into its folder (contract.json) before
training starts and never changed. It binds the run to

- its framework, its model config, the type of its optimizer and its learning-rate schedule
  (a schedule over `trainer.max_epochs` cannot stretch to more epochs once it is under way);
- its data: the data config (with the files it reads made absolute), a content hash of the
  source (the CSV file, or the arrays of a data set that ships with a package), the split
  settings and a hash of the row numbers of each split, the classes and the feature names.

Everything that reads a run later reads it from here, not from today's configs: `evaluate` and
`predict` take the run's own data and split (`run_data`), `resume=` is refused when the composed
config or the data differ (`check_config`, `bind`). Nothing in contract.json is run: the data
config's `_target_` must name a function of this project's data.py.
"""

import hashlib
import json
import logging
import os
from dataclasses import fields, is_dataclass
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from . import FRAMEWORK, PROJECT
from .errors import RefusedAtStart, RunError
from .results import write_atomically

log = logging.getLogger(__name__)

CONTRACT = "contract.json"
# what evaluate and predict write beside their results: which data they read
INPUTS = "inputs.json"


# -- fingerprints of data ----------------------------------------------------------------------


def digest(*arrays) -> str:
    """The sha256 of arrays' bytes (numpy arrays or anything numpy takes), in turn."""
    import numpy as np

    hashed = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        hashed.update(f"{array.dtype.str}{array.shape}".encode())
        hashed.update(array.data if array.dtype != object else repr(array.tolist()).encode())
    return hashed.hexdigest()


def file_digest(path: Path) -> str:
    """The sha256 of a file's bytes, read a megabyte at a time."""
    hashed = hashlib.sha256()
    with open(path, "rb") as file:
        while block := file.read(1 << 20):
            hashed.update(block)
    return hashed.hexdigest()


def fingerprint(source: dict, train, val, test) -> dict:
    """What identifies a split data set: its `source` ({"sha256": ...}, and the file it was read
    from) and, for each split, how many rows and a hash of their row numbers in the source."""
    import numpy as np

    parts = {"train": train, "val": val, "test": test}
    rows = {name: np.asarray(part, dtype=np.int64) for name, part in parts.items()}
    return {
        "source": source,
        "rows": {name: {"count": len(part), "sha256": digest(part)} for name, part in rows.items()},
    }


# -- the contract ------------------------------------------------------------------------------


def data_config(node: DictConfig, launch_dir: str | os.PathLike) -> dict:
    """The resolved data config, the files it reads (the fields its schema declares as input
    files) made absolute against `launch_dir`: the same file from wherever it is read later."""
    config = OmegaConf.to_container(node, resolve=True)
    schema = OmegaConf.get_type(node)
    for entry in fields(schema) if is_dataclass(schema) else ():
        value = config.get(entry.name)
        if entry.metadata.get("input_file") and isinstance(value, str):
            path = Path(launch_dir, os.path.expanduser(value))
            config[entry.name] = os.path.normpath(path)
    return config


def target(node) -> str | None:
    """The `_target_` of a config node (an optimizer, a scheduler), or None."""
    return None if node is None else OmegaConf.select(node, "_target_")


def plain(node) -> dict | None:
    """A config node as plain values, resolved; None stays None."""
    return None if node is None else OmegaConf.to_container(node, resolve=True)


def from_config(cfg: DictConfig, launch_dir: str | os.PathLike) -> dict:
    """The part of the contract that the composed config of `train` decides."""
    return {
        "framework": FRAMEWORK,
        "data": data_config(cfg.data, launch_dir),
        # model.compile says how the network runs, not what it is
        "model": {k: v for k, v in plain(cfg.model).items() if k != "compile"},
        "optimizer": target(cfg.get("optimizer")),
        "scheduler": plain(cfg.get("scheduler")),
    }


def from_data(splits) -> dict:
    """The part of the contract that the loaded data decides (a data.Splits)."""
    return {
        "fingerprint": splits.fingerprint,
        "classes": list(splits.classes),
        "feature_names": splits.feature_names,
        "input_shape": list(splits.input_shape),
    }


def read(folder: Path) -> dict | None:
    """The contract of the run in `folder`; None when it has none (a run from before contracts,
    or one that stopped before its data was read). One line when it cannot be read."""
    path = folder / CONTRACT
    if not path.is_file():
        return None
    try:
        contract = json.loads(path.read_text())
        if not isinstance(contract, dict):
            raise ValueError("not an object")
    except (OSError, ValueError) as error:
        raise RunError(f"{path} cannot be read ({error}); the run's contract is lost") from None
    return contract


def differences(old, new, key: str = "") -> list[str]:
    """The dotted keys whose values differ between two contracts (or parts of them)."""
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for name in [*old, *(name for name in new if name not in old)]:
            found += differences(old.get(name), new.get(name), f"{key}.{name}" if key else name)
        return found
    return [] if old == new else [key]


def refuse(folder: Path, old: dict, new: dict, what: str) -> None:
    """Stop, with one line before anything is written, a run that would continue the run in
    `folder` with other settings than its contract holds."""
    changed = differences(old, new)
    if changed:
        first = changed[0]
        more = f" (and {len(changed) - 1} more)" if len(changed) > 1 else ""
        was, now = lookup(old, first), lookup(new, first)
        raise RefusedAtStart(
            f"resume: {what} differs from the run's: {first} was {was!r}, now {now!r}{more}; "
            f"a run continues as it started (its contract: {folder / CONTRACT}); "
            "start a new run for other settings"
        )


def lookup(tree, dotted: str):
    for name in dotted.split("."):
        tree = tree.get(name) if isinstance(tree, dict) else None
    return tree


def check_config(folder: Path, cfg: DictConfig, launch_dir: str | os.PathLike) -> None:
    """Refuse to continue the run in `folder` when the composed config changes its contract
    (a data set, split, model, optimizer type or framework other than the run's), and when the
    file the run read has other content now. Before anything is written (run_folder.py)."""
    contract = read(folder)
    if contract is None:
        return
    now = from_config(cfg, launch_dir)
    refuse(folder, {key: contract.get(key) for key in now}, now, "the config")
    source = (contract.get("fingerprint") or {}).get("source") or {}
    if source.get("path") and Path(source["path"]).is_file():
        if file_digest(Path(source["path"])) != source.get("sha256"):
            raise RefusedAtStart(
                f"resume: {source['path']} changed since the run read it (another sha256); "
                "a run continues on the data it started with"
            )


def bind(folder: Path, cfg: DictConfig, splits, launch_dir: str | os.PathLike) -> dict:
    """The run's contract: written now for a new run (before training), compared for a run that
    continues (its data must be the data it started with)."""
    contract = {**from_config(cfg, launch_dir), **from_data(splits)}
    existing = read(folder)
    if existing is None:
        text = json.dumps(contract, indent=2, default=str) + "\n"
        write_atomically(folder / CONTRACT, lambda file: file.write_text(text))
        return contract
    refuse(folder, existing, json.loads(json.dumps(contract, default=str)), "the data")
    return existing


# -- the data a checkpoint is measured on ------------------------------------------------------


def explicit_data(overrides) -> list[str]:
    """The command-line overrides that choose or change the data (`data=csv`, `data.path=...`)."""
    keys = [(text.split("=", 1)[0].lstrip("+~"), text) for text in overrides]
    return [text for key, text in keys if key == "data" or key.startswith("data.")]


def safe_data_config(config: dict, path: Path) -> dict:
    """A data config read from a run folder, refused unless its only `_target_` names a
    function of this project's data.py: a file in a run folder never names code to run."""
    name = config.get("_target_")
    module, _, function = str(name).rpartition(".")
    nested = [value for value in config.values() if "_target_" in json.dumps(value)]
    if module != f"{PROJECT}.data" or not function.isidentifier() or nested:
        raise RunError(
            f"ckpt_path: {path} names data that is not one of this project's data sets "
            f"({name!r}); pass data=... to choose the data"
        )
    return config


def run_data(cfg: DictConfig, checkpoint: Path, classes: list):
    """The data (a data.Splits) that `evaluate` and `predict` measure a checkpoint on: the
    data and split of the run that saved it (its contract, beside the checkpoint), its test rows
    bit for bit the rows that run held out; data given on the command line instead (`data=...`,
    `data.*=...`), said in the log; the configured data, with one line saying so, for a
    checkpoint without a contract beside it. inputs.json in the output folder says which."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.utils import instantiate

    from .. import paths

    given = explicit_data(HydraConfig.get().overrides.task) if HydraConfig.initialized() else []
    contract = read(checkpoint.parent)
    if given or contract is None:
        if given:
            log.info("Data: %s, given on the command line (not the run's own)", " ".join(given))
        else:
            log.warning(
                "No %s beside %s (a checkpoint moved out of its run folder, or trained before "
                "runs kept one): assuming the data config of this command, %s",
                CONTRACT,
                checkpoint,
                OmegaConf.to_container(cfg.data, resolve=True),
            )
        splits = instantiate(cfg.data, classes=classes)
        write_inputs("given" if given else "assumed", data_config(cfg.data, paths.original_cwd()))
        return splits
    config = safe_data_config(contract["data"], checkpoint.parent / CONTRACT)
    splits = instantiate(config, classes=classes)
    expected = contract.get("fingerprint") or {}
    if splits.fingerprint != json.loads(json.dumps(expected)):
        raise RunError(
            f"the data of the run that saved {checkpoint} changed since it trained (another "
            f"content or split than {checkpoint.parent / CONTRACT} holds); pass data=... to "
            "measure it on other data"
        )
    log.info("Data: the run's own (%s), its %d test rows", config["_target_"], len(splits.y_test))
    write_inputs("the run's", config)
    return splits


def write_inputs(which: str, config: dict) -> None:
    """inputs.json in this command's output folder: whose data it read, and its config."""
    from .. import paths

    text = json.dumps({"data": which, "config": config}, indent=2, default=str) + "\n"
    write_atomically(paths.output_dir() / INPUTS, lambda file: file.write_text(text))
