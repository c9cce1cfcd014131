"""Start-up recovery of payments a crash left pending.

A payment still *pending* at start-up was being taken when the process died. If the
card had not yet been asked to approve (no ``card_committed_at``), nothing can have
been charged: it becomes *aborted*. Otherwise the card may have debited itself: it
becomes *uncertain*, to be settled by reading that card's transaction log when it is
presented again, or by reconciliation with the acquirer. Nothing is ever dropped.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from kiosk.journal.models import Payment, PaymentState
from kiosk.journal.states import transition
from kiosk.journal.store import JournalStore, utcnow


def recover_pending(
    store: JournalStore, *, actor: str = "recovery", now: datetime | None = None
) -> dict[int, PaymentState]:
    """Resolve every pending payment of this terminal; return payment id -> new state."""
    resolved: dict[int, PaymentState] = {}
    with store.transaction(now=now or utcnow()) as tx:
        pending = tx.connection.execute(
            select(Payment.id, Payment.card_committed_at, Payment.pan_token, Payment.atc)
            .where(Payment.terminal_id == store.terminal_id, Payment.state == PaymentState.PENDING)
            .order_by(Payment.id)
        ).all()
        for payment in pending:
            if payment.card_committed_at is None:
                state, reason = PaymentState.ABORTED, "recovery.not_charged"
            else:
                state, reason = PaymentState.UNCERTAIN, "recovery.torn"
            transition(tx, payment.id, state, reason=reason)
            tx.append(
                f"payment.{state.value}",
                {
                    "payment": payment.id,
                    "reason": reason,
                    "pan_token": payment.pan_token,
                    "atc": payment.atc,
                },
                actor=actor,
            )
            resolved[payment.id] = state
    return resolved
