"""Fulfilling an approved order, in the approval's transaction.

Shared by the sale itself, the replay of an outcome the journal could not take at once,
and recovery from a card's log: the order is marked paid and its receipt and one ticket
per ticket unit sold are queued for printing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table, bindparam, select

from kiosk.journal.models import Order, OrderLine, OrderStatus, PrintJob, PrintStatus
from kiosk.journal.prepared import Prepared
from kiosk.journal.store import Tx

# Prepared statements: they run in every approved sale (see kiosk.journal.prepared).
_ORDERS: Table = Order.__table__  # type: ignore[assignment]
_LINES: Table = OrderLine.__table__  # type: ignore[assignment]
_JOBS: Table = PrintJob.__table__  # type: ignore[assignment]
_MARK_PAID = Prepared(
    _ORDERS.update().where(_ORDERS.c.id == bindparam("oid")).values(status=OrderStatus.PAID)
)
_ORDER_LINES = Prepared(
    select(_LINES.c.position, _LINES.c.quantity, _LINES.c.meta)
    .where(_LINES.c.order_id == bindparam("oid"))
    .order_by(_LINES.c.position)
)
_QUEUE_JOB = Prepared(
    _JOBS.insert()
    .values(
        terminal_id=bindparam("tid"),
        order_id=bindparam("oid"),
        kind=bindparam("kind"),
        status=PrintStatus.QUEUED,
        attempts=0,
        last_error="",
        created_at=bindparam("now"),
    )
    .returning(_JOBS.c.id)
)


def fulfil(tx: Tx, order_id: int, actor: str) -> None:
    """The order of an approved payment, in the approval's transaction: marked paid, its
    receipt and one ticket per ticket unit sold queued for printing (prepared: hot path)."""
    tx.run(_MARK_PAID, {"oid": order_id})
    for kind in document_kinds(tx.run(_ORDER_LINES, {"oid": order_id})):
        params = {"tid": tx.terminal_id, "oid": order_id, "kind": kind, "now": tx.now}
        [(job_id,)] = tx.run(_QUEUE_JOB, params)
        tx.append("print.queued", {"job": job_id, "order": order_id, "kind": kind}, actor=actor)


def document_kinds(lines: Iterable[Any]) -> list[str]:
    """The documents of a paid order: its receipt, then ``ticket:<position>:<n>`` for each
    ticket unit of ``lines`` (anything with ``position``, ``quantity`` and ``meta``)."""
    return ["receipt"] + [
        f"ticket:{line.position}:{n}"
        for line in lines
        if line.meta.get("ticket")
        for n in range(line.quantity)
    ]
