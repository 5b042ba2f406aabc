"""The last check of the answers before cookiecutter writes the project's files.

local_extensions.py has checked them twice by now: when the prompts end, and when cookiecutter
rendered the project folder's name (the check that also covers --replay and --replay-file, which
skip the prompts). This hook is the backstop should either check be lost: cookiecutter renders
it with the template's extensions, so the filter in the string below runs answer_rules.py in
cookiecutter's own process. A bad answer stops the rendering: cookiecutter removes the project
folder it has just created and exits with status 1 (its traceback first, the reason last).
"""

import sys

# "yes" once rendered; as it stands (never rendered, never checked) the hook refuses
ANSWERS_ARE_VALID = "{{ cookiecutter | check_answers }}"

if __name__ == "__main__":
    sys.exit(0 if ANSWERS_ARE_VALID == "yes" else 1)
