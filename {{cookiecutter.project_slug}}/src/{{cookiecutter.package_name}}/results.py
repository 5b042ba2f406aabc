"""A run's final results, the same for every entry point: metrics.json in the run folder, and
the two log lines that tell the user where the run folder is and how well the model did."""

import json
import logging

from {{ cookiecutter.package_name }} import paths

log = logging.getLogger(__name__)


def save(metrics: dict[str, float]) -> None:
    out = paths.output_dir()
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    log.info("Run folder: %s", out)
    log.info("test_acc: %.4f", metrics["test_acc"])
