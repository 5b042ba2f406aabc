"""Errors that the user can fix (a bad value, a missing or refused file, data that cannot be
trained on): the command prints the reason on one line and exits with status 1.
`HYDRA_FULL_ERROR=1` shows the traceback instead."""

import functools
import logging
import os
from collections.abc import Callable

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode

log = logging.getLogger(__name__)


class RunError(Exception):
    """A problem with the run's input or configuration, told in one line."""


def run_error(error: BaseException | None) -> RunError | None:
    """The RunError behind `error`, if any: Hydra's `instantiate` wraps what a `_target_`
    (a data loader, say) raises in an InstantiationException."""
    while error is not None and not isinstance(error, RunError):
        error = error.__cause__
    return error


def one_line_errors(main: Callable) -> Callable:
    """Wrap a Hydra task function: a `RunError` is logged as one line (console and the run's
    log file), then the command exits with status 1. In a multirun the error is raised again,
    so that Hydra records the failed job and goes on with the others."""

    @functools.wraps(main)
    def checked(cfg):
        try:
            return main(cfg)
        except Exception as error:
            reason = run_error(error)
            if reason is None or os.environ.get("HYDRA_FULL_ERROR") == "1":
                raise
            log.error("%s", reason)
            if HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN:
                raise
            raise SystemExit(1) from None

    return checked
