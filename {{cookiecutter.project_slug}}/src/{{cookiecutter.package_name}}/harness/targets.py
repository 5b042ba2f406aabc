"""The keys each `_target_` of a composed config takes (its signature), checked right after
composition with config_schemas.py's checks: a key that `instantiate` would refuse with a
TypeError is one line that names the arguments the target does take. A few keys of configs
without a schema are read by the project's code itself, not by the target (run_setting)."""

import difflib
import importlib
import inspect
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from typing import Any

from omegaconf import DictConfig, OmegaConf

# `check(name, value, node, launch_dir)`: the problem of a value, in one line, or None
Check = Callable[[str, Any, DictConfig, str | None], str | None]

# keys of a config without a schema that the project's code reads itself, not the config's
# `_target_` (model.compile): (the config's path, the key) -> the check of its value
RUN_SETTINGS: dict[tuple[str, str], Check] = {}


def run_setting(path: str, key: str, check: Check) -> None:
    """Declare `key` of the config at `path` one that the code reads itself (run_settings)."""
    RUN_SETTINGS[(path, key)] = check


def arguments_problems(node: DictConfig, path: str) -> list[str]:
    """The keys of `node` (and of the configs inside it) that the `_target_` they are given
    to does not take, as its signature says: `instantiate` would stop the run with a
    TypeError. A key that the node's schema declares is taken as it is; a target is imported
    only for the other keys (a misspelled `+optimizer.lrr=0.1`, any key of model/ or
    scheduler/, which have no schema)."""
    found = []
    for key in node:
        child = node._get_node(key)
        if isinstance(child, DictConfig) and not child._is_none():
            found += arguments_problems(node[key], f"{path}.{key}")
    if "_target_" not in node or OmegaConf.is_missing(node, "_target_"):
        return found
    schema = OmegaConf.get_type(node)
    declared = {entry.name for entry in fields(schema)} if is_dataclass(schema) else set()
    declared |= {key for (at, key) in RUN_SETTINGS if at == path}
    given = [str(key) for key in node if not str(key).startswith("_") and key not in declared]
    taken = arguments(str(node["_target_"])) if given else None
    for key in [key for key in given if taken is not None and key not in taken]:
        close = difflib.get_close_matches(key, taken, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        found.append(
            f"{path}.{key}: {node['_target_']} takes no argument {key!r}{hint}; "
            f"it takes {', '.join(taken)}"
        )
    return found


def arguments(target: str) -> list[str] | None:
    """The names of the keyword arguments that `target` (a dotted name) takes; None when it
    takes any (**kwargs) or cannot be found here: `instantiate` then tells what it finds."""
    try:
        parameters = inspect.signature(locate(target)).parameters.values()
    except Exception:  # not importable, no signature: not for this check to judge
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return None
    keyword = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return [p.name for p in parameters if p.kind in keyword]


def locate(target: str) -> Any:
    """What a dotted name names: its longest importable module, then attributes."""
    parts = target.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            found = getattr(found, name)
        return found
    raise ImportError(f"no module in {target!r}")
