"""A forger's tool for the tamper tests: edit entries and recompute every link after them."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kiosk.journal.chain import GENESIS, entry_hash
from kiosk.journal.models import JournalEntry, Terminal


def rechain(
    session: Session,
    edit: Callable[[JournalEntry], None],
    *,
    key: bytes | None = None,
    keyed_from: int = 0,
) -> tuple[int, str]:
    """Apply ``edit`` to every entry, then recompute every link and the database's head:
    with ``key`` from ``keyed_from`` on (a forger who has it), plain SHA-256 otherwise.
    Returns the new head (last sequence, hash)."""
    prev, last = GENESIS, 0
    for e in session.scalars(select(JournalEntry).order_by(JournalEntry.seq)):
        edit(e)
        keyed = key is not None and bool(keyed_from) and e.seq >= keyed_from
        e.prev_hash = prev
        e.hash = prev = entry_hash(
            terminal_id=e.terminal_id,
            seq=e.seq,
            ts=e.ts,
            event=e.event,
            actor=e.actor,
            payload=e.payload,
            prev_hash=prev,
            key=key if keyed else None,
        )
        last = e.seq
    session.execute(update(Terminal).values(last_hash=prev))
    return last, prev
