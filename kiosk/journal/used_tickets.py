"""The gate's registry of admitted tickets, kept in the journal database.

Implements :class:`kiosk.sales.tokens.UsedTickets`: marking a ticket used inserts its
``used_ticket`` row and appends ``gate.admitted`` in one transaction, so a ticket admitted
by the gate screen is "used" for ``kiosk gate verify`` on the same journal too, and the
journal's hash chain records every admission. Write transactions are serialised (SQLite
``BEGIN IMMEDIATE``, PostgreSQL's terminal row lock), so two scans of one ticket cannot
both find it unused.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select

from kiosk.journal.models import UsedTicket
from kiosk.journal.store import JournalStore


class JournalUsedTickets:
    """Used tickets in ``store``; ``actor`` names the gate in the journal entries."""

    def __init__(self, store: JournalStore, *, actor: str = "gate") -> None:
        self.store, self.actor = store, actor

    def mark_used(self, ticket_id: int, when: datetime) -> bool:
        """Record ``ticket_id`` as admitted at ``when``; False if it was admitted before.

        Raises JournalError when the journal cannot be written (the gate must then refuse
        to open rather than admit a ticket it cannot record).
        """
        with self.store.transaction(now=when) as tx:
            seen = tx.connection.execute(
                select(UsedTicket.id).where(UsedTicket.ticket_id == ticket_id)
            ).first()
            if seen is not None:
                return False
            tx.connection.execute(
                insert(UsedTicket).values(
                    terminal_id=tx.terminal_id, ticket_id=ticket_id, used_at=tx.now
                )
            )
            tx.append("gate.admitted", {"ticket": ticket_id}, actor=self.actor)
        return True

    def used_at(self, ticket_id: int) -> datetime | None:
        """When ``ticket_id`` was admitted (for the refusal screen), or None."""
        with self.store.read() as session:
            return session.scalar(
                select(UsedTicket.used_at).where(UsedTicket.ticket_id == ticket_id)
            )
