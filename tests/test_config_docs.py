"""docs/configuration.md is what the settings classes say, key for key."""

from __future__ import annotations

from pathlib import Path

from kiosk.config import documented_keys
from kiosk.config_docs import render

PAGE = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def test_the_page_is_up_to_date() -> None:
    assert PAGE.read_text(encoding="utf-8") == render(), (
        "run: python -m kiosk.config_docs > docs/configuration.md"
    )


def test_every_key_has_a_row_and_a_description() -> None:
    text = render()
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    described = {row.split("`")[1] for row in rows if not row.rstrip().endswith("|  |")}
    keys = {key.rsplit(".", 1)[-1] for key in documented_keys()}
    assert keys <= {row.split("`")[1] for row in rows}
    assert len(rows) == len(documented_keys())
    assert sorted(keys - described) == []
