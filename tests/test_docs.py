"""The architecture page is the one the code cites, and every section it cites is there."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ARCHITECTURE = REPO / "docs" / "architecture.md"
#: How code cites a section: docs/architecture.md "Section title" (may wrap onto the next line).
CITATION = re.compile(r'docs/architecture\.md,?\s+"([^"]+)"')


def _citations() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted((REPO / "kiosk").rglob("*.py")):
        text = re.sub(r"\n\s*(?:#:?|)\s*", " ", path.read_text(encoding="utf-8"))
        for title in CITATION.findall(text):
            found.setdefault(" ".join(title.split()), set()).add(str(path.relative_to(REPO)))
    return found


def test_every_cited_section_exists() -> None:
    headings = set(re.findall(r"^## (.+)$", ARCHITECTURE.read_text(encoding="utf-8"), re.M))
    citations = _citations()
    assert citations, "the code cites docs/architecture.md"
    assert {title: files for title, files in citations.items() if title not in headings} == {}


def test_no_comment_cites_a_design_file_the_repository_lacks() -> None:
    stale = [
        str(p.relative_to(REPO))
        for p in sorted((REPO / "kiosk").rglob("*.py"))
        if re.search(r"\bDESIGN\b", p.read_text(encoding="utf-8"))
    ]
    assert stale == []


def test_operations_explains_every_error_screen() -> None:
    """docs/operations.md has a line for every code the sale's screens put into words
    (kiosk/ui/texts.py's first table; the gate's verdicts are its own)."""
    texts = (REPO / "kiosk" / "ui" / "texts.py").read_text(encoding="utf-8")
    start = texts.index('"declined": (')
    table = texts[start : texts.index("\n    }", start)]
    codes = set(re.findall(r'^ {8}"([a-z_.]+)": \($', table, re.M))
    assert {"payment.uncertain", "printer.paper_out"} <= codes
    operations = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")
    assert sorted(c for c in codes if f"`{c}`" not in operations) == []
