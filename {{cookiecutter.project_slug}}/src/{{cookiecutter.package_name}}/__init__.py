"""Models trained and evaluated with Hydra configs: train.py, evaluate.py and configs/."""

__version__ = "{{ cookiecutter.version }}"
