"""Reprinting from the journal: a customer's lost receipt, or jobs a printer fault left queued."""

from __future__ import annotations

from sqlalchemy import select

from kiosk.errors import KioskError
from kiosk.journal.models import Order, OrderStatus, PrintJob, PrintStatus
from kiosk.journal.store import JournalStore


def queue_reprint(store: JournalStore, reference: str | None, *, actor: str) -> str:
    """Queue a copy of the receipt of order ``reference`` (None: the newest paid order).

    Returns the order's reference. Raises KioskError ``journal.not_found`` when there is no
    such paid order. The copy is marked as a reprint on the slip.
    """
    with store.transaction() as tx:
        query = select(Order.id, Order.reference).where(
            Order.terminal_id == store.terminal_id, Order.status == OrderStatus.PAID
        )
        query = (
            query.where(Order.reference == reference)
            if reference
            else query.order_by(Order.id.desc()).limit(1)
        )
        row = tx.connection.execute(query).first()
        if row is None:
            raise KioskError(
                f"no paid order {reference or ''}".strip(),
                code="journal.not_found",
                reference=reference,
            )
        job = PrintJob(
            terminal_id=store.terminal_id,
            order_id=row.id,
            kind="receipt:reprint",
            status=PrintStatus.QUEUED,
            created_at=tx.now,
        )
        tx.session.add(job)
        tx.session.flush()
        tx.append(
            "print.queued",
            {"job": job.id, "order": row.id, "kind": job.kind, "reprint": True},
            actor=actor,
        )
        return str(row.reference)
