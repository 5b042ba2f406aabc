"""Hydra configs, shipped inside the package so `train` finds them from any directory.

Their YAML files use the resolvers and typed schemas that paths.py registers as it is imported:
a composition without a command (a test, a notebook) imports this package first."""

from .. import paths  # noqa: F401 (imported for what it registers)
