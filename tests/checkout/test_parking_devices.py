"""`kiosk parking exit` on real parts: the card served through pcscd + vpcd, the exit
receipt on the emupos printer emulator over TCP."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk import cli
from tests.payment.conftest import SLOT, card_sim, pcscd  # noqa: F401 - fixtures
from tests.printing.conftest import emulator, emulator_session  # noqa: F401 - fixtures


def parking(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    status = cli.main(["parking", *args, "--json"])
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1, out
    return status, json.loads(out[0])


@pytest.mark.pcsc
def test_exit_paid_through_pcscd_receipt_on_the_emulator(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    card_sim,  # noqa: F811 - the fixture
    emulator,  # noqa: F811 - the fixture
) -> None:
    """In at 09:00, out at 11:10: ¥11.00 tapped through PC/SC; the receipt that comes out of
    the printer shows the plate, the fee and the order reference."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    monkeypatch.setenv("KIOSK_PRINTER__URL", emulator.url("p80"))
    monkeypatch.setenv("KIOSK_PRINTER__WIDTH_MM", "80")
    card_sim("--profile", "qpboc-debit-ec", "--state-dir", str(tmp_path / "served"))
    status, _ = parking(capsys, "enter", "--plate", "京A12345", "--at", "2026-03-02T09:00")
    assert status == 0
    before = len(emulator.receipt_ids("p80"))
    status, out = parking(
        capsys, "exit", "--plate", "京A12345", "--reader", SLOT, "--at", "2026-03-02T11:10"
    )
    assert status == 0 and out["status"] == "left", json.dumps(out)
    assert out["sale"]["card"]["interface"] == "contactless" and out["sale"]["total_fen"] == 1100
    [receipt_id] = emulator.wait_for_receipts("p80", before + 1)[-1:]
    text = emulator.receipt("p80", receipt_id).text
    # The emulator shows the GB18030 Chinese as code page bytes: check the ASCII parts.
    assert "A12345" in text and "11.00" in text and out["sale"]["reference"] in text
