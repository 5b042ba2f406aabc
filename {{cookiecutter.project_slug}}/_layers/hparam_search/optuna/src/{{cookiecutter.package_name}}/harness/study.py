"""The study of `hparams_search=optuna` (configs/hparams_search/optuna.yaml), checked before a
search starts: the folder of its SQLite file is made, wherever hydra.sweep.dir or
paths.output_root put the search, and a storage that cannot be used (a folder that cannot be
made, a file that is not a study database) or a study that cannot go on as asked (another
direction) stops the command with one line, before the sweep folder is made. Hydra calls this
callback (configs/hydra/default.yaml) before the sweeper opens the study."""

import logging
import os
from pathlib import Path

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, ListConfig

from .errors import error_line

SQLITE = "sqlite:///"
KEY = "hydra.sweeper.storage"


class StudyStorage(Callback):
    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        sweeper = config.hydra.sweeper
        storage = sweeper.get("storage")  # only Optuna's sweeper has one
        if not isinstance(storage, str) or not storage.startswith(SQLITE):
            return
        wanted = directions(sweeper.direction)
        if problem := storage_problem(storage, str(sweeper.study_name), wanted):
            raise SystemExit(error_line(problem))


def directions(given) -> list[str]:
    """hydra.sweeper.direction as a list: one direction or several, as text or as enums."""
    items = list(given) if isinstance(given, ListConfig | list | tuple) else [given]
    return [getattr(item, "name", str(item)).lower() for item in items]


def storage_problem(storage: str, study: str, wanted: list[str]) -> str | None:
    """What stops the study `study` in the SQLite file of `storage` (its path taken from the
    launch directory, the working directory here) from going on in the `wanted` directions;
    the file's folder is made."""
    name = storage.removeprefix(SQLITE).split("?")[0]
    if not name or name == ":memory:":
        return None
    path = Path(os.path.abspath(os.path.expanduser(name)))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return f"{KEY}: cannot make {path.parent}, the folder of the study: {error.strerror}"
    if not path.exists():
        if not os.access(path.parent, os.W_OK | os.X_OK):
            return f"{KEY}: cannot make {path} in {path.parent}: Permission denied"
        return None  # a new study: the sweeper makes the file
    return saved_study_problem(storage, path, study, wanted)


def saved_study_problem(storage: str, path: Path, study: str, wanted: list[str]) -> str | None:
    """An existing storage file: a study database that Optuna can read, whose study `study`,
    if there, optimizes in the `wanted` directions."""
    afresh = "move it away, or give another hydra.sweeper.study_name (another file)"
    alembic = logging.getLogger("alembic")  # Optuna's migrations: a line per plugin at import
    level = alembic.level
    alembic.setLevel(logging.WARNING)
    try:
        import optuna

        opened = optuna.storages.RDBStorage(storage)
    except Exception as error:  # not SQLite, damaged, of another Optuna: what it says first
        said = str(getattr(error, "orig", None) or error).strip()  # SQLAlchemy's: sqlite3's
        reason = said.splitlines()[0] if said else type(error).__name__
        return f"{KEY}: {path} is not a study database that Optuna can read ({reason}); {afresh}"
    finally:
        alembic.setLevel(level)
    try:
        saved = opened.get_study_directions(opened.get_study_id_from_name(study))
    except KeyError:  # no such study yet: the sweeper creates it
        return None
    finally:
        opened.engine.dispose()
    saved = [direction.name.lower() for direction in saved]
    if saved == wanted:
        return None
    made = ",".join(saved)
    return (
        f"hydra.sweeper.direction: the study {study!r} in {path} was made to {made}, and a "
        f"study keeps its direction: give hydra.sweeper.direction={made}, or a new "
        "hydra.sweeper.study_name for a new study"
    )
