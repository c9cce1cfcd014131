"""The acquirer link's durable records in the journal database (tables of ``0005_acquirer``).

Implements ``kiosk.payment.host.link_state.LinkRecords`` (by shape: the journal imports
nothing of the payment package): the STAN counter and the
sealed reversals, advices and batch records, each write its own committed transaction
(SQLite ``synchronous=FULL`` by default, or the server's commit), so an owed reversal
survives the process dying a moment later. The records arrive sealed with the
terminal's link key (kept outside the database); this module never sees a PAN.
"""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update

from kiosk.journal.models import AcquirerRecord, AcquirerStan
from kiosk.journal.store import JournalStore

__all__ = ["JournalLinkRecords"]

#: STANs are 6 digits: 1..999999, then 1 again (ISO 8583 field 11).
MAX_STAN = 999_999


class JournalLinkRecords:
    """:class:`~kiosk.payment.host.link_state.LinkRecords` of ``store``'s terminal."""

    def __init__(self, store: JournalStore) -> None:
        self.store = store

    def next_stan(self) -> int:
        with self.store.transaction() as tx:
            last = tx.connection.scalar(
                select(AcquirerStan.last_stan).where(AcquirerStan.terminal_id == tx.terminal_id)
            )
            stan = (last or 0) % MAX_STAN + 1
            if last is None:
                tx.connection.execute(
                    insert(AcquirerStan).values(terminal_id=tx.terminal_id, last_stan=stan)
                )
            else:
                tx.connection.execute(
                    update(AcquirerStan)
                    .where(AcquirerStan.terminal_id == tx.terminal_id)
                    .values(last_stan=stan)
                )
        return stan

    def put(self, box: str, stan: int, sealed: bytes) -> None:
        with self.store.transaction() as tx:
            where = (
                AcquirerRecord.terminal_id == tx.terminal_id,
                AcquirerRecord.box == box,
                AcquirerRecord.stan == stan,
            )
            changed = tx.connection.execute(
                update(AcquirerRecord).where(*where).values(sealed=sealed)
            ).rowcount
            if not changed:
                tx.connection.execute(
                    insert(AcquirerRecord).values(
                        terminal_id=tx.terminal_id, box=box, stan=stan, sealed=sealed
                    )
                )

    def get(self, box: str, stan: int) -> bytes | None:
        with self.store.read() as session:
            return session.scalar(
                select(AcquirerRecord.sealed).where(
                    AcquirerRecord.terminal_id == self.store.terminal_id,
                    AcquirerRecord.box == box,
                    AcquirerRecord.stan == stan,
                )
            )

    def stans(self, box: str) -> list[int]:
        with self.store.read() as session:
            return list(
                session.scalars(
                    select(AcquirerRecord.stan)
                    .where(
                        AcquirerRecord.terminal_id == self.store.terminal_id,
                        AcquirerRecord.box == box,
                    )
                    .order_by(AcquirerRecord.id)
                )
            )

    def remove(self, box: str, stan: int) -> None:
        with self.store.transaction() as tx:
            tx.connection.execute(
                delete(AcquirerRecord).where(
                    AcquirerRecord.terminal_id == tx.terminal_id,
                    AcquirerRecord.box == box,
                    AcquirerRecord.stan == stan,
                )
            )
