"""What a run shows on the console: the config as a tree at its start, a progress bar per epoch.

Progress bars are drawn only for a person at a terminal: not when the output goes to a file or
a pipe (CI logs), not in sweep jobs (several would draw over each other), not in the other
processes of a multi-process run. Colour follows the same rule, and NO_COLOR=1 turns it off.
"""

import io
import logging
import os
import sys
from collections.abc import Iterable, Iterator
from importlib import resources

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from . import PROJECT

log = logging.getLogger(__name__)


def interactive() -> bool:
    """True when a person watches this process's output: a terminal, a single run (not a sweep
    job) and the main process (multi-process launchers give the others a RANK)."""
    if not sys.stdout.isatty() or os.environ.get("TERM") == "dumb":
        return False
    if HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN:
        return False
    return os.environ.get("RANK", os.environ.get("LOCAL_RANK", "0")) == "0"


def progress(items: Iterable, description: str) -> Iterable:
    """`items` as they are, with a progress bar while they are consumed when interactive().
    The bar disappears when done: the epoch's log line stays."""
    return _with_bar(items, description) if interactive() else items


def _with_bar(items: Iterable, description: str) -> Iterator:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    columns = (description, BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, transient=True) as bar:
        yield from bar.track(items, total=len(items))


def config_tree(cfg: DictConfig, choices: dict[str, str], full: bool = False) -> str:
    """The config as text drawn as a tree: the option chosen in each config group, or with
    `full` every key of the resolved config. Plain text, no colour: it goes to the log file."""
    from rich.console import Console
    from rich.tree import Tree

    tree = Tree("config" if full else "config groups")
    if full:
        _add_branches(tree, OmegaConf.to_container(cfg, resolve=True))
    else:
        for group, option in sorted(choices.items()):
            if not group.startswith("hydra/") and option is not None:
                tree.add(f"{group}: {option}")
    text = io.StringIO()
    Console(file=text, width=100, color_system=None, emoji=False).print(tree)
    return text.getvalue().rstrip()


def _add_branches(tree, node) -> None:
    for key, value in node.items():
        if isinstance(value, dict) and value:
            _add_branches(tree.add(str(key)), value)
        else:
            tree.add(f"{key}: {value}")


def show_config(cfg: DictConfig) -> None:
    """Log the chosen config groups at INFO and the whole resolved config at DEBUG."""
    choices = dict(HydraConfig.get().runtime.choices) if HydraConfig.initialized() else {}
    # optional groups with no file for their choice (data_model, local) are left out
    configs = resources.files(PROJECT).joinpath("configs")
    choices = {g: o for g, o in choices.items() if configs.joinpath(g, f"{o}.yaml").is_file()}
    log.info("%s", config_tree(cfg, choices))
    if log.isEnabledFor(logging.DEBUG):
        log.debug("%s", config_tree(cfg, choices, full=True))
