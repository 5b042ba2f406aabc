"""Where things are: the launch directory, user paths, the data folder, the run's output folder.

Hydra either keeps the working directory (`hydra.job.chdir=false`, the default) or moves into
the run folder (`hydra.job.chdir=true`); tests and notebooks have no Hydra run at all. These
helpers give the same answers in all three cases, so inputs are read from where the user
launched and outputs land in the run folder.

Importing this module also registers what the YAML files name besides your code: the OmegaConf
resolvers of harness/resolvers.py and the typed schemas of schemas.py. Hydra needs them before a
command's `main` runs: the commands (train, evaluate, predict) import this module, and so does
configs/__init__.py for a composition without a command (a test, a notebook).
"""

import os
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from hydra.utils import get_original_cwd, to_absolute_path

from .harness import resolvers
from .harness.config_schemas import missing_file
from .harness.errors import RunError


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


resolvers.register()
