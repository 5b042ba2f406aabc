"""Hydra configs, shipped inside the package so `train` finds them from any directory."""
