"""Jinja additions for this template (cookiecutter loads them through `_extensions`).

- `tojson` keeps non-ASCII characters as they are, so a free-text answer written with
  `{{ value | tojson }}` is a valid string literal in Python, YAML and TOML alike (a JSON
  `\\ud83d` surrogate escape would not be valid TOML).
- `check_answers` applies answer_rules.py once every answer is known, in cookiecutter's own
  process and before it creates the project folder: a bad answer stops with one line, exit
  status 1, and nothing on disk (a failing pre-generation hook would leave cookiecutter's
  traceback, and `a/b` as project_slug would leave `a/` behind). cookiecutter.json's last
  prompt, `__answers_are_valid`, calls it when the prompts end.
- `preprocess` sees every template before Jinja parses it, and does two things there:
  - The project folder's name is the one template that cookiecutter renders in every mode
    (prompts, --replay, --replay-file, --accept-hooks no) right before it creates the folder:
    the answers are checked there again. Replayed answers skip the prompts, and with them
    `__answers_are_valid`.
  - cookiecutter renders an answer given as key=value (or in a user config) as a Jinja
    template. One that is not valid Jinja (`a{{b`) would stop it with a traceback; it is kept
    as the text it is instead, and `check_answers` refuses it, naming its field.

cruft renders with cookiecutter's own functions (`prompt_for_config`, `generate_files`) and the
template's extensions, so both checks run under `cruft create` and `cruft update` too.
"""

import sys

from cookiecutter.exceptions import FailedHookException
from jinja2 import TemplateSyntaxError, pass_environment
from jinja2.ext import Extension

from answer_rules import problems

# the template's project folder, whose name cookiecutter renders then creates
PROJECT_FOLDER = "{{cookiecutter.project_slug}}"
CHECKED_PROJECT_FOLDER = "{% if cookiecutter | check_answers %}{% endif %}" + PROJECT_FOLDER


def jinja_string(text: str) -> str:
    """A Jinja string literal whose value is `text` (Jinja reads its escapes as Python does)."""
    return '"' + text.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'


def not_jinja_problems(answers, not_jinja: set[str]) -> list[str]:
    return [
        f"Invalid {field} {value!r}: it is not valid Jinja, and cookiecutter renders an answer"
        " given as key=value as a Jinja template (type it at the prompt instead)."
        for field, value in answers.items()
        if isinstance(value, str) and value in not_jinja
    ]


def refuse(message: str):
    """Stop with `message`. cookiecutter's command line prints a FailedHookException as one
    line and exits with status 1. cruft's command line (typer) prints any exception but its own
    as a long traceback: under it, the line is printed here and typer's Exit ends the command
    with status 1 and nothing more (cookiecutter still removes a folder it made, as for any
    exception)."""
    if "cruft._cli" in sys.modules:
        import typer  # what cruft's command line runs on

        print(message, file=sys.stderr)
        raise typer.Exit(1)
    raise FailedHookException(message)


@pass_environment
def check_answers(environment, answers) -> str:
    found = not_jinja_problems(answers, environment.answers_not_jinja) + problems(dict(answers))
    if found:
        refuse(found[0])
    return "yes"


class TemplateExtension(Extension):
    def __init__(self, environment):
        super().__init__(environment)
        environment.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
        environment.filters["check_answers"] = check_answers
        environment.extend(answers_not_jinja=set())
        self.compiling = False

    def is_jinja(self, source: str) -> bool:
        """Whether Jinja compiles `source`: its syntax, and filters and tests that exist."""
        self.compiling = True  # compile() calls preprocess() again
        try:
            self.environment.compile(source)
        except TemplateSyntaxError:
            return False
        finally:
            self.compiling = False
        return True

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        if source == PROJECT_FOLDER:
            return CHECKED_PROJECT_FOLDER
        # answers and defaults are rendered from strings (no name); template files have names
        if name is None and not self.compiling and not self.is_jinja(source):
            self.environment.answers_not_jinja.add(source)
            return "{{ " + jinja_string(source) + " }}"
        return source
