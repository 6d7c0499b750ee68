"""bandit's silenced findings: each ``# nosec`` names the test it silences and says why the line is safe
(scripts/test runs bandit itself, medium severity and up, before the suite). Read from the source: no database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("adapters", "sync", "portal", "config")
# "# nosec B608  # why": bandit reads the ids up to the next "#", the reason is a comment of its own.
EXPLAINED = re.compile(r"# nosec (B\d{3})(, B\d{3})*  # \S.{10,}$")


def nosec_lines() -> list[tuple[str, str]]:
    return [(f"{path.relative_to(ROOT)}:{number}", line.strip())
            for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if re.search(r"#\s*nosec", line, re.IGNORECASE)]


def test_every_silenced_finding_names_its_test_and_says_why() -> None:
    found = nosec_lines()
    assert found, "no # nosec at all: then this test can go"
    unexplained = [f"{where}: {line}" for where, line in found if not EXPLAINED.search(line)]
    assert unexplained == []


def test_the_rule_sees_a_bare_nosec() -> None:
    assert not EXPLAINED.search('sql = f"SELECT {x}"  # nosec')
    assert not EXPLAINED.search('sql = f"SELECT {x}"  # nosec B608')
    assert EXPLAINED.search('sql = f"SELECT {x}"  # nosec B608  # x is a column declared in code')
