"""Settling with the acquirer at shift or day close, and what the journal keeps of it.

The terminal's totals come from the journal: every card payment approved (online or
offline; later refunds included, as the acquirer booked the debit) since the payment the
last settlement went up to. The acquirer link (:class:`~kiosk.payment.host.acquirer.AcquirerClient`)
settles them, uploading the batch and settling again on a mismatch; the result is appended
as ``acquirer.settled`` (batch, totals, balanced, uploaded, last payment id), which the day
and shift reports print. A host that cannot be reached leaves the payments for the next
settlement and raises its ``HostError`` after nothing was written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from kiosk.journal.models import JournalEntry, Payment, PaymentState
from kiosk.journal.store import JournalStore
from kiosk.payment.host.acquirer import AcquirerClient, Settlement, Totals
from kiosk.printing.records import Period

__all__ = ["SETTLED_EVENT", "settle_with_acquirer", "settlements_in"]

SETTLED_EVENT = "acquirer.settled"
#: Payments the acquirer has booked a debit for.
_DEBITED = (PaymentState.APPROVED, PaymentState.SETTLED, PaymentState.REFUNDED)


def _last_settled_payment(store: JournalStore) -> int:
    with store.read() as session:
        payload = session.scalars(
            select(JournalEntry.payload)
            .where(JournalEntry.terminal_id == store.terminal_id)
            .where(JournalEntry.event == SETTLED_EVENT)
            .order_by(JournalEntry.seq.desc())
        ).first()
    return int(payload["through_payment"]) if payload else 0


def settle_with_acquirer(
    store: JournalStore, host: object, *, now: datetime, actor: str
) -> Settlement | None:
    """Settle the payments since the last settlement; None when ``host`` is no acquirer."""
    if not isinstance(host, AcquirerClient):
        return None
    after = _last_settled_payment(store)
    with store.read() as session:
        amount, count, last = session.execute(
            select(
                func.coalesce(func.sum(Payment.amount_fen), 0),
                func.count(Payment.id),
                func.coalesce(func.max(Payment.id), after),
            ).where(
                Payment.terminal_id == store.terminal_id,
                Payment.id > after,
                Payment.state.in_(_DEBITED),
                Payment.path != "",
            )
        ).one()
    settled = host.settle(Totals(int(amount), int(count)))
    with store.transaction(now=now) as tx:
        tx.append(
            SETTLED_EVENT,
            {
                "batch": settled.batch,
                "balanced": settled.balanced,
                "uploaded": settled.uploaded,
                "debit_fen": settled.debits.amount_fen,
                "debit_count": settled.debits.count,
                "through_payment": int(last) if settled.balanced else after,
            },
            actor=actor,
        )
    return settled


def settlements_in(store: JournalStore, period: Period) -> list[dict[str, Any]]:
    """The ``acquirer.settled`` payloads journalled inside ``period``, oldest first."""
    with store.read() as session:
        rows = session.execute(
            select(JournalEntry.ts, JournalEntry.payload)
            .where(JournalEntry.terminal_id == store.terminal_id)
            .where(JournalEntry.event == SETTLED_EVENT)
            .order_by(JournalEntry.seq)
        ).all()
    return [dict(p) for ts, p in rows if period.start <= datetime.fromisoformat(ts) < period.end]
