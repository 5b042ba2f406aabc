"""The run machinery: what every run gets without your code asking for it (README.md here).

Your code sits one folder up: data.py, models.py, engine.py, the commands and configs/.
"""

# the project's package, which holds this one (its configs, engine and data)
PROJECT = __name__.rpartition(".")[0]
# the framework this project was made with: a run's contract records it
FRAMEWORK = "{{ cookiecutter.framework }}"
