"""Log files: JSON lines, rotated, private, and free of card data whatever reaches them."""

from __future__ import annotations

import json
import logging
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk import cli
from kiosk.ops.logs import BACKUPS, log_to_files, mask_card_data

PAN = "6212340000000019"  # assets/cards/debit-ec.json


def _luhn_complete(body: str) -> str:
    """``body`` with the check digit that makes it pass the Luhn check."""
    for check in "0123456789":
        digits = body + check
        total = sum(
            (d * 2 - 9 if d * 2 > 9 else d * 2) if i % 2 else d
            for i, d in enumerate(int(c) for c in reversed(digits))
        )
        if total % 10 == 0:
            return digits
    raise AssertionError("unreachable")


def test_pans_are_masked_and_track2_removed() -> None:
    text = f"pan {PAN}, t2 {PAN}D30121010000000000F, order 1234567890123, ticket 42"
    masked = mask_card_data(text)
    assert PAN not in masked and "621234******0019" in masked
    assert "D3012101" not in masked and "[track2 removed]" in masked
    assert "1234567890123" in masked  # not a PAN: fails the Luhn check
    assert masked.endswith("ticket 42")


@given(
    st.from_regex(r"[0-9]{12,18}", fullmatch=True),
    st.text(alphabet=st.characters(blacklist_categories=("Nd",)), max_size=20),
    st.text(alphabet=st.characters(blacklist_categories=("Nd",)), max_size=20),
)
def test_no_luhn_valid_number_survives(body: str, before: str, after: str) -> None:
    pan = _luhn_complete(body)
    masked = mask_card_data(before + pan + after)
    assert pan not in masked and pan[-4:] in masked


def test_a_whole_sale_at_debug_leaves_no_card_data_in_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``kiosk sell`` at -vv (APDU traces and all) with the log files on: every line is a
    JSON object, and no full PAN, no Track 2 and no key of the card is in any of them."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    with log_to_files(tmp_path / "logs", level=logging.DEBUG):
        assert cli.main(["-vv", "sell", "--item", "ADULT:1", "--sim", "debit-ec", "--json"]) == 0
    capsys.readouterr()
    lines = (tmp_path / "logs" / "kiosk.log").read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines]
    assert len(entries) > 20 and any(e["logger"] == "kiosk.payment.apdu" for e in entries)
    assert {"ts", "level", "logger", "message", "pid", "version"} <= set(entries[0])
    text = "\n".join(lines)
    card_keys = json.loads(
        (Path(cli.__file__).parents[1] / "assets" / "cards" / "keys" / "issuer.json").read_text()
    )
    secrets = [PAN, PAN.encode().hex()] + [
        v
        for v in _strings(card_keys)
        if len(v) >= 32 and all(c in "0123456789abcdefABCDEF" for c in v)
    ]
    assert secrets[2:], "the issuer's keys are among what is searched for"
    assert [s for s in secrets if s.lower() in text.lower()] == []
    mode = stat.S_IMODE((tmp_path / "logs" / "kiosk.log").stat().st_mode)
    assert mode == 0o600


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_files_rotate_and_stay_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kiosk.ops.logs.MAX_BYTES", 2000)
    log = logging.getLogger("kiosk.test.rotation")
    with log_to_files(tmp_path):
        for n in range(500):
            log.warning("line %d of a terminal that runs for months", n)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["kiosk.log"] + [f"kiosk.log.{i}" for i in range(1, BACKUPS + 1)]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in tmp_path.iterdir())
    assert "line 499 " in (tmp_path / "kiosk.log").read_text(encoding="utf-8")


def test_leaving_the_block_detaches_the_files(tmp_path: Path) -> None:
    with log_to_files(tmp_path):
        logging.getLogger("kiosk.test").warning("inside")
    logging.getLogger("kiosk.test").warning("outside")
    text = (tmp_path / "kiosk.log").read_text(encoding="utf-8")
    assert "inside" in text and "outside" not in text
