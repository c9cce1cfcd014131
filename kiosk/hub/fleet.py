"""What the operator page shows: the terminals, today's takings, the chain alerts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.hub.models import ChainAlert, HubPayment, HubTerminal

#: A terminal heard from within this many seconds is online (heartbeats come every minute).
ONLINE_S = 180
#: Payment states that took the money.
PAID = ("approved", "settled")


@dataclass(frozen=True)
class TerminalRow:
    id: str
    online: bool
    revoked: bool
    last_seen: str
    acked_seq: int
    backlog: Any
    printer: Any
    version: Any


@dataclass(frozen=True)
class Takings:
    by_terminal: dict[str, int]
    by_path: dict[str, int]

    @property
    def total_fen(self) -> int:
        return sum(self.by_terminal.values())


def terminals(session: Session, *, now: float) -> list[TerminalRow]:
    rows = []
    for t in session.scalars(select(HubTerminal).order_by(HubTerminal.id)):
        beat = t.heartbeat or {}
        seen = t.last_seen_at
        rows.append(
            TerminalRow(
                id=t.id,
                online=seen is not None and now - seen <= ONLINE_S and not t.revoked,
                revoked=t.revoked,
                last_seen=_when(seen),
                acked_seq=t.acked_seq,
                backlog=beat.get("backlog", "–"),
                printer=beat.get("printer", "–"),
                version=beat.get("version", "–"),
            )
        )
    return rows


def takings(session: Session, *, now: float) -> Takings:
    """Payments that took money today (UTC, by the time the terminal journaled them)."""
    by_terminal: dict[str, int] = defaultdict(int)
    by_path: dict[str, int] = defaultdict(int)
    for payment in payments_on(session, utc_day(now), PAID):
        by_terminal[payment.terminal_id] += payment.amount_fen
        by_path[payment.path or "unknown"] += payment.amount_fen
    return Takings(dict(sorted(by_terminal.items())), dict(sorted(by_path.items())))


def utc_day(seconds: float) -> str:
    """The UTC date (``YYYY-MM-DD``) of Unix time ``seconds``."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d")


def payments_on(session: Session, day: str, states: Sequence[str]) -> list[HubPayment]:
    """Payments in ``states`` whose latest entry the terminal journaled on ``day`` (UTC)."""
    query = select(HubPayment).where(
        HubPayment.state.in_(states), HubPayment.updated_ts.startswith(day)
    )
    return list(session.scalars(query))


def alerts(session: Session, *, limit: int = 50) -> list[ChainAlert]:
    return list(session.scalars(select(ChainAlert).order_by(ChainAlert.id.desc()).limit(limit)))


def _when(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
