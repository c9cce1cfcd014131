"""The statements that fulfil an approved order, prepared because they run in every sale.

:func:`kiosk.checkout.fulfil.fulfil` runs them in the approval's transaction through
:meth:`kiosk.journal.store.Tx.run`: the order marked paid, its lines read, one print job
queued per document. They are built here, on the tables under the ORM models, so that the
journal package is the one place that reaches below the ORM (see :mod:`kiosk.journal.prepared`).
"""

from __future__ import annotations

from sqlalchemy import Table, bindparam, select

from kiosk.journal.models import Order, OrderLine, OrderStatus, PrintJob, PrintStatus
from kiosk.journal.prepared import Prepared

__all__ = ["MARK_PAID", "ORDER_LINES", "QUEUE_JOB"]

_ORDERS: Table = Order.__table__  # type: ignore[assignment]
_LINES: Table = OrderLine.__table__  # type: ignore[assignment]
_JOBS: Table = PrintJob.__table__  # type: ignore[assignment]
MARK_PAID = Prepared(
    _ORDERS.update().where(_ORDERS.c.id == bindparam("oid")).values(status=OrderStatus.PAID)
)
ORDER_LINES = Prepared(
    select(_LINES.c.position, _LINES.c.quantity, _LINES.c.meta)
    .where(_LINES.c.order_id == bindparam("oid"))
    .order_by(_LINES.c.position)
)
QUEUE_JOB = Prepared(
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
