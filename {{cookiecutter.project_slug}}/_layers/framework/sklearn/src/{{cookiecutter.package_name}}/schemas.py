"""The typed schemas of this project's configs (config_schemas.py says how they work)."""

from .config_schemas import register_shared


def register() -> None:
    register_shared()
