"""The checkout pipeline: journal first, the card's answer recorded, printing never loses a sale."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kiosk.checkout import Checkout, PaymentOutcome, PaymentVerdict, recover_pending
from kiosk.config import Mode
from kiosk.errors import KioskError
from kiosk.journal.models import Order, OrderStatus, Payment, PaymentState, PrintJob, PrintStatus
from kiosk.journal.states import transition
from kiosk.journal.store import JournalError, JournalStore
from kiosk.journal.verify import verify_journal
from kiosk.payment.errors import CardRemovedError
from kiosk.sales.order import LineItem, OrderDraft
from tests.checkout.conftest import PaperOutError, ScriptedProvider, TestPrinter

DRAFT = OrderDraft(
    Mode.TICKET,
    (
        LineItem("ADULT", "成人票", 2, 6000, meta={"ticket": True}),
        LineItem("MAP", "导览图", 1, 500),
    ),
    discount_fen=1000,
)


def _events(store: JournalStore) -> list[str]:
    return [e.event for e in store.entries()]


def _payment(store: JournalStore, pid: int) -> Payment:
    with store.read() as s:
        p = s.get(Payment, pid)
        assert p is not None
        return p


def test_approved_sale_is_journalled_then_printed(
    store: JournalStore, printer: TestPrinter
) -> None:
    """An approved payment commits pending, card commit, approval, then prints receipt + tickets."""
    provider = ScriptedProvider()
    result = Checkout(store, provider, printer, unattended=True).pay(DRAFT, actor="kiosk")
    assert result.state is PaymentState.APPROVED and result.unprinted == 0
    assert provider.requests[0].amount_fen == 2 * 6000 + 500 - 1000
    assert _events(store) == [
        "order.created",
        "payment.pending",
        "payment.card_commit",
        "payment.approved",
        "print.queued",
        "print.queued",
        "print.queued",
        "receipt.printed",
        "ticket.printed",
        "ticket.printed",
    ]
    assert [j.kind for j in printer.printed] == ["receipt", "ticket:0:0", "ticket:0:1"]
    assert printer.printed[0].payment is not None
    assert printer.printed[0].payment.cryptogram == "0011223344556677"
    with store.read() as s:
        order = s.scalars(select(Order)).one()
        assert order.status is OrderStatus.PAID and order.total_fen == 11500
        assert [li.name for li in order.lines] == ["成人票", "导览图"]
    p = _payment(store, result.payment_id)
    assert p.card_committed_at is not None and p.response_code == "Y1"
    assert verify_journal(store).ok


def test_printer_failure_leaves_payment_approved_and_job_queued(
    store: JournalStore, printer: TestPrinter
) -> None:
    """Paper runs out while printing: the payment stays approved; the receipt is reprinted later."""
    printer.fail_next = 1
    checkout = Checkout(store, ScriptedProvider(), printer, unattended=True)
    result = checkout.pay(DRAFT, actor="kiosk")
    assert result.state is PaymentState.APPROVED
    assert result.unprinted == 3 and result.print_error == "printer.paper_out"
    assert _payment(store, result.payment_id).state is PaymentState.APPROVED
    assert "receipt.failed" in _events(store)
    with store.read() as s:
        assert {j.status for j in s.scalars(select(PrintJob))} == {PrintStatus.QUEUED}
    # The fault clears: the same jobs print, from the journal, once each.
    assert checkout.documents.print_queued(actor="operator") == (0, "")
    assert [j.kind for j in printer.printed] == ["receipt", "ticket:0:0", "ticket:0:1"]
    assert printer.printed[0].attempt == 2
    assert checkout.documents.print_queued(actor="operator") == (0, "")
    assert len(printer.printed) == 3


def test_unattended_refuses_payment_when_printer_not_ready(
    store: JournalStore, printer: TestPrinter
) -> None:
    """No card is asked for when an unattended terminal's printer is not ready."""
    printer.ready_error = PaperOutError("paper out")
    provider = ScriptedProvider()
    with pytest.raises(PaperOutError):
        Checkout(store, provider, printer, unattended=True).pay(DRAFT, actor="kiosk")
    assert provider.requests == [] and _events(store) == []


def test_attended_takes_payment_without_printer(store: JournalStore) -> None:
    """An attended POS may take payment with the printer down; the receipt stays queued."""
    result = Checkout(store, ScriptedProvider(), None, unattended=False).pay(DRAFT, actor="c1")
    assert result.state is PaymentState.APPROVED and result.unprinted == 3


def test_unwritable_journal_refuses_payment(tmp_path, printer: TestPrinter) -> None:
    """If the journal cannot be written, the card is never asked."""
    store = JournalStore(f"sqlite:///{tmp_path / 'j.db'}", "TEST0001")
    provider = ScriptedProvider()
    with store.read() as s:  # make the journal refuse writes
        s.connection().exec_driver_sql(
            "CREATE TRIGGER no_insert BEFORE INSERT ON journal_entry "
            "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
        s.commit()
    with pytest.raises(JournalError):
        Checkout(store, provider, printer, unattended=True).pay(DRAFT, actor="kiosk")
    assert provider.requests == []


@pytest.mark.parametrize(
    ("provider", "state", "reason"),
    [
        (
            ScriptedProvider(
                outcome=PaymentOutcome(PaymentVerdict.DECLINED, reason="card.ec_balance_low")
            ),
            PaymentState.DECLINED,
            "card.ec_balance_low",
        ),
        (
            ScriptedProvider(commit=False, raise_before_commit=CardRemovedError("pulled")),
            PaymentState.ABORTED,
            "reader.card_removed",
        ),
        (
            ScriptedProvider(raise_after_commit=CardRemovedError("pulled")),
            PaymentState.UNCERTAIN,
            "reader.card_removed",
        ),
        (
            ScriptedProvider(outcome=PaymentOutcome(PaymentVerdict.ABORTED, reason="cancelled")),
            PaymentState.UNCERTAIN,
            "cancelled",
        ),
        (
            ScriptedProvider(
                commit=False, outcome=PaymentOutcome(PaymentVerdict.ABORTED, reason="cancelled")
            ),
            PaymentState.ABORTED,
            "cancelled",
        ),
    ],
    ids=[
        "declined",
        "removed-before-commit",
        "removed-after-commit",
        "abort-after-commit",
        "cancel-before-commit",
    ],
)
def test_unpaid_outcomes(
    store: JournalStore,
    printer: TestPrinter,
    provider: ScriptedProvider,
    state: PaymentState,
    reason: str,
) -> None:
    """Declines and aborts print nothing; anything after the commit point is left uncertain."""
    result = Checkout(store, provider, printer, unattended=True).pay(DRAFT, actor="kiosk")
    assert (result.state, result.reason) == (state, reason)
    p = _payment(store, result.payment_id)
    assert (p.state, p.reason) == (state, reason)
    assert printer.printed == []
    with store.read() as s:
        assert s.scalars(select(Order)).one().status is OrderStatus.OPEN
    assert _events(store)[-1] == f"payment.{state.value}"


def test_crash_inside_provider_is_recorded_then_raised(
    store: JournalStore, printer: TestPrinter
) -> None:
    """A bug in the provider after the commit point leaves the payment uncertain, not lost."""
    provider = ScriptedProvider(raise_after_commit=ZeroDivisionError())
    with pytest.raises(ZeroDivisionError):
        Checkout(store, provider, printer, unattended=True).pay(DRAFT, actor="kiosk")
    with store.read() as s:
        assert s.scalars(select(Payment)).one().state is PaymentState.UNCERTAIN


def test_recovery_resolves_pending(store: JournalStore, printer: TestPrinter) -> None:
    """Pending payments found at start-up: aborted if the card was never asked, else uncertain."""
    # The state a crash leaves: two orders opened, one of them past the commit point, and the
    # process gone before either outcome was written (test_kill.py does it with a real process).
    checkout = Checkout(store, ScriptedProvider(), printer, unattended=True)
    _, _, never_asked = checkout._open(DRAFT, "kiosk")
    _, _, asked = checkout._open(DRAFT, "kiosk")
    from kiosk.checkout.pipeline import _Hooks
    from kiosk.checkout.provider import CardIdentity

    _Hooks(checkout, asked, "kiosk", None).before_card_commit(CardIdentity(pan_token="tok"))
    assert recover_pending(store) == {
        never_asked: PaymentState.ABORTED,
        asked: PaymentState.UNCERTAIN,
    }
    assert _payment(store, asked).reason == "recovery.torn"
    assert recover_pending(store) == {}
    assert verify_journal(store).ok


def test_illegal_transition_is_refused(store: JournalStore, printer: TestPrinter) -> None:
    """A declined payment can never be approved later through the pipeline."""
    result = Checkout(
        store,
        ScriptedProvider(outcome=PaymentOutcome(PaymentVerdict.DECLINED)),
        printer,
        unattended=True,
    ).pay(DRAFT, actor="kiosk")
    with pytest.raises(KioskError) as info, store.transaction() as tx:
        transition(tx, result.payment_id, PaymentState.APPROVED)
    assert info.value.code == "journal.illegal_transition"
