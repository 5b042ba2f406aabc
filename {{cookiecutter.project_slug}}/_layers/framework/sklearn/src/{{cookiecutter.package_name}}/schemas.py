"""The typed schemas of this project's configs (harness/config_schemas.py says how they work)."""

from .harness.config_schemas import register_shared


def register() -> None:
    register_shared()
