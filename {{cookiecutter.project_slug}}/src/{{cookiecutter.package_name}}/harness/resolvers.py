"""The OmegaConf resolvers that the configs name: `checkpoint_run` (the run folders of `evaluate`
and `predict`, hydra/evaluate.yaml and hydra/predict.yaml) and `config_groups` (what `--help`
lists, hydra/default.yaml). `register` makes them known, with the typed schemas of schemas.py;
importing paths.py calls it, since Hydra needs both before a command's `main` runs."""

import os
import re
from importlib import resources
from pathlib import Path

from omegaconf import OmegaConf

from .. import schemas
from . import PROJECT

# the longest folder name that `checkpoint_run` gives
MAX_NAME = 100


def checkpoint_run(ckpt_path: str | None, output_root: str, cwd: str) -> str:
    """A folder name for the training run that saved the checkpoint `ckpt_path`: its run folder's
    path below `output_root`, the parts joined by `_`, less the leading `runs`. So
    `outputs/runs/2026-11-30/21-44-12-123456/checkpoint.pt` gives `2026-11-30_21-44-12-123456`
    and a sweep's job `outputs/multiruns/2026-11-30/21-44-12-123456/3/checkpoint.pt` gives
    `multiruns_2026-11-30_21-44-12-123456_3`; a checkpoint anywhere else, its folder's name.
    Relative paths are taken from `cwd` (the launch directory). Every character but letters,
    digits, `.`, `-` and `_` becomes `_`, and the name is one folder of at most MAX_NAME
    characters, whatever the path; no checkpoint given (`???`): `no_checkpoint`."""
    if ckpt_path is None:  # the command then stops, naming the missing key
        return "no_checkpoint"

    def absolute(path) -> Path:
        return Path(os.path.normpath(Path(cwd, os.path.expanduser(str(path)))))

    return run_name(absolute(ckpt_path).parent, absolute(output_root))


def run_name(folder: Path, output_root: Path) -> str:
    """The name of the run in `folder` (absolute, as `output_root`): its path below
    `output_root`, the parts joined by `_`, less the leading `runs`; elsewhere its folder's
    name; one safe folder name (see `checkpoint_run`). Trackers and summary.json know a
    training run by it, and its evaluations and predictions are filed under it."""
    parts = folder.relative_to(output_root).parts if folder.is_relative_to(output_root) else ()
    parts = (parts[1:] if parts[:1] == ("runs",) else parts) or (folder.name,)
    name = re.sub(r"[^A-Za-z0-9._-]", "_", "_".join(parts)).lstrip(".-")[:MAX_NAME]
    return name or "checkpoint"


def config_groups(choices) -> str:
    """The `Config groups` of `--help`: one line per group of the command's defaults list
    (`choices`, Hydra's `hydra.runtime.choices`) that has options in configs/, with its options,
    as Hydra's `$APP_CONFIG_GROUPS` writes them. Hydra's own list would name every group of
    configs/, also those that `evaluate` and `predict` do not read (model, optimizer, ...)."""
    configs = resources.files(PROJECT).joinpath("configs")
    lines = []
    for group in sorted(choices):
        if group == "hydra" or group.startswith("hydra/"):  # Hydra's own: --hydra-help
            continue
        folder = configs.joinpath(group)
        names = [f.name for f in folder.iterdir()] if folder.is_dir() else []
        options = sorted(name.removesuffix(".yaml") for name in names if name.endswith(".yaml"))
        if options:
            lines.append(f"{group}: {', '.join(options)}\n".replace("$", "$$"))
    return "".join(lines)


def register() -> None:
    """Make the resolvers of this module known to OmegaConf and the schemas of schemas.py to
    Hydra's ConfigStore (again: replaces them)."""
    OmegaConf.register_new_resolver("checkpoint_run", checkpoint_run, replace=True)
    OmegaConf.register_new_resolver("config_groups", config_groups, replace=True)
    schemas.register()
