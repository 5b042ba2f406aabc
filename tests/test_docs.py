"""The docs name real tests and real files: every `file::test` in docs/reliability.md is a test
function of the template's suite or of a generated project's (the project folder's and its
layers' tests), and every relative link in README.md, CHANGELOG.md and docs/*.md leads to a
file of this repository (and a `#heading` of the same file to one of its headings)."""

import re
from pathlib import Path
from urllib.parse import unquote

from conftest import ROOT, TEMPLATE

DOCS = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]


def defined_tests() -> set[str]:
    files = [*(ROOT / "tests").glob("test_*.py"), *TEMPLATE.rglob("tests/test_*.py")]
    return {
        name for file in files for name in re.findall(r"^def (test_\w+)", file.read_text(), re.M)
    }


def test_reliability_names_only_tests_that_exist():
    named = set(re.findall(r"::(test_\w+)", (ROOT / "docs" / "reliability.md").read_text()))
    assert len(named) >= 40  # every guarantee names its test
    assert named - defined_tests() == set()


def without_code_blocks(markdown: str) -> str:
    return re.sub(r"^```.*?^```", "", markdown, flags=re.M | re.S)


def prose(markdown: str) -> str:
    """The text of a Markdown file without its code blocks and code spans (no links there)."""
    return re.sub(r"`[^`\n]*`", "", without_code_blocks(markdown))


def heading_anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives the headings: lower case, punctuation dropped, spaces to `-`."""
    headings = re.findall(r"^#{1,6} +(.+?) *$", without_code_blocks(markdown), re.M)
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


def broken_links(doc: Path) -> list[str]:
    """The relative links of `doc` that lead nowhere: no such file, or no such heading."""
    text = doc.read_text()
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", prose(text)):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:, ...
            continue
        path, _, anchor = target.partition("#")
        if path and not (doc.parent / unquote(path)).exists():
            broken.append(target)
        elif not path and anchor not in heading_anchors(text):
            broken.append(target)
    return broken


def test_every_relative_link_of_the_docs_leads_somewhere():
    assert len(DOCS) >= 5
    broken = {str(doc.relative_to(ROOT)): broken_links(doc) for doc in DOCS}
    assert {doc: links for doc, links in broken.items() if links} == {}


def test_a_broken_link_is_found(tmp_path):
    (tmp_path / "there.md").write_text("# There\n")
    doc = tmp_path / "doc.md"
    doc.write_text(
        "# A heading\n[ok](there.md) [ok](there.md#there) [ok](#a-heading) [web](https://x.y)\n"
        "`[code](not-checked.md)`\n[gone](missing.md) [gone](#no-such-heading)\n"
    )
    assert broken_links(doc) == ["missing.md", "#no-such-heading"]
