"""Checking a terminal's journal: the database's own integrity, a gapless sequence, intact
(keyed) links, a head that matches both the entries and the head file kept outside the
database, and payment and order tables that say what the entries say.

Reports read the payment and order tables, which the chain does not cover; so every
payment's state and amount and every order's total, status and lines are compared with
what the entries recorded for them (:class:`_Ledger`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kiosk.journal.anchor import Head, JournalRewoundError
from kiosk.journal.chain import GENESIS, Checkpoint, entry_hash
from kiosk.journal.models import JournalEntry, Order, OrderStatus, Payment, Terminal
from kiosk.journal.store import Appended, JournalError, JournalStore

#: Payment events that set its state (``payment.card_commit`` does not).
_STATE_EVENTS = frozenset(
    {"pending", "approved", "declined", "aborted", "uncertain", "settled", "voided", "refunded"}
)
_PAID = frozenset({"approved", "settled"})


@dataclass
class VerifyReport:
    """What ``kiosk journal verify`` prints: entries checked and every problem found."""

    terminal_id: str
    entries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def head_problems(store: JournalStore) -> list[str]:
    """Where the database is behind, or differs from, the head file kept outside it
    (:mod:`kiosk.journal.anchor`): entries deleted from the end, all rows deleted, a
    deleted or emptied database. Empty when they agree (a lagging head file agrees when
    the entry it names is there unchanged)."""
    if store.head_file is None:
        return []
    try:
        recorded = store.head_file.read()
    except JournalRewoundError as exc:
        return [str(exc)]
    with store.read() as session:
        head = session.get_one(Terminal, store.terminal_id)
        last_seq, keyed_from = head.last_seq, head.keyed_from
        named = None
        if recorded is not None and 0 < recorded.seq <= last_seq:
            named = session.scalar(
                select(JournalEntry.hash).where(
                    JournalEntry.terminal_id == store.terminal_id,
                    JournalEntry.seq == recorded.seq,
                )
            )
    if recorded is None:
        return [] if last_seq == 0 else ["the journal's head file is missing"]
    if recorded.seq > last_seq:
        return [
            f"the journal went backwards: entry {recorded.seq} was written, the database"
            f" ends at {last_seq} (entries deleted, or the database replaced)"
        ]
    problems = []
    if recorded.seq and named != recorded.hash:
        problems.append(f"entry {recorded.seq} differs from the head file kept outside")
    if recorded.keyed_from != keyed_from:
        problems.append("the chain's keyed start differs from the head file kept outside")
    return problems


def require_sound_head(store: JournalStore) -> None:
    """Raise ``JournalRewoundError`` (one line) when :func:`head_problems` finds any: the
    terminal must not sell until an operator accepts the reset."""
    problems = head_problems(store)
    if problems:
        raise JournalRewoundError(
            f"{problems[0]}; no sale until an operator runs"
            " 'kiosk journal accept-reset --reason ...'",
            problems=problems,
        )


def accept_reset(store: JournalStore, *, reason: str, actor: str, problems: list[str]) -> Appended:
    """An operator accepts the journal as it now is: ``journal.reset_accepted`` with the
    reason and what was found, and a head file made anew from the database's head."""
    if store.head_file is None:
        raise JournalError("this journal keeps no head file: nothing to accept")
    entry = store.record(
        "journal.reset_accepted", {"reason": reason, "problems": problems}, actor=actor
    )
    with store.read() as session:
        keyed_from = session.get_one(Terminal, store.terminal_id).keyed_from
    store.head_file.write(Head(entry.seq, entry.hash, keyed_from), durable=True)
    return entry


def verify_journal(
    store: JournalStore, *, checkpoints: Iterable[Checkpoint] = (), max_problems: int = 50
) -> VerifyReport:
    """Check ``store``'s terminal (see the module docstring), and that each of
    ``checkpoints`` (read off shift slips) is still in the chain; every problem up to
    ``max_problems``. A database too damaged to read is reported, not raised."""
    report = VerifyReport(store.terminal_id)
    try:
        report.problems += store.integrity_problems()
        if not report.problems:
            report.problems += head_problems(store)
            _walk(store, report, max_problems, {c.seq: c for c in checkpoints})
    except JournalError as exc:
        report.problems.append(str(exc))
    return report


def _walk(
    store: JournalStore,
    report: VerifyReport,
    max_problems: int,
    checkpoints: dict[int, Checkpoint],
) -> None:
    expected_seq, prev = 1, GENESIS
    ledger = _Ledger()
    with store.read() as session:
        head = session.get(Terminal, store.terminal_id)
        keyed_from = head.keyed_from if head is not None else 0
        key = store.chain_key
        if keyed_from and key is None:
            report.problems.append("the terminal's chain key is missing: keyed links unchecked")
        rows = session.scalars(
            select(JournalEntry)
            .where(JournalEntry.terminal_id == store.terminal_id)
            .order_by(JournalEntry.seq)
            .execution_options(yield_per=1000)
        )
        for entry in rows:
            report.entries += 1
            ledger.add(entry.event, entry.payload)
            if entry.seq != expected_seq:
                report.problems.append(f"entry {expected_seq} missing (found {entry.seq} next)")
            if entry.prev_hash != prev:
                report.problems.append(f"entry {entry.seq} does not link to the one before it")
            keyed = bool(keyed_from) and entry.seq >= keyed_from
            if not keyed or key is not None:
                digest = entry_hash(
                    terminal_id=entry.terminal_id,
                    seq=entry.seq,
                    ts=entry.ts,
                    event=entry.event,
                    actor=entry.actor,
                    payload=entry.payload,
                    prev_hash=entry.prev_hash,
                    key=key if keyed else None,
                )
                if digest != entry.hash:
                    report.problems.append(f"entry {entry.seq} was altered (hash mismatch)")
            checkpoint = checkpoints.pop(entry.seq, None)
            if checkpoint is not None and not checkpoint.matches(entry.hash):
                report.problems.append(
                    f"entry {entry.seq} is not the one the shift slip recorded"
                    f" ({checkpoint.printed()}): the journal was rewritten"
                )
            expected_seq, prev = entry.seq + 1, entry.hash
            if len(report.problems) >= max_problems:
                return
        if head is not None and (head.last_seq != expected_seq - 1 or head.last_hash != prev):
            report.problems.append(
                f"journal ends at entry {expected_seq - 1} but its head says {head.last_seq}"
                " (entries removed from the end?)"
            )
        report.problems += [
            f"entry {seq} of the shift slip's checkpoint is not in the journal"
            for seq in sorted(checkpoints)
        ]
        report.problems += ledger.compare(session, store.terminal_id)[:max_problems]


@dataclass
class _Ledger:
    """Payments and orders as the entries recorded them."""

    payments: dict[int, dict[str, Any]] = field(default_factory=dict)
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)

    def add(self, event: str, payload: Any) -> None:
        kind, _, what = event.partition(".")
        if kind == "order" and what == "created":
            self.orders[payload["order"]] = {
                "total": payload["total_fen"],
                "lines": [
                    (li["sku"], li["quantity"], li["unit_price_fen"]) for li in payload["lines"]
                ],
                "paid": False,
            }
        elif kind == "order" and what == "discounted":
            self.orders.setdefault(payload["order"], {})["total"] = payload["total_fen"]
            self.payments.setdefault(payload["payment"], {})["amount"] = payload["total_fen"]
        elif kind == "payment" and what in _STATE_EVENTS:
            payment = self.payments.setdefault(payload["payment"], {})
            payment["state"] = what
            if what == "pending":
                payment["amount"], payment["order"] = payload["amount_fen"], payload["order"]
            if what in _PAID and payment.get("order") in self.orders:
                self.orders[payment["order"]]["paid"] = True

    def compare(self, session: Any, terminal_id: str) -> list[str]:
        """Every payment and order row that differs from the entries."""
        problems = []
        seen = set()
        for row in session.scalars(select(Payment).where(Payment.terminal_id == terminal_id)):
            seen.add(row.id)
            want = self.payments.get(row.id)
            if want is None:
                problems.append(f"payment {row.id} has no journal entry")
            elif (row.state.value, row.amount_fen) != (want.get("state"), want.get("amount")):
                problems.append(
                    f"payment {row.id} is {row.state.value} {row.amount_fen} fen in its table,"
                    f" {want.get('state')} {want.get('amount')} fen in the journal"
                )
        problems += [
            f"payment {pid} of the journal is missing" for pid in self.payments.keys() - seen
        ]
        orders = session.scalars(
            select(Order).where(Order.terminal_id == terminal_id).options(selectinload(Order.lines))
        )
        seen = set()
        for order in orders:
            seen.add(order.id)
            want = self.orders.get(order.id)
            lines = [(li.sku, li.quantity, li.unit_price_fen) for li in order.lines]
            paid = order.status is OrderStatus.PAID
            if want is None:
                problems.append(f"order {order.id} has no journal entry")
            elif (order.total_fen, lines, paid) != (want["total"], want["lines"], want["paid"]):
                problems.append(f"order {order.id} differs from its journal entries")
        problems += [f"order {oid} of the journal is missing" for oid in self.orders.keys() - seen]
        return problems
