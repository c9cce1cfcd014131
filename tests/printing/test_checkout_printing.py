"""Checkout printing on the emulated printer: slips of a sale, faults before and during it."""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, datetime

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select

from kiosk.checkout import Checkout
from kiosk.checkout.documents import JournalPrinter, printer_from_settings
from kiosk.checkout.printing import PrintQueue
from kiosk.config import load_settings
from kiosk.journal.models import Payment, PaymentState, PrintJob, PrintStatus
from kiosk.journal.verify import verify_journal
from kiosk.printing.connections import open_link, parse_printer_url
from kiosk.printing.errors import PaperOutError
from kiosk.printing.escpos import PrinterProfile
from kiosk.printing.printer import Printer
from kiosk.sales.tickets import load_catalog, today_in_china
from kiosk.sales.tokens import DEMO_KEY, TokenStatus, verify_token
from tests.checkout.conftest import ScriptedProvider

from .conftest import Emulator
from .test_emulator import _FaultOnWrite

pytestmark = pytest.mark.printer

NOW = datetime.now(UTC).replace(microsecond=0)


def _journal_printer(emulator: Emulator) -> JournalPrinter:
    settings = load_settings(environ={})
    printer = dataclasses.replace(settings.printer, url=emulator.url("p80"), width_mm=80)
    return printer_from_settings(dataclasses.replace(settings, printer=printer))


def _draft():
    return load_catalog().order({"ADULT": 2}, visit_day=today_in_china(NOW))


def test_sale_prints_receipt_and_gate_ready_tickets(store, emulator: Emulator) -> None:
    """Receipt and two tickets come out; each ticket's QR decodes to a valid token."""
    before = len(emulator.receipt_ids("p80"))
    result = Checkout(store, ScriptedProvider(), _journal_printer(emulator), unattended=True).pay(
        _draft(), actor="kiosk"
    )
    assert result.unprinted == 0
    ids = emulator.wait_for_receipts("p80", before + 3)
    tickets = [emulator.receipt("p80", rid) for rid in ids[:2]]  # newest first
    keys = {DEMO_KEY.key_id: DEMO_KEY.secret}
    for slip in tickets:
        tokens = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(slip.png)))]
        assert len(tokens) == 1
        assert verify_token(tokens[0], keys, now=NOW).status is TokenStatus.VALID


def test_paper_out_before_payment_refuses_the_sale(store, emulator: Emulator) -> None:
    """With the paper out, an unattended kiosk raises before the card is asked; nothing is sold."""
    emulator.fault("p80", "paper-out")
    provider = ScriptedProvider()
    with pytest.raises(PaperOutError):
        Checkout(store, provider, _journal_printer(emulator), unattended=True).pay(
            _draft(), actor="kiosk"
        )
    assert provider.requests == [] and store.entries() == []


def test_paper_out_mid_job_keeps_the_sale_and_reprints(store, emulator: Emulator) -> None:
    """Paper runs out while the receipt prints: the payment stays approved, jobs stay queued,
    and they all print from the journal once paper is back."""
    slip = _journal_printer(emulator).slip
    url = parse_printer_url(emulator.url("p80"))
    faulty = Printer(
        lambda: _FaultOnWrite(open_link(url), emulator, "paper-out"),
        PrinterProfile(),
        status_timeout=1.0,
        job_timeout=1.0,
    )
    checkout = Checkout(store, ScriptedProvider(), JournalPrinter(faulty, slip), unattended=True)
    result = checkout.pay(_draft(), actor="kiosk")
    assert result.state is PaymentState.APPROVED
    assert (result.unprinted, result.print_error) == (3, "printer.paper_out")
    emulator.fault("p80", "paper-out", active=False)
    again = PrintQueue(store, _journal_printer(emulator))
    assert again.print_queued(actor="operator") == (0, "")
    with store.read() as session:
        assert {j.status for j in session.scalars(select(PrintJob))} == {PrintStatus.PRINTED}
        assert session.scalars(select(Payment)).one().state is PaymentState.APPROVED
    events = [e.event for e in store.entries()]
    assert events.count("receipt.failed") == 1 and events.count("receipt.printed") == 1
    assert verify_journal(store).ok


def test_reprint_command_prints_a_copy(store, emulator: Emulator, tmp_path) -> None:
    """`kiosk reprint` prints the newest receipt again; an unknown reference is a clean error."""
    from kiosk.cli import main

    Checkout(store, ScriptedProvider(), _journal_printer(emulator), unattended=True).pay(
        _draft(), actor="kiosk"
    )
    cfg = tmp_path / "k.toml"
    cfg.write_text(
        f'[terminal]\nid = "TEST0001"\n[journal]\nurl = "{store.url}"\n'
        f'[printer]\nurl = "{emulator.url("p80")}"\nwidth_mm = 80\n'
    )
    before = len(emulator.receipt_ids("p80"))
    assert main(["--config", str(cfg), "reprint"]) == 0
    emulator.wait_for_receipts("p80", before + 1)
    assert main(["--config", str(cfg), "reprint", "NOSUCHORDER"]) == 2
    assert [e.event for e in store.entries()].count("receipt.printed") == 2
