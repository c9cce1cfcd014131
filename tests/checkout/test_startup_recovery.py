"""Start-up recovery as the application wires it: a crash after the card's approval is settled
from that card's own log the next time it is presented."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sqlalchemy import select

from kiosk.checkout.pipeline import _Hooks
from kiosk.checkout.provider import PaymentRequest
from kiosk.checkout.terminal import build_services
from kiosk.config import Mode, load_settings
from kiosk.journal.models import Payment, PaymentState
from kiosk.journal.verify import verify_journal
from kiosk.sales.order import LineItem, OrderDraft

DRAFT = OrderDraft(Mode.MARKET, (LineItem("VEG", "青菜", 1, 350),))


def _state(services, payment_id: int) -> tuple[PaymentState, str]:
    with services.store.read() as session:
        payment = session.get(Payment, payment_id)
        return payment.state, payment.reason


def test_crash_after_approval_is_settled_by_the_card(tmp_path: Path) -> None:
    """The card approved (and debited itself) but the kiosk died before journalling it:
    start-up marks it uncertain; presenting the same card approves it from the card's log."""
    settings = dataclasses.replace(load_settings(environ={}), data_dir=tmp_path)
    services = build_services(settings)
    checkout, provider = services.checkout, services.provider
    _, reference, payment_id = checkout._open(DRAFT, "kiosk")
    hooks = _Hooks(checkout, payment_id, "kiosk", None)
    request = PaymentRequest(payment_id, DRAFT.total_fen, reference, checkout.clock())
    outcome = provider.pay(request, hooks)
    assert outcome.outcome.value == "approved"  # the card said yes; then the power went
    services.store.dispose()

    after = build_services(settings)  # the next start
    assert _state(after, payment_id) == (PaymentState.UNCERTAIN, "recovery.torn")
    result = after.checkout.pay(DRAFT, actor="kiosk")  # the same card comes back
    assert result.state is PaymentState.APPROVED
    assert _state(after, payment_id) == (PaymentState.APPROVED, "recovery.card_log")
    with after.store.read() as session:
        states = [p.state for p in session.scalars(select(Payment).order_by(Payment.id))]
    assert states == [PaymentState.APPROVED, PaymentState.APPROVED]
    assert verify_journal(after.store).ok
