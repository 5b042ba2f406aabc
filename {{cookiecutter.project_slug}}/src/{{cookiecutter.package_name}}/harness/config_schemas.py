"""Typed schemas under the YAML configs, so that a wrong value stops a command in the time of
`--cfg job`, with one line naming its key, before anything heavy is imported or read.

Each schema is a dataclass stored in Hydra's ConfigStore as `schema/<group>/<option>`; the YAML
file of that option starts from it (`defaults: [/schema/data/digits@_here_, _self_]`). Hydra then
refuses, while it composes, a key that the schema does not have (a misspelling) and a value that
is not of the key's type (`trainer.max_epochs=abc`). What a type cannot say, a range (a fraction
in (0, 1), a batch size of at least 1, a device that must be there: `checked`) is declared on
the field and checked by `problems` right after composition, before the run folder exists
(errors.py: the `CheckedConfig` callback of hydra/default.yaml, and `one_line_errors` in each job
of a sweep); so is each key given to a `_target_`, against its signature.

This module holds the schemas of every project (paths, data); `schemas.py` registers them with
the framework's own (trainer, optimizer, ...) when paths.py is imported.
"""

import math
import os
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from hydra.utils import to_absolute_path
from omegaconf import DictConfig, OmegaConf

from .targets import RUN_SETTINGS, Check, arguments_problems


@dataclass(frozen=True)
class Range:
    """Bounds of a number; `None`: no bound on that side."""

    low: float | None = None
    high: float | None = None
    open_low: bool = False  # (low, ...: low itself is refused
    open_high: bool = False

    def holds(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if self.low is not None and (value <= self.low if self.open_low else value < self.low):
            return False
        return self.high is None or (value < self.high if self.open_high else value <= self.high)

    def __str__(self) -> str:
        if self.high is None:
            return f"{'>' if self.open_low else '>='} {self.low}"
        left, right = "(" if self.open_low else "[", ")" if self.open_high else "]"
        return f"in {left}{self.low}, {self.high}{right}"


def ranged(default: Any, allowed: Range) -> Any:
    """A dataclass field with a default value and the range its values must be in."""
    return field(default=default, metadata={"range": allowed})


def fraction(default: float) -> Any:
    """A share of something: in (0, 1)."""
    return ranged(default, Range(0, 1, open_low=True, open_high=True))


def positive(default: float) -> Any:
    return ranged(default, Range(0, open_low=True))


def at_least(low: int, default: int | None) -> Any:
    return ranged(default, Range(low))


def one_of(default: str, choices: tuple[str, ...]) -> Any:
    """A value out of a few, e.g. "min" or "max"."""
    return field(default=default, metadata={"choices": choices})


# what numpy (and every library that seeds from it) takes as a random seed: 0 to 2**32 - 1
SEEDS = Range(0, 2**32 - 1)


def a_seed(default: int) -> Any:
    return ranged(default, SEEDS)


def checked(default: Any, check: Check) -> Any:
    """A value that `check` judges (a device that must be there, say); it may import what it
    needs, which it should do only for the values that need it."""
    return field(default=default, metadata={"check": check})


def input_file(default: str) -> Any:
    """The path of a file the command reads: it must be there."""
    return field(default=default, metadata={"input_file": True})


def store(group: str, name: str, node: type) -> None:
    """Register `node` as the schema of the option `name` of `group`."""
    ConfigStore.instance().store(group=f"schema/{group}", name=name, node=node)


# -- the schemas of every project ------------------------------------------------------------


def output_root_problem(
    name: str, value: Any, node: DictConfig, launch_dir: str | None
) -> str | None:
    """The root of the run folders: not empty, not the root of the file system, where
    `${paths.output_root}/runs/...` would put them."""
    where = os.path.normpath(absolute(str(value), launch_dir)) if str(value).strip() else None
    if where is not None and os.path.dirname(where) != where:
        return None
    given = "it is empty" if where is None else f"{value!r} is the root of the file system"
    return (
        f"{name}: {given}, so run folders would land in {os.sep}runs; "
        f"give a folder, e.g. {name}=outputs"
    )


@dataclass
class Paths:
    data_dir: str = "data"
    output_root: str = checked("outputs", output_root_problem)


@dataclass
class Split:
    """What every data set has: its loader and how it is split; `limit` keeps the first N
    training samples (None: all)."""

    _target_: str = "???"
    val_fraction: float = fraction(0.15)
    test_fraction: float = fraction(0.2)
    split_seed: int = a_seed(0)
    limit: int | None = at_least(1, None)


@dataclass
class Digits(Split):
    _target_: str = "{{ cookiecutter.package_name }}.data.load_digits"


@dataclass
class Csv(Split):
    _target_: str = "{{ cookiecutter.package_name }}.data.load_csv"
    path: str = input_file("???")
    target_column: str = "label"
    input_shape: list[int] | None = None


def register_shared() -> None:
    store("paths", "default", Paths)
    store("data", "digits", Digits)
    store("data", "csv", Csv)


# -- the checks after composition -------------------------------------------------------------

# keys of the primary configs (train.yaml, eval.yaml, predict.yaml) and their types; the
# primary configs have no schema, as their groups differ from command to command
TOP_LEVEL = {"seed": int, "optimized_metric": str, "run_name": str}
TOP_LEVEL_RANGES = {"seed": SEEDS}
# top-level keys that name a file to read: the checkpoint of evaluate and predict, predict's rows
TOP_LEVEL_FILES = ("ckpt_path", "input")


def problems(cfg: DictConfig, launch_dir: str | None = None) -> list[str]:
    """What is wrong with a composed config (Hydra's own settings left out), one line each:
    a value still `???`, a top-level value of the wrong type, a value out of its range, a file
    to read that is not there; when there is none of those, a key that the `_target_` of its
    config does not take (`arguments_problems`)."""
    found = []
    for key in cfg:
        if key == "hydra":
            continue
        if OmegaConf.is_missing(cfg, key):
            found.append(f"{key}: no value given (it is ???): add {key}=... to the command")
        elif isinstance(cfg._get_node(key), DictConfig):
            found += _node_problems(cfg[key], str(key), launch_dir)
        elif key in TOP_LEVEL and cfg[key] is not None:
            value, kind = cfg[key], TOP_LEVEL[key]
            if not isinstance(value, kind) or isinstance(value, bool):
                found.append(f"{key}: {value!r} is not {'an integer' if kind is int else 'text'}")
            elif key in TOP_LEVEL_RANGES and not TOP_LEVEL_RANGES[key].holds(value):
                found.append(f"{key}: {value} is out of range: it must be {TOP_LEVEL_RANGES[key]}")
        elif key in TOP_LEVEL_FILES and cfg[key] is not None:
            if not Path(absolute(str(cfg[key]), launch_dir)).is_file():
                found.append(missing_file(str(key), str(cfg[key]), launch_dir))
    if found:  # the keys of `_target_`s only then: it imports the targets (heavy libraries)
        return found
    for key in cfg:
        if key != "hydra" and isinstance(cfg._get_node(key), DictConfig):
            found += arguments_problems(cfg[key], str(key))
    return found


def _node_problems(node: DictConfig, path: str, launch_dir: str | None) -> list[str]:
    found = []
    schema = OmegaConf.get_type(node)
    declared = (
        {entry.name: entry.metadata for entry in fields(schema)} if is_dataclass(schema) else {}
    )
    for key in node:
        name = f"{path}.{key}"
        if OmegaConf.is_missing(node, key):
            found.append(f"{name}: no value given (it is ???): add {name}=... to the command")
            continue
        child, rules = node._get_node(key), declared.get(key, {})
        if (path, key) in RUN_SETTINGS:
            rules = {"check": RUN_SETTINGS[(path, key)]}
        if isinstance(child, DictConfig):
            if not child._is_none():  # a config set to null (trainer.early_stopping=null)
                found += _node_problems(child, name, launch_dir)
            continue
        # only a checked value is read: another may name ${hydra:...}, not set before the run
        value = node[key] if rules else None
        if value is None:
            continue
        if "range" in rules and not rules["range"].holds(value):
            found.append(f"{name}: {value} is out of range: it must be {rules['range']}")
        elif "choices" in rules and value not in rules["choices"]:
            found.append(f"{name}: {value!r} is not one of {', '.join(rules['choices'])}")
        elif rules.get("input_file") and not Path(absolute(value, launch_dir)).is_file():
            found.append(missing_file(name, value, launch_dir))
        elif "check" in rules and (problem := rules["check"](name, value, node, launch_dir)):
            found.append(problem)
    return found


def absolute(path: str, launch_dir: str | None = None) -> str:
    """A user's path made absolute against `launch_dir`, by default the launch directory of
    the current run (as paths.resolve does)."""
    path = os.path.expanduser(path)
    return os.path.join(launch_dir, path) if launch_dir else to_absolute_path(path)


def missing_file(key: str, path: str, launch_dir: str | None = None) -> str:
    """The one line for a file that is not there: where it was looked for, and why there."""
    where = os.path.normpath(absolute(path, launch_dir))
    if os.path.isabs(os.path.expanduser(path)):
        return f"{key}: no file at {where}"
    launched = os.path.dirname(absolute("x", launch_dir))
    return f"{key}: no file at {where} ({path!r} is taken from the launch directory {launched})"
