"""{{ cookiecutter.package_name }}: train and evaluate models configured with Hydra."""

__version__ = "{{ cookiecutter.version }}"
