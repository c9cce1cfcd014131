"""`kiosk parking fee`: the fee and its breakdown for an operator, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kiosk.cli import main
from kiosk.sales.parking import DEMO_TARIFF


def fee(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["parking", "fee", *args])
    out = capsys.readouterr()
    return status, out.out, out.err


def test_json_fee_and_lines(capsys: pytest.CaptureFixture[str]) -> None:
    """2 h 10 min of day time: ¥11.00 in one day line (local time when no offset is given)."""
    status, out, _ = fee(
        capsys, "--entry", "2026-03-02T09:00", "--exit", "2026-03-02T11:10", "--json"
    )
    assert status == 0
    got = json.loads(out)
    assert got["fee_fen"] == 1100 and got["duration_s"] == 7800
    assert [(x["key"], x["amount_fen"]) for x in got["lines"]] == [("day", 1100)]


def test_offsets_are_honoured(capsys: pytest.CaptureFixture[str]) -> None:
    """01:00Z is 09:00 in Shanghai: the same ¥11.00 as above."""
    args = ("--entry", "2026-03-02T01:00Z", "--exit", "2026-03-02T03:10+00:00", "--json")
    assert json.loads(fee(capsys, *args)[1])["fee_fen"] == 1100


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (("--class", "large"), 2200),  # double
        (("--lost",), 5000),  # lost ticket ¥50
        (("--lost", "--class", "large"), 10000),
        (("--pass",), 0),
        (("--paid-at", "2026-03-02T11:00"), 0),  # left 10 min after paying: grace
        (("--paid-at", "2026-03-02T10:50"), 500),  # 20 min after paying: ¥5, no free minutes
    ],
)
def test_options(capsys: pytest.CaptureFixture[str], extra: tuple[str, ...], expected: int) -> None:
    """Class, lost ticket, monthly pass and a payment change the fee as the tariff says."""
    args = ("--entry", "2026-03-02T09:00", "--exit", "2026-03-02T11:10", "--json", *extra)
    assert json.loads(fee(capsys, *args)[1])["fee_fen"] == expected


def test_text_for_the_operator(capsys: pytest.CaptureFixture[str]) -> None:
    """Without --json: duration, one line per breakdown line with its amount, the total."""
    status, out, _ = fee(capsys, "--entry", "2026-03-02T09:00", "--exit", "2026-03-03T09:00")
    assert status == 0
    assert "24小时封顶 ¥40.00" in out and "-¥14.00" in out
    assert out.strip().splitlines()[-1] == "停车费 / Fee ¥40.00"


def test_another_tariff_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """--tariff reads another file: here free minutes of an hour make the same stay free."""
    other = tmp_path / "t.toml"
    other.write_text(
        DEMO_TARIFF.read_text(encoding="utf-8").replace("free_s = 900", "free_s = 3600"),
        encoding="utf-8",
    )
    args = ("--entry", "2026-03-02T09:00", "--exit", "2026-03-02T09:40", "--json")
    assert json.loads(fee(capsys, *args)[1])["fee_fen"] == 500
    assert json.loads(fee(capsys, *args, "--tariff", str(other))[1])["fee_fen"] == 0


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--entry", "2026-03-02T10:00", "--exit", "2026-03-02T09:00"), "exit_before_entry"),
        (("--entry", "yesterday", "--exit", "2026-03-02T09:00"), "ISO 8601"),
        (("--entry", "2026-03-02T09:00", "--exit", "2026-03-02T10:00", "--class", "bus"), "bus"),
        (("--entry", "2026-03-02T09:00", "--exit", "2026-03-02T10:00", "--tariff", "/nope.toml"),
         "parking.tariff_missing"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], needle: str
) -> None:
    """Bad times, classes and files: one line on stderr, exit status 2, nothing on stdout."""
    try:
        status, out, err = fee(capsys, *args)
    except SystemExit as exc:  # argparse's refusal
        status, captured = int(exc.code or 0), capsys.readouterr()
        out, err = captured.out, captured.err
    assert status == 2
    assert out == ""
    assert needle in err and len(err.strip().splitlines()) == 1


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    status = main(["parking", *args, "--json"])
    return status, json.loads(capsys.readouterr().out)


def test_headless_entry_and_exit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`kiosk parking enter` then `exit` 2 h 10 min later: ¥11.00 on the simulated card, the
    receipt printed, the car out; a ticket-only car pays cash by its ticket's token."""
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    status, entered = _run(capsys, "enter", "--plate", "京A12345", "--at", "2026-03-02T09:00")
    assert status == 0 and entered["inside"] == 1 and entered["token"] == ""
    status, out = _run(capsys, "exit", "--plate", "京A12345", "--at", "2026-03-02T11:10")
    assert status == 0 and out["status"] == "left"
    assert out["fee"]["fee_fen"] == 1100 and out["sale"]["state"] == "approved"
    assert out["sale"]["documents"][0]["status"] == "printed"
    assert out["stay"]["state"] == "left" and out["stay"]["paid_fen"] == 1100
    _, ticket = _run(capsys, "enter", "--at", "2026-03-02T09:00", "--class", "large")
    status, out = _run(
        capsys, "exit", "--ticket", ticket["token"], "--cash", "50", "--at", "2026-03-02T11:10"
    )
    assert status == 0 and out["fee"]["fee_fen"] == 2200 and out["stay"]["state"] == "left"
