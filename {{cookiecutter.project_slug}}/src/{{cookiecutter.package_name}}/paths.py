"""Where things are: the launch directory, user paths, the data folder, the run's output folder.

Hydra either keeps the working directory (`hydra.job.chdir=false`, the default) or moves into
the run folder (`hydra.job.chdir=true`); tests and notebooks have no Hydra run at all. These
helpers give the same answers in all three cases, so inputs are read from where the user
launched and outputs land in the run folder.

The configs name two functions of this module as OmegaConf resolvers: `checkpoint_run` (the
run folders of `evaluate` and `predict`, hydra/evaluate.yaml and hydra/predict.yaml) and
`config_groups` (what `--help` lists, hydra/default.yaml); and their YAML files start from the
typed schemas of schemas.py. Hydra needs all of them before a command's `main` runs, so they are
registered when this module is imported: the commands (train, evaluate, predict) import it, and
so does configs/__init__.py for a composition without a command (a test, a notebook).
"""

import os
import re
from importlib import resources
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from hydra.utils import get_original_cwd, to_absolute_path
from omegaconf import OmegaConf

from . import schemas
from .config_schemas import missing_file
from .errors import RunError

# the longest folder name that `checkpoint_run` gives
MAX_NAME = 100


def original_cwd() -> Path:
    """The directory `train` was launched from (outside Hydra: the current directory)."""
    if HydraConfig.initialized():
        return Path(get_original_cwd())
    return Path.cwd()


def resolve(path: str | os.PathLike) -> Path:
    """A user-given path made absolute against the launch directory; `~` is expanded."""
    return Path(to_absolute_path(os.path.expanduser(os.fspath(path))))


def existing_file(path: str | os.PathLike, key: str) -> Path:
    """`resolve(path)`, failing with a message that names the config key when no file is there."""
    file = resolve(path)
    if not file.is_file():
        raise RunError(missing_file(key, os.fspath(path)))
    return file


def data_dir(configured: str | os.PathLike = "data") -> Path:
    """The data folder (`paths.data_dir` in the config), resolved like any user path."""
    return resolve(configured)


def output_dir() -> Path:
    """This run's output folder (outside Hydra: the current directory)."""
    if HydraConfig.initialized():
        return Path(HydraConfig.get().runtime.output_dir)
    return Path.cwd()


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
    configs = resources.files(__package__).joinpath("configs")
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


def register_resolvers() -> None:
    """Make the resolvers of this module known to OmegaConf (again: replaces them)."""
    OmegaConf.register_new_resolver("checkpoint_run", checkpoint_run, replace=True)
    OmegaConf.register_new_resolver("config_groups", config_groups, replace=True)


register_resolvers()
schemas.register()
