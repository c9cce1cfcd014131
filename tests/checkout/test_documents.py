"""Slips rendered from the journal: receipt content, ticket tokens, reprints, settings."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from kiosk.checkout import Checkout
from kiosk.checkout.documents import (
    JournalPrinter,
    printer_from_settings,
    ticket_key,
    ticket_number,
)
from kiosk.config import load_settings
from kiosk.errors import ConfigError
from kiosk.journal.store import JournalStore
from kiosk.printing.document import QrCode
from kiosk.printing.printer import PreviewPrinter
from kiosk.sales.tickets import load_catalog
from kiosk.sales.tokens import DEMO_KEY, TokenStatus, verify_token
from tests.checkout.conftest import ScriptedProvider

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)  # 10:00 in China


@pytest.fixture
def demo_printer() -> JournalPrinter:
    printer = printer_from_settings(load_settings(environ={}))
    assert isinstance(printer.service, PreviewPrinter)
    return printer


def _sell(store: JournalStore, printer: JournalPrinter, **cart: int):
    draft = load_catalog().order(cart, visit_day=date(2026, 11, 27))
    return Checkout(store, ScriptedProvider(), printer, unattended=True, clock=lambda: NOW).pay(
        draft, actor="kiosk"
    )


def test_receipt_shows_the_sale_and_masked_card(store, demo_printer) -> None:
    """The receipt lists the tickets, the total in ¥ and the masked PAN, never more digits."""
    result = _sell(store, demo_printer, ADULT=2, CHILD=1)
    docs = list(demo_printer.service.documents)
    assert len(docs) == 4  # receipt + 3 tickets
    text = docs[0].preview_text()
    assert "成人票" in text and "¥150.00" in text and result.reference in text
    assert "623456******7890" in text and "0011223344556677" in text


def test_tickets_carry_valid_tokens_for_the_visit_day(store, demo_printer) -> None:
    """Each ticket's token verifies with the terminal key, for the whole visit day, once each."""
    _sell(store, demo_printer, ADULT=2)
    tickets = list(demo_printer.service.documents)[1:]
    tokens = [b.data for doc in tickets for b in doc.blocks if isinstance(b, QrCode)]
    assert len(tokens) == 2 and len(set(tokens)) == 2
    keys = {DEMO_KEY.key_id: DEMO_KEY.secret}
    for token in tokens:
        check = verify_token(token, keys, now=NOW)
        assert check.status is TokenStatus.VALID
        assert check.ticket is not None and check.ticket.product == "ADULT"
        # The id names the printing terminal as well as its print job (unique per site).
        assert check.ticket.ticket_id >> 32 == ticket_number("DEMO0001", 0) >> 32
        assert (check.ticket.valid_until - check.ticket.valid_from).total_seconds() == 86400
    later = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)  # 09:00 next day in China
    assert verify_token(tokens[0], keys, now=later).status is TokenStatus.EXPIRED


def test_reprint_is_marked(store, demo_printer) -> None:
    """A job printed on a second attempt says REPRINT (重打) on the slip."""
    demo_printer.service.ready_for_sale()
    service = demo_printer.service
    failing = {"left": 1}
    original = service.print_document

    def flaky(doc):
        if failing["left"]:
            failing["left"] -= 1
            from kiosk.printing.errors import PaperOutError

            raise PaperOutError("paper out")
        return original(doc)

    service.print_document = flaky  # type: ignore[method-assign]
    result = _sell(store, demo_printer, ADULT=1)
    assert result.unprinted == 2 and result.print_error == "printer.paper_out"
    checkout = Checkout(store, ScriptedProvider(), demo_printer, unattended=True)
    assert checkout.documents.print_queued(actor="operator") == (0, "")
    assert "重打" in service.documents[0].preview_text()


def test_production_needs_a_ticket_key(tmp_path) -> None:
    """Outside demo mode the terminal refuses to sign tickets with the demo key."""
    settings = dataclasses.replace(load_settings(environ={}), demo=False)
    with pytest.raises(ConfigError) as info:
        ticket_key(settings)
    assert info.value.context["key"] == "terminal.ticket_key_file"
    keyfile = tmp_path / "tickets.key"
    keyfile.write_text("7 " + "ab" * 16 + "\n3 " + "cd" * 16 + "\n")
    terminal = dataclasses.replace(settings.terminal, ticket_key_file=str(keyfile))
    key = ticket_key(dataclasses.replace(settings, terminal=terminal))
    assert key.key_id == 3 and key.secret == bytes.fromhex("cd" * 16)


def test_ticket_numbers_differ_between_terminals() -> None:
    """The same print job number on two kiosks gives two different ticket ids."""

    assert ticket_number("KIOSK001", 7) != ticket_number("KIOSK002", 7)
    assert ticket_number("KIOSK001", 7) & 0xFFFFFFFF == 7
    assert ticket_number("KIOSK001", 7) < 2**48


def test_slips_show_china_time(store, demo_printer) -> None:
    """A sale at 02:00 UTC prints 10:00, the customer's clock."""
    demo_printer.clock = lambda: NOW
    _sell(store, demo_printer, ADULT=1)
    assert "2026-11-27 10:00" in demo_printer.service.documents[0].preview_text()


def test_demo_slips_say_demo(store) -> None:
    """In demo mode every slip, receipt and ticket, says DEMO in large letters; outside
    it no slip does."""
    demo = printer_from_settings(load_settings(environ={}))
    _sell(store, demo, ADULT=1)
    docs = list(demo.service.documents)
    assert [d.kind for d in docs] == ["receipt", "ticket"]
    for doc in docs:
        assert "*** DEMO ***" in doc.preview_text()
    production = JournalPrinter(demo.service, dataclasses.replace(demo.slip, demo=False))
    _sell(store, production, CHILD=1)
    later = list(demo.service.documents)[len(docs) :]
    assert len(later) == 2 and not any("*** DEMO ***" in d.preview_text() for d in later)
