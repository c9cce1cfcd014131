"""No full PAN and no Track 2 in clear anywhere the acquirer path writes.

Online purchases (contact and contactless), a reversal after the card declined the host's
approval, one owed after a timeout and sent with the next sale, and settlement, all at
``-vv`` with the JSON log files on; then every record logged (as the application wrote it,
before the log files' masking filter, which is only the last line of defence) and every
file written under the terminal's data directory (logs, the journal database's raw bytes,
the acquirer link's files) is searched for each card's PAN and Track 2, as text and as the
BCD bytes they travel in. The simulated cards' own files are the cards, not the terminal.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import cli
from kiosk.ops.logs import log_to_files
from kiosk.payment.cardsim.profiles import load_card
from kiosk.payment.host.host_sim import Fault, HostSimulator
from kiosk.payment.host.issuer_sim import HostFault
from tests.checkout.test_acquirer_sales import online_kiosk, owed_reversals  # noqa: F401

CARDS = ("debit-ec", "credit", "qpboc-debit-ec")


class _Raw(logging.Handler):
    """Every record's message as the code logged it: first in line, before any filter."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())
        if record.exc_info:
            self.lines.append(logging.Formatter().formatException(record.exc_info))


@pytest.fixture
def raw_log(tmp_path: Path) -> Iterator[_Raw]:
    raw = _Raw()
    root = logging.getLogger()
    with log_to_files(tmp_path / "var" / "logs", level=logging.DEBUG):
        root.handlers.insert(0, raw)
        try:
            yield raw
        finally:
            root.removeHandler(raw)


def _secrets() -> dict[str, bytes]:
    """Each card's PAN and Track 2, as ASCII digits (either case) and as packed BCD."""
    out: dict[str, bytes] = {}
    for name in CARDS:
        data = load_card(name).image.data
        pan, track2 = data[0x5A].hex().upper(), data[0x57].hex().upper()
        out |= {
            f"{name} PAN": pan.encode(),
            f"{name} PAN (BCD)": bytes.fromhex(pan),
            f"{name} Track 2": track2.encode(),
            f"{name} Track 2 (lower)": track2.lower().encode(),
            f"{name} Track 2 (=)": track2.replace("D", "=").rstrip("F").encode(),
            f"{name} Track 2 (BCD)": data[0x57],
        }
    return out


def _leaks(blobs: dict[str, bytes]) -> list[str]:
    return [
        f"{secret} in {where}"
        for where, blob in blobs.items()
        for secret, value in _secrets().items()
        if value in blob
    ]


def _written(folder: Path) -> dict[str, bytes]:
    files = (p for p in folder.rglob("*") if p.is_file() and "cards" not in p.parts)
    return {str(p.relative_to(folder)): p.read_bytes() for p in files}


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> int:
    status = cli.main(["-vv", *args])
    capsys.readouterr()
    return status


def test_no_pan_or_track2_written_anywhere(
    online_kiosk: HostSimulator,  # noqa: F811
    raw_log: _Raw,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert _run(capsys, "sell", "--item", "ADULT", "--sim", "debit-ec") == 0
    assert _run(capsys, "sell", "--item", "ADULT", "--sim", "qpboc-debit-ec") == 0
    online_kiosk.issuer.fault = HostFault.BAD_ARPC  # the card declines: reversal 06
    assert _run(capsys, "sell", "--item", "ADULT", "--sim", "credit") == 1
    online_kiosk.issuer.fault = HostFault.NONE
    online_kiosk.set_fault(Fault.DROP, times=1)  # no answer: reversal 98 owed
    _run(capsys, "sell", "--item", "ADULT", "--sim", "credit")
    owed = _written(tmp_path / "var")  # the owed reversal at rest, PAN and all
    assert owed_reversals(tmp_path) != []
    assert _run(capsys, "sell", "--item", "ADULT", "--sim", "debit-ec") == 0
    assert _run(capsys, "settle") == 0
    assert [m["39"] for m in online_kiosk.of_type("0400")] == ["06", "98"]
    assert len(online_kiosk.of_type("0200")) == 5 and online_kiosk.of_type("0500")

    written = _written(tmp_path / "var")
    assert b"0210 for STAN" in written["logs/kiosk.log"]  # DEBUG and up went to the file
    assert any(line.startswith("C: 00B2") for line in raw_log.lines)  # the APDU trace too
    assert any(name.startswith("journal.db") for name in written)
    assert "acquirer/link.key" in written and "acquirer/sign-on.json" in written
    leaks = _leaks(
        {"log record": "\n".join(raw_log.lines).encode()}
        | {f"{name} (while a reversal was owed)": blob for name, blob in owed.items()}
        | written
    )
    assert leaks == []
