"""The code that handles answers never runs a shell and never evaluates text: an AST scan of the
hooks, the Jinja extension and the rules, as they stand in the template."""

import ast

import pytest
from conftest import ROOT

SCANNED = [*sorted((ROOT / "hooks").glob("*.py")), ROOT / "local_extensions.py"]
SCANNED += [ROOT / "answer_rules.py"]

# calls that run a shell or evaluate text (Python or Jinja), by their full dotted name
EVALUATES = {"eval", "exec", "compile", "__import__", "importlib.import_module", "runpy.run_path"}
EVALUATES |= {"jinja2.Template", "pickle.loads", "marshal.loads"}
SHELLS = {"os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput"}
SHELL_PREFIXES = ("os.exec", "os.spawn", "os.posix_spawn", "pty.spawn")
SUBPROCESSES = {"subprocess.run", "subprocess.call", "subprocess.check_call"}
SUBPROCESSES |= {"subprocess.check_output", "subprocess.Popen"}
# a command built as a string (literal, f-string, concatenation, a call such as .format() or
# shlex.join()) would be split by a shell or by nobody: only a list of arguments is safe
STRING_COMMANDS = (ast.Constant, ast.JoinedStr, ast.BinOp, ast.Call)


def imported_names(tree: ast.AST) -> dict[str, str]:
    """{local name: full dotted name} for `import a.b as c` and `from a import b as c`."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.asname: alias.name for alias in node.names if alias.asname}
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def dotted(node: ast.AST, imported: dict[str, str]) -> str:
    """The full dotted name of what a call calls (`os.system`, `eval`), or '' if computed."""
    if isinstance(node, ast.Name):
        return imported.get(node.id, node.id)
    if isinstance(node, ast.Attribute):
        owner = dotted(node.value, imported)
        return f"{owner}.{node.attr}" if owner else f".{node.attr}"
    return ""


def dangers(source: str) -> list[str]:
    """One line per call that runs a shell or evaluates text."""
    tree = ast.parse(source)
    imported = imported_names(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = dotted(node.func, imported)
        where = f"line {node.lineno}: {name or 'a computed callable'}"
        for keyword in node.keywords:
            is_false = isinstance(keyword.value, ast.Constant) and keyword.value.value is False
            if keyword.arg == "shell" and not is_false:
                found.append(f"{where}(shell=...) runs a shell")
        if name in EVALUATES or name.endswith(".from_string"):
            found.append(f"{where}() evaluates text")
        if name in SHELLS or name.startswith(SHELL_PREFIXES):
            found.append(f"{where}() runs a shell or replaces the process")
        command = node.args[0] if node.args else None
        command = next((k.value for k in node.keywords if k.arg == "args"), command)
        if name in SUBPROCESSES and isinstance(command, STRING_COMMANDS):
            found.append(f"{where}() with a command built as a string")
    return found


@pytest.mark.parametrize("path", SCANNED, ids=lambda path: path.name)
def test_no_shell_and_no_evaluation_in_the_code_that_handles_answers(path):
    assert dangers(path.read_text()) == []


@pytest.mark.parametrize(
    "snippet",
    [
        "import subprocess\nsubprocess.run(['git', 'commit', '-m', message], shell=True)",
        "import subprocess as sp\nsp.run(f'git commit -m {message}')",
        "from subprocess import check_output\ncheck_output('git config user.name ' + name)",
        "import subprocess\nsubprocess.Popen(args='git {}'.format(name))",
        "import os\nos.system(command)",
        "from os import popen as run\nrun(command)",
        "import os\nos.execvp('sh', ['sh', '-c', command])",
        "import subprocess\nsubprocess.getoutput(command)",
        "eval(answers['version'])",
        "exec(code)",
        "environment.from_string(answers['description']).render()",
        "import jinja2\njinja2.Template(answer).render()",
    ],
)
def test_the_scan_finds_each_kind_of_danger(snippet):
    assert len(dangers(snippet)) == 1, dangers(snippet)


def test_the_scan_lets_a_list_of_arguments_through():
    safe = "import subprocess\nsubprocess.run(['git', 'init'], capture_output=True, shell=False)"
    assert dangers(safe + "\nsubprocess.run(command, capture_output=True)") == []
