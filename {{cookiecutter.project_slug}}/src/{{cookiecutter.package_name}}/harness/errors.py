"""Errors that the user can fix (a bad value, a missing or refused file, data that cannot be
trained on): the command prints the reason on one line and exits with status 1, as early as the
error can be seen. `HYDRA_FULL_ERROR=1` shows the traceback instead; so does a bug.

Two wrappers of a command's `main` do it:
- `one_line_command`, around Hydra's: errors of composition (a misspelled key, a value of the
  wrong type: the schemas of config_schemas.py), of the config checks that run before the run
  folder is made (`CheckedConfig`), and of the run folder itself;
- `one_line_errors`, inside Hydra's: errors of the run, also logged into the run's log file; the
  run folder's state (run_state.py) says failed, with the reason, or interrupted, so no one takes
  it for a finished run.
"""

import functools
import logging
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import fields, is_dataclass
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from hydra.errors import HydraException
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig
from omegaconf.errors import ConfigAttributeError, ConfigKeyError, OmegaConfBaseException

from . import run_state
from .config_schemas import problems

log = logging.getLogger(__name__)

FULL_ERROR = "HYDRA_FULL_ERROR"
# what the user set HYDRA_FULL_ERROR to, kept while `one_line_command` sets it for Hydra (child
# processes, a sweep's workers among them, inherit both)
USERS_FULL_ERROR = "HYDRA_FULL_ERROR_GIVEN"


class RunError(Exception):
    """A problem with the run's input or configuration, told in one line."""


class RefusedAtStart(RunError):
    """A RunError raised before the run changed its folder, whose state then stays what it was:
    the folder may hold a finished run that this one was to continue (resume.py)."""


class Interrupted(RunError):
    """Training stopped by a signal; the message says how to continue the run (resume.py)."""


def full_trace_wanted() -> bool:
    return os.environ.get(USERS_FULL_ERROR, os.environ.get(FULL_ERROR)) == "1"


def causes(error: BaseException | None) -> Iterator[BaseException]:
    """`error`, then what caused it, in turn."""
    while error is not None:
        yield error
        error = error.__cause__


def run_error(error: BaseException | None) -> RunError | None:
    """The RunError behind `error`, if any: Hydra's `instantiate` wraps what a `_target_`
    (a data loader, say) raises in an InstantiationException."""
    return next((cause for cause in causes(error) if isinstance(cause, RunError)), None)


def one_line(error: BaseException) -> str | None:
    """The reason for `error` on one line, when the user can fix it; None for a bug."""
    if (reason := run_error(error)) is not None:
        return str(reason)
    if isinstance(error, ValueError) and str(error).startswith("Only one of --run, --multirun"):
        return (  # Hydra's, before any config: `-m --cfg job`, say
            "give only one of -m (--multirun), --cfg, --info and --shell-completion; for "
            "the config of a sweep's job, leave out -m and give one value per key"
        )
    for cause in causes(error):
        if isinstance(cause, OmegaConfBaseException) and getattr(cause, "full_key", None):
            key, schema = cause.full_key, getattr(cause, "object_type", None)
            if isinstance(cause, ConfigKeyError | ConfigAttributeError) and is_dataclass(schema):
                known = ", ".join(entry.name for entry in fields(schema))  # a misspelled key?
                return f"{key}: no such key; the keys here: {known} (+{key}=... adds one)"
            return f"{key}: {cause.msg.strip().splitlines()[0]}"
    for cause in causes(error):
        if type(cause).__name__ == "TerminatedWorkerError":  # joblib: a sweep job's process died
            from .run_folder import lost_jobs

            return lost_jobs(cause)
    for cause in causes(error):
        if isinstance(cause, OSError) and cause.filename:  # a folder Hydra makes, a full disk
            return f"{cause.filename}: {cause.strerror}"
    if isinstance(error, HydraException):  # an override that does not parse, a missing option
        text = str(error).split("Config search path")[0]  # (where Hydra looked: not the point)
        return " ".join(line.strip() for line in text.splitlines() if line.strip())
    return None


def error_line(reason: str) -> str:
    """The line a command stops with: `<command>: error: <reason>`."""
    return f"{Path(sys.argv[0]).name}: error: {reason}"


def one_line_command(main: Callable) -> Callable:
    """Wrap a command's `main` (Hydra's): an error the user can fix is printed as one line
    `<command>: error: <reason>` on stderr, exit status 1. Hydra would print several lines and
    a hint; with HYDRA_FULL_ERROR=1 it raises the error instead, which is set for it here."""

    @functools.wraps(main)
    def command(*config):
        given = {name: os.environ.get(name) for name in (FULL_ERROR, USERS_FULL_ERROR)}
        os.environ.setdefault(USERS_FULL_ERROR, given[FULL_ERROR] or "0")
        os.environ[FULL_ERROR] = "1"
        try:
            return main(*config)
        except Exception as error:
            reason = one_line(error)
            if reason is None or full_trace_wanted():
                raise
            print(error_line(reason), file=sys.stderr)
            raise SystemExit(1) from None
        finally:
            for name, value in given.items():  # as they were: a test may call main again
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    return command


def check(cfg: DictConfig, launch_dir: str | None = None) -> None:
    """Raise a RunError with the first problem of a composed config, if any (config_schemas)."""
    found = problems(cfg, launch_dir)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise RunError(found[0] + more)


class CheckedConfig(Callback):
    """Checks the composed config before Hydra makes the run (or sweep) folder: a value out of
    its range or still `???` stops the command with nothing written."""

    def on_run_start(self, config: DictConfig, **kwargs) -> None:
        self.stop_at_a_problem(config)

    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        self.stop_at_a_problem(config)  # what every job shares; each job checks its own values

    @staticmethod
    def stop_at_a_problem(config: DictConfig) -> None:
        # Hydra turns an Exception raised here into a warning and goes on: SystemExit it is.
        # Before the run, the working directory is still the launch directory.
        try:
            check(config, launch_dir=os.getcwd())
        except RunError as error:
            raise SystemExit(error_line(str(error))) from None


def ended(run: run_state.Writer, error: Exception, reason: RunError | None) -> None:
    """Record how the run of `run` ended by `error`: interrupted by a signal, refused before
    it changed its folder (the state it had stays), or failed, with the reason in one line."""
    if isinstance(reason, Interrupted):
        run.end(run_state.INTERRUPTED, str(reason))
    elif isinstance(reason, RefusedAtStart):
        run.restore()
    else:
        run.end(run_state.FAILED, str(reason) if reason else f"{type(error).__name__}: {error}")


def one_line_errors(main: Callable) -> Callable:
    """Wrap a Hydra task function: it runs holding its output folder (one writer at a time),
    whose state says running, then finished; the config is checked first (a sweep's job has its
    own values); a `RunError` is logged as one line (console and the run's log file), the state
    says failed (or interrupted) with that line, then the command exits with status 1. In a
    multirun the error is raised again, so that Hydra records the failed job and goes on with
    the others."""

    @functools.wraps(main)
    def checked(cfg):
        out = Path(HydraConfig.get().runtime.output_dir) if HydraConfig.initialized() else None
        with run_state.writer(out) as run:
            try:
                check(cfg)
                result = main(cfg)
            except Exception as error:
                reason = run_error(error)
                ended(run, error, reason)
                if reason is None or full_trace_wanted():
                    raise
                log.error("%s", reason)
                if HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN:
                    raise
                raise SystemExit(1) from None
            run.end(run_state.FINISHED)
            return result

    return checked
