"""The terminal's sync state, kept in the journal database (table ``sync_state``).

The journal is the upload queue: what is left to send is every entry after ``acked_seq``,
the mark the hub acknowledged. Offline approvals after that mark are money the terminal
holds that nobody else knows of yet; their sum feeds the kernel's offline ceiling.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update

from kiosk.journal.models import JournalEntry, SyncState, Terminal
from kiosk.journal.store import JournalStore, iso, utcnow

#: Payment paths approved by the card alone, not yet known to any host.
OFFLINE_PATHS = frozenset({"ec_offline", "offline", "qpboc_offline"})

_STATE_COLUMNS = (
    SyncState.acked_seq,
    SyncState.last_contact_at,
    SyncState.last_error,
    SyncState.last_error_at,
    SyncState.hub_url,
    SyncState.params_version,
)


@dataclass(frozen=True)
class SyncStatus:
    """What ``kiosk sync status``, ``kiosk doctor`` and the status area show."""

    terminal_id: str
    acked_seq: int
    last_seq: int
    last_contact_at: datetime | None
    last_error: str
    last_error_at: datetime | None
    hub_url: str
    params_version: int
    offline_unacked_fen: int

    @property
    def backlog(self) -> int:
        return max(0, self.last_seq - self.acked_seq)

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        for name in ("last_contact_at", "last_error_at"):
            out[name] = None if out[name] is None else iso(out[name])
        return out | {"backlog": self.backlog}


class SyncStateStore:
    """Reads and moves one terminal's sync state; each change is one short transaction."""

    def __init__(self, store: JournalStore, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.store, self._clock = store, clock
        self.terminal_id = store.terminal_id
        with store.engine.begin() as conn:
            exists = conn.execute(
                select(SyncState.terminal_id).where(SyncState.terminal_id == self.terminal_id)
            ).first()
            if exists is None:
                conn.execute(
                    insert(SyncState).values(
                        terminal_id=self.terminal_id,
                        acked_seq=0,
                        last_error="",
                        hub_url="",
                        params_version=0,
                    )
                )

    def _update(self, **values: Any) -> None:
        with self.store.engine.begin() as conn:
            conn.execute(
                update(SyncState).where(SyncState.terminal_id == self.terminal_id).values(**values)
            )

    def acked_seq(self) -> int:
        with self.store.engine.connect() as conn:
            return int(
                conn.execute(
                    select(SyncState.acked_seq).where(SyncState.terminal_id == self.terminal_id)
                ).scalar_one()
            )

    def acknowledged(self, acked_seq: int, *, hub_url: str) -> None:
        """The hub answered: it holds every entry up to ``acked_seq``."""
        self._update(acked_seq=acked_seq, last_contact_at=self._clock(), hub_url=hub_url)

    def contacted(self, *, hub_url: str) -> None:
        self._update(last_contact_at=self._clock(), hub_url=hub_url)

    def failed(self, code: str) -> None:
        self._update(last_error=code[:64], last_error_at=self._clock())

    def cleared(self) -> None:
        self._update(last_error="", last_error_at=None)

    def set_params_version(self, version: int) -> None:
        self._update(params_version=version)

    def offline_unacked_fen(self, acked_seq: int | None = None) -> int:
        """The sum of offline approvals the hub has not acknowledged."""
        after = self.acked_seq() if acked_seq is None else acked_seq
        query = select(JournalEntry.payload).where(
            JournalEntry.terminal_id == self.terminal_id,
            JournalEntry.seq > after,
            JournalEntry.event == "payment.approved",
        )
        with self.store.engine.connect() as conn:
            payloads = conn.execute(query).scalars().all()
        return sum(
            int(p.get("amount_fen") or 0) for p in payloads if p.get("path") in OFFLINE_PATHS
        )

    def status(self) -> SyncStatus:
        with self.store.engine.connect() as conn:
            row = conn.execute(
                select(*_STATE_COLUMNS).where(SyncState.terminal_id == self.terminal_id)
            ).one()
            last_seq = conn.execute(
                select(func.coalesce(Terminal.last_seq, 0)).where(Terminal.id == self.terminal_id)
            ).scalar_one()
        return SyncStatus(
            terminal_id=self.terminal_id,
            acked_seq=row.acked_seq,
            last_seq=int(last_seq),
            last_contact_at=row.last_contact_at,
            last_error=row.last_error,
            last_error_at=row.last_error_at,
            hub_url=row.hub_url,
            params_version=row.params_version,
            offline_unacked_fen=self.offline_unacked_fen(row.acked_seq),
        )
