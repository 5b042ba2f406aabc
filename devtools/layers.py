"""The template's option layers as a Markdown table, for docs/architecture.md.

`python -m devtools.layers` (`make docs`) rewrites the table between its two markers in the doc;
tests/test_layers.py fails while the doc and the `_layers/` folder disagree.
"""

from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ROOT / "{{cookiecutter.project_slug}}" / "_layers"
DOC = ROOT / "docs" / "architecture.md"
START = "<!-- layers: written by `make docs` from {{cookiecutter.project_slug}}/_layers/ -->"
END = "<!-- /layers -->"


def files_by_folder(layer: Path) -> str:
    """`folder/`: file, file; ... with the package folder shown as <package>."""
    folders = defaultdict(list)
    for path in sorted(p for p in layer.rglob("*") if p.is_file()):
        folder = (
            path.parent.relative_to(layer)
            .as_posix()
            .replace("{{cookiecutter.package_name}}", "<package>")
        )
        folders["" if folder == "." else f"{folder}/"].append(path.name)
    return "<br>".join(
        f"`{folder}` {', '.join(names)}" if folder else ", ".join(names)
        for folder, names in sorted(folders.items())
    )


def table() -> str:
    lines = [
        START,
        "",
        "| option | layer folder | chosen for | files it adds |",
        "| --- | --- | --- | --- |",
    ]
    for option in sorted(LAYERS.iterdir()):
        for layer in sorted(option.iterdir()):
            values = ", ".join(f"`{value}`" for value in layer.name.split("+"))
            where = f"`_layers/{option.name}/{layer.name}/`"
            lines.append(f"| `{option.name}` | {where} | {values} | {files_by_folder(layer)} |")
    return "\n".join([*lines, "", END])


def main() -> None:
    doc = DOC.read_text()
    before, rest = doc.split(START, 1)
    _, after = rest.split(END, 1)
    DOC.write_text(before + table() + after)
    print(f"wrote the layers table of {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
