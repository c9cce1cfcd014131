"""Taking a batch of a terminal's journal entries (``docs/sync.md``, "Journal upload").

One transaction per batch, on the terminal's row locked ``FOR UPDATE`` (SQLite: the whole
database, by ``BEGIN IMMEDIATE``): two hubs serving one database take one terminal's
batches one after the other, and the entries, the terminal's mark and the report
projections move together. Entries are inserted with ``ON CONFLICT DO NOTHING`` all the
same, so a resend that races another never fails on the key.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.hub.errors import HubError
from kiosk.hub.models import ChainAlert, HubEntry, HubOrder, HubPayment, HubTerminal
from kiosk.hub.schemas import EntryIn
from kiosk.hub.sql import insert_ignoring_conflicts

#: Payment events that set its state (``payment.card_commit`` does not).
PAYMENT_STATES = frozenset(
    {"pending", "approved", "declined", "aborted", "uncertain", "settled", "voided", "refunded"}
)


def ingest(session: Session, terminal_id: str, entries: Sequence[EntryIn], *, now: float) -> int:
    """Store what is new of ``entries`` and answer the terminal's ``acked_seq``. Commits.

    Raises HubError 409 ``ingest.gap`` (nothing stored) or ``ingest.chain`` (the entries
    before the break stored, an alert recorded); both carry ``acked_seq``."""
    for before, after in itertools.pairwise(entries):
        if after.seq != before.seq + 1:
            raise HubError(
                f"entries {before.seq} and {after.seq} are not contiguous",
                code="ingest.batch",
                status=422,
            )
    terminal = session.execute(
        select(HubTerminal).where(HubTerminal.id == terminal_id).with_for_update()
    ).scalar_one()
    terminal.last_seen_at = now
    if not entries:
        session.commit()
        return terminal.acked_seq
    if entries[0].seq > terminal.acked_seq + 1:
        session.commit()
        raise HubError(
            f"the batch starts at {entries[0].seq}; the hub holds up to {terminal.acked_seq}",
            code="ingest.gap",
            status=409,
            acked_seq=terminal.acked_seq,
        )
    held = _held_hashes(session, terminal_id, entries[0].seq, terminal.acked_seq)
    new: list[EntryIn] = []
    problem, problem_seq = "", 0
    for entry in entries:
        if entry.seq <= terminal.acked_seq:
            if held.get(entry.seq) != entry.hash:
                problem = f"entry {entry.seq} differs from the one the hub holds"
                problem_seq = entry.seq
                break
            continue
        if entry.prev_hash != terminal.head_hash:
            problem = f"entry {entry.seq} does not follow the hash of entry {entry.seq - 1}"
            problem_seq = entry.seq
            break
        new.append(entry)
        terminal.acked_seq, terminal.head_hash = entry.seq, entry.hash
    insert_ignoring_conflicts(
        session,
        HubEntry,
        [{"terminal_id": terminal_id, **entry.model_dump()} for entry in new],
    )
    _project_all(session, terminal_id, new)
    if problem and not _alerted(session, terminal_id, problem_seq, problem):
        session.add(
            ChainAlert(
                terminal_id=terminal_id, seq=problem_seq, kind="chain", detail=problem, at=now
            )
        )
    acked = terminal.acked_seq
    session.commit()
    if problem:
        raise HubError(problem, code="ingest.chain", status=409, acked_seq=acked)
    return acked


def _alerted(session: Session, terminal_id: str, seq: int, detail: str) -> bool:
    """Whether this break is already on the operator page (a terminal resends until fixed)."""
    found = session.scalar(
        select(ChainAlert.id)
        .where(
            ChainAlert.terminal_id == terminal_id,
            ChainAlert.seq == seq,
            ChainAlert.detail == detail,
        )
        .limit(1)
    )
    return found is not None


def _held_hashes(session: Session, terminal_id: str, first: int, last: int) -> dict[int, str]:
    if first > last:
        return {}
    rows = session.execute(
        select(HubEntry.seq, HubEntry.hash).where(
            HubEntry.terminal_id == terminal_id, HubEntry.seq.between(first, last)
        )
    )
    return {seq: digest for seq, digest in rows}


def _int(payload: dict[str, Any], key: str) -> int | None:
    value = payload.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _project_all(session: Session, terminal_id: str, entries: list[EntryIn]) -> None:
    """Sales and payments into the report tables; entries the reports do not read pass by.

    The batch's orders and payments already held are read in one query each and the rows
    written at commit: a ``session.get`` per entry (a query and an autoflush each) was most
    of the ingest's time."""
    order_ids, payment_ids = set(), set()
    for entry in entries:
        kind = entry.event.partition(".")[0]
        if kind == "order" and (order_id := _int(entry.payload, "order")) is not None:
            order_ids.add(order_id)
        elif kind == "payment" and (payment_id := _int(entry.payload, "payment")) is not None:
            payment_ids.add(payment_id)
    orders = _held_rows(session, HubOrder.order_id, terminal_id, order_ids)
    payments = _held_rows(session, HubPayment.payment_id, terminal_id, payment_ids)
    with session.no_autoflush:
        for entry in entries:
            _project(session, terminal_id, entry, orders, payments)


def _held_rows(session: Session, key: Any, terminal_id: str, ids: set[int]) -> dict[int, Any]:
    """The terminal's rows of ``key``'s table whose ``key`` is in ``ids``, by that key."""
    if not ids:
        return {}
    model = key.class_
    query = select(model).where(model.terminal_id == terminal_id, key.in_(ids))
    return {getattr(row, key.key): row for row in session.scalars(query)}


def _project(
    session: Session,
    terminal_id: str,
    entry: EntryIn,
    orders: dict[int, HubOrder],
    payments: dict[int, HubPayment],
) -> None:
    kind, _, what = entry.event.partition(".")
    payload = entry.payload
    if kind == "order" and what in ("created", "discounted"):
        order_id, total = _int(payload, "order"), _int(payload, "total_fen")
        if order_id is None or total is None:
            return
        order = orders.get(order_id)
        if order is None:
            orders[order_id] = order = HubOrder(
                terminal_id=terminal_id, order_id=order_id, total_fen=total, created_ts=entry.ts
            )
            session.add(order)
        else:
            order.total_fen = total
    elif kind == "payment" and what in PAYMENT_STATES:
        payment_id = _int(payload, "payment")
        if payment_id is None:
            return
        payment = payments.get(payment_id)
        if payment is None:
            payments[payment_id] = payment = HubPayment(
                terminal_id=terminal_id, payment_id=payment_id
            )
            session.add(payment)
        payment.state, payment.updated_seq, payment.updated_ts = what, entry.seq, entry.ts
        amount, order_id = _int(payload, "amount_fen"), _int(payload, "order")
        if amount is not None:
            payment.amount_fen = amount
        if order_id is not None:
            payment.order_id = order_id
        if isinstance(payload.get("path"), str):
            payment.path = payload["path"][:32]
