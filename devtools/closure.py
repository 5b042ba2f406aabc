"""devtools/dependency_closure.json: what the generated projects' requirements resolve to at the
lowest and at the newest versions their pins allow, on every platform and Python, and the import
names of each distribution in there. tests/test_taken_names.py checks taken_names.txt against it.

Why a record: the test walk of tests/test_taken_names.py sees the one closure installed in the
test environment (this Python, this platform, today's releases). The names that a user's install
brings also depend on the Python, the platform and the day: an old lower bound pulls old
dependencies (SQLAlchemy 1.4's greenlet, mlflow 2's databricks-cli), a new release adds new ones.
Resolving them takes the network and minutes, so `make test` reads this file instead (offline,
in a second), and fails when the template's pins no longer match the requirements recorded here.

`python -m devtools.closure` (needs PyPI) rewrites the file:
- bakes each set of answers in BAKES and reads its requirements: the dependencies, the `dev`
  extra and the build backend (as tests/test_taken_names.py does);
- resolves each with uv for every platform and Python at once (`uv pip compile --universal`),
  once per strategy in RESOLUTIONS: every package at its newest, every package at its oldest,
  and the project's own requirements at their oldest with the rest at their newest;
- installs each resolved distribution alone (`uv pip install --no-deps --prefix`), for a
  platform and Python whose markers select it, and reads its import names from its metadata
  (top_level.txt and RECORD, as importlib.metadata does). A distribution already recorded at the
  same version keeps its recorded names, so a re-run only downloads what is new.
`python -m devtools.closure --check` does the same and says what changed, without writing:
exit status 1 when the record is out of date.
"""

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from devtools.compat import tomllib

ROOT = Path(__file__).resolve().parents[1]
RECORD = ROOT / "devtools" / "dependency_closure.json"
PROMPTS = json.loads((ROOT / "cookiecutter.json").read_text(encoding="utf-8"))

# The answers whose requirements, together, are every requirement a project can get: each
# framework with the default launcher (joblib) and search (optuna), the other launcher, each
# tracker, and mlflow without optuna (then without its `<3.17` pin).
BAKES = [{"framework": framework} for framework in PROMPTS["framework"]]
BAKES += [{"launcher": "slurm"}]
BAKES += [{"tracker": tracker} for tracker in ("tensorboard", "mlflow", "wandb")]
BAKES += [{"tracker": "mlflow", "hparam_search": "none"}]

# uv's resolution strategies: the newest versions the pins allow, the oldest ones, and the
# oldest of the project's own requirements with the newest of what they need.
RESOLUTIONS = ("highest", "lowest", "lowest-direct")
# The oldest releases of many packages are source archives that no longer build (SQLAlchemy
# 0.1, alembic 0.1 and the like: Python 2 code), so the oldest versions are taken among those
# with a wheel, except for these, published as source archives only at the versions pinned
# (omegaconf pins antlr4-python3-runtime==4.9.*).
SOURCE_ONLY = ("antlr4-python3-runtime",)

# The platforms whose markers and wheels are looked at, as uv names them, with their markers;
# macOS first, whose torch wheels are the smallest, then Windows, then Linux (CUDA wheels).
PLATFORMS = {
    "aarch64-apple-darwin": {
        "sys_platform": "darwin",
        "platform_system": "Darwin",
        "platform_machine": "arm64",
        "os_name": "posix",
    },
    "x86_64-pc-windows-msvc": {
        "sys_platform": "win32",
        "platform_system": "Windows",
        "platform_machine": "AMD64",
        "os_name": "nt",
    },
    "x86_64-manylinux_2_28": {
        "sys_platform": "linux",
        "platform_system": "Linux",
        "platform_machine": "x86_64",
        "os_name": "posix",
    },
    "aarch64-manylinux_2_28": {
        "sys_platform": "linux",
        "platform_system": "Linux",
        "platform_machine": "aarch64",
        "os_name": "posix",
    },
}
# every Python a project supports: the lowest python_version on offer to the newest release
NEWEST_PYTHON = "3.14"
# where a distribution's own metadata lies (a vendored package's may lie below it)
SITE = "site-packages"


def python_key(python: str) -> tuple[int, ...]:
    return tuple(int(part) for part in python.split("."))


def pythons() -> list[str]:
    """The Pythons from the lowest python_version on offer to NEWEST_PYTHON."""
    lowest = min(PROMPTS["python_version"], key=python_key)
    major, low = python_key(lowest)
    return [f"{major}.{minor}" for minor in range(low, python_key(NEWEST_PYTHON)[1] + 1)]


def environments() -> list[tuple[str, str, dict]]:
    """(uv platform, Python, marker environment) for every platform and Python, in the order
    they are tried."""
    found = []
    for platform, markers in PLATFORMS.items():
        for python in pythons():
            environment = {
                **markers,
                "python_version": python,
                "python_full_version": f"{python}.0",
                "implementation_name": "cpython",
                "platform_python_implementation": "CPython",
                "extra": "",
            }
            found.append((platform, python, environment))
    return found


def requirements_of(pyproject: dict) -> list[str]:
    """What installing a baked project with its dev tools pulls in: dependencies, the `dev`
    extra and the build backend, sorted."""
    project = pyproject["project"]
    return sorted(
        [
            *project["dependencies"],
            *project["optional-dependencies"]["dev"],
            *pyproject["build-system"]["requires"],
        ]
    )


def bake_name(answers: dict) -> str:
    """A bake's key in the record: `framework=pytorch`, `tracker=mlflow hparam_search=none`."""
    return " ".join(f"{field}={value}" for field, value in answers.items())


def baked_requirements() -> dict[str, list[str]]:
    """{bake: its requirements}, for every set of answers in BAKES."""
    from cookiecutter.main import cookiecutter

    found = {}
    with tempfile.TemporaryDirectory() as scratch:
        for number, answers in enumerate(BAKES):
            project = cookiecutter(
                str(ROOT),
                no_input=True,
                extra_context=answers,
                output_dir=str(Path(scratch, str(number))),
                accept_hooks=False,  # pyproject.toml is rendered; the layers are not needed
            )
            pyproject = tomllib.loads(Path(project, "pyproject.toml").read_text("utf-8"))
            found[bake_name(answers)] = requirements_of(pyproject)
    return found


def uv(*arguments: str) -> subprocess.CompletedProcess:
    """uv, from the `uv` package of the `test` group (it installs from PyPI, whatever pip's
    configuration says)."""
    from uv import find_uv_bin

    return subprocess.run([find_uv_bin(), *arguments], capture_output=True, text=True)


def resolve(requirements: list[str], resolution: str) -> list[str]:
    """`name==version ; marker` lines: `requirements` resolved for every platform and Python."""
    options = ["--universal", "--python-version", pythons()[0], "--resolution", resolution]
    if resolution != "highest":
        options += ["--only-binary", ":all:"]
        options += [option for name in SOURCE_ONLY for option in ("--no-binary", name)]
    with tempfile.TemporaryDirectory() as scratch:
        listed = Path(scratch, "requirements.in")
        listed.write_text("\n".join(requirements) + "\n", encoding="utf-8")
        done = uv("pip", "compile", "--quiet", "--no-header", "--no-annotate", *options, listed)
    if done.returncode != 0:
        sys.exit(f"uv pip compile --resolution {resolution} failed:\n{done.stderr}")
    return [line.strip() for line in done.stdout.splitlines() if line.strip()]


def pin_of(line: str) -> tuple[str, Marker | None]:
    """('name==version', its marker) of a resolved line, the name canonical."""
    requirement = Requirement(line)
    (specifier,) = requirement.specifier
    return f"{canonicalize_name(requirement.name)}=={specifier.version}", requirement.marker


def top_level_name(path: str) -> str:
    """The name that a RECORD entry is imported by: its top folder, or a module file's name
    without its suffixes (`_cffi_backend.cpython-310-x86_64-linux-gnu.so`: `_cffi_backend`). Other
    files keep their whole name (`distutils-precedence.pth`), which no import can name."""
    top, *below = Path(path).parts
    if below or not top.endswith((".py", ".so", ".pyd")):
        return top
    return top.split(".")[0]


def top_level_names(prefix: Path) -> list[str]:
    """The import names of the one distribution installed under `prefix`: its top_level.txt and
    the top-level entries of its RECORD, as importlib.metadata.packages_distributions() reads
    them, without the names that hold a dot (`x.dist-info`, `..` of a script, a .pth file).
    RECORD is relative to site-packages, so scripts, headers and data files are `../` there."""
    (info,) = [found for found in prefix.rglob("*.dist-info") if found.parent.name == SITE]
    names = set()
    if (top_level := info / "top_level.txt").is_file():
        names |= set(top_level.read_text(encoding="utf-8").split())
    for row in csv.reader((info / "RECORD").read_text(encoding="utf-8").splitlines()):
        names.add(top_level_name(row[0]))
    return sorted(name for name in names if "." not in name and name != "__pycache__")


def install_names(pin: str, marker: Marker | None) -> list[str]:
    """The import names of `pin`, installed alone for the first platform and Python that its
    marker selects and that has a wheel (or a source archive that builds) for it."""
    tried = []
    for platform, python, environment in environments():
        if marker is not None and not marker.evaluate(environment):
            continue
        with tempfile.TemporaryDirectory() as prefix:
            done = uv(
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--prefix",
                prefix,
                "--python-platform",
                platform,
                "--python-version",
                python,
                pin,
            )
            if done.returncode == 0:
                return top_level_names(Path(prefix))
        tried.append(f"{platform} {python}")
    sys.exit(f"{pin} ({marker}) installs nowhere; tried: {', '.join(tried) or 'no platform'}")


def record(old: dict) -> dict:
    """The record as PyPI gives it today; names of pins already in `old` are kept."""
    bakes = baked_requirements()
    resolutions = {}
    for resolution in RESOLUTIONS:
        lines = set()
        for requirements in bakes.values():
            lines |= set(resolve(requirements, resolution))
        resolutions[resolution] = sorted(lines)
    known = old.get("import_names", {})
    names = {}
    for resolution in RESOLUTIONS:
        for line in resolutions[resolution]:
            pin, marker = pin_of(line)
            if pin not in names:
                found = known[pin].split() if pin in known else install_names(pin, marker)
                names[pin] = " ".join(found)
    version = uv("--version").stdout.strip()
    about = f"Written by `python -m devtools.closure` with {version}: do not edit by hand."
    return {
        "about": about,
        "bakes": bakes,
        "resolutions": resolutions,
        "import_names": dict(sorted(names.items())),
    }


def differences(old: dict, new: dict) -> list[str]:
    """One line per requirement, resolved pin or import name that differs between records."""
    lines = []
    for bake in sorted(set(old.get("bakes", {})) | set(new["bakes"])):
        before, after = old.get("bakes", {}).get(bake), new["bakes"].get(bake)
        if before != after:
            lines.append(f"bake {bake}: requirements {before} -> {after}")
    for resolution in RESOLUTIONS:
        before = set(old.get("resolutions", {}).get(resolution, []))
        after = set(new["resolutions"][resolution])
        lines += [f"{resolution}: + {line}" for line in sorted(after - before)]
        lines += [f"{resolution}: - {line}" for line in sorted(before - after)]
    old_names = set(" ".join(old.get("import_names", {}).values()).split())
    new_names = set(" ".join(new["import_names"].values()).split())
    lines += [f"new import name: {name}" for name in sorted(new_names - old_names)]
    return lines


def read_record() -> dict:
    return json.loads(RECORD.read_text(encoding="utf-8")) if RECORD.is_file() else {}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="say what changed; write nothing")
    check = parser.parse_args().check
    old = read_record()
    new = record(old)
    changed = differences(old, new)
    print("\n".join(changed) or "the record is up to date")
    if check:
        return 1 if changed else 0
    RECORD.write_text(json.dumps(new, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {RECORD.relative_to(ROOT)}: now run the tests of tests/test_taken_names.py")
    return 0


if __name__ == "__main__":
    sys.exit(main())
