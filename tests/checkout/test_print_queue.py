"""The print queue belongs to its terminal, even when terminals share one database."""

from __future__ import annotations

from kiosk.checkout import Checkout
from kiosk.checkout.printing import PrintQueue
from kiosk.config import Mode
from kiosk.journal.models import PaymentState
from kiosk.journal.store import JournalStore
from kiosk.sales.order import LineItem, OrderDraft
from tests.checkout.conftest import ScriptedProvider, TestPrinter

DRAFT = OrderDraft(Mode.MARKET, (LineItem("VEG", "青菜", 1, 350),))


def test_a_terminal_prints_only_its_own_queue(journal_url: str) -> None:
    """Kiosk A's receipt, left queued by paper out, is printed by A and never by kiosk B."""
    kiosk_a, kiosk_b = JournalStore(journal_url, "KIOSK00A"), JournalStore(journal_url, "KIOSK00B")
    jammed = TestPrinter(fail_next=1)
    result = Checkout(kiosk_a, ScriptedProvider(), jammed, unattended=False).pay(DRAFT, actor="a")
    assert result.state is PaymentState.APPROVED and result.unprinted == 1

    other = TestPrinter()
    queue_b = PrintQueue(kiosk_b, other)
    assert queue_b.count() == 0
    assert queue_b.print_queued(actor="operator") == (0, "")
    assert other.printed == []

    queue_a = PrintQueue(kiosk_a, TestPrinter())
    assert queue_a.count() == 1
    assert queue_a.print_queued(actor="operator") == (0, "")
    assert queue_a.count() == 0
    events = [e.event for e in kiosk_a.entries()]
    assert events[-2:] == ["receipt.failed", "receipt.printed"]
    assert not any(e.event.startswith("receipt.") for e in kiosk_b.entries())
    kiosk_a.dispose()
    kiosk_b.dispose()
