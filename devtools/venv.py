"""Virtual environments for baked projects, installed the way a user installs them.

`python -m devtools.venv PATH` makes one at PATH (`make demo` does, for the demo project)."""

import subprocess
import sys
import sysconfig
from pathlib import Path


def make_venv(venv: Path) -> Path:
    """A fresh virtual environment that sees this environment's packages (torch, hydra, ...)
    through a .pth file, so installing a baked project into it installs just that project."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    ask = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    purelib = subprocess.run(
        [venv / "bin" / "python", "-c", ask], capture_output=True, text=True, check=True
    ).stdout.strip()
    Path(purelib, "template-env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def pip_install(venv: Path, *requirements: str) -> None:
    """`pip install` into `venv` with this environment's pip, as a user would into their own."""
    command = [sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install"]
    done = subprocess.run([*command, "--quiet", *requirements], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"pip install {' '.join(requirements)} failed:\n{done.stderr}")


if __name__ == "__main__":
    make_venv(Path(sys.argv[1]))
