"""Jinja additions for this template (cookiecutter loads them through `_extensions`).

- `tojson` keeps non-ASCII characters as they are, so a free-text answer written with
  `{{ value | tojson }}` is a valid string literal in Python, YAML and TOML alike (a JSON
  `\\ud83d` surrogate escape would not be valid TOML).
- `folder_name` checks `project_slug` while the answers are rendered, before cookiecutter
  creates the project folder: a slug such as `a/b` would otherwise leave `a/` behind even
  though the pre-generation hook refuses it.
"""

from cookiecutter.exceptions import FailedHookException
from jinja2.ext import Extension

_SEPARATORS = ("/", "\\")


def folder_name(slug: str) -> str:
    """Return `slug` if it is a safe folder name; raise a one-line error otherwise."""
    if not slug.strip():
        problem = "must not be empty"
    elif slug in (".", ".."):
        problem = "must not be '.' or '..'"
    elif any(sep in slug for sep in _SEPARATORS):
        problem = "must be a folder name, without '/' or '\\'"
    elif slug != slug.strip():
        problem = "must not start or end with a space"
    elif any(not ch.isprintable() for ch in slug):
        problem = "must not contain control characters"
    else:
        return slug
    # cookiecutter's command line prints this exception as one line and exits with status 1.
    raise FailedHookException(f"Invalid project_slug {slug!r}: it {problem}.")


class TemplateExtension(Extension):
    def __init__(self, environment):
        super().__init__(environment)
        environment.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
        environment.filters["folder_name"] = folder_name
