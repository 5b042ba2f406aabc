"""Jinja additions for this template (cookiecutter loads them through `_extensions`).

- `tojson` keeps non-ASCII characters as they are, so a free-text answer written with
  `{{ value | tojson }}` is a valid string literal in Python, YAML and TOML alike (a JSON
  `\\ud83d` surrogate escape would not be valid TOML).
- `check_answers` applies answer_rules.py once every answer is known, in cookiecutter's own
  process and before it creates the project folder: a bad answer stops with one line, exit
  status 1, and nothing on disk (a failing pre-generation hook would leave cookiecutter's
  traceback, and `a/b` as project_slug would leave `a/` behind).
"""

from cookiecutter.exceptions import FailedHookException
from jinja2.ext import Extension

from answer_rules import problems


def check_answers(answers) -> str:
    found = problems(dict(answers))
    if found:
        # cookiecutter's command line prints this exception as one line and exits with status 1
        raise FailedHookException(found[0])
    return "yes"


class TemplateExtension(Extension):
    def __init__(self, environment):
        super().__init__(environment)
        environment.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
        environment.filters["check_answers"] = check_answers
