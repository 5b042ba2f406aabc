"""The docs name real tests: every `file::test` in docs/reliability.md is a test function of the
template's suite or of a generated project's (the project folder's and its layers' tests)."""

import re

from conftest import ROOT, TEMPLATE


def defined_tests() -> set[str]:
    files = [*(ROOT / "tests").glob("test_*.py"), *TEMPLATE.rglob("tests/test_*.py")]
    return {
        name for file in files for name in re.findall(r"^def (test_\w+)", file.read_text(), re.M)
    }


def test_reliability_names_only_tests_that_exist():
    named = set(re.findall(r"::(test_\w+)", (ROOT / "docs" / "reliability.md").read_text()))
    assert len(named) >= 40  # every guarantee names its test
    assert named - defined_tests() == set()
