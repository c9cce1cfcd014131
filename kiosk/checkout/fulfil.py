"""Fulfilling an approved order, in the approval's transaction.

Shared by the sale itself, the replay of an outcome the journal could not take at once,
and recovery from a card's log: the order is marked paid and its receipt and one ticket
per ticket unit sold are queued for printing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kiosk.journal import fulfilment
from kiosk.journal.store import Tx


def fulfil(tx: Tx, order_id: int, actor: str) -> None:
    """The order of an approved payment, in the approval's transaction: marked paid, its
    receipt and one ticket per ticket unit sold queued for printing (prepared: hot path)."""
    tx.run(fulfilment.MARK_PAID, {"oid": order_id})
    for kind in document_kinds(tx.run(fulfilment.ORDER_LINES, {"oid": order_id})):
        params = {"tid": tx.terminal_id, "oid": order_id, "kind": kind, "now": tx.now}
        [(job_id,)] = tx.run(fulfilment.QUEUE_JOB, params)
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
