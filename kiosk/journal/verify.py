"""Checking a terminal's journal: gapless sequence, intact links, matching head."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from kiosk.journal.chain import GENESIS, entry_hash
from kiosk.journal.models import JournalEntry, Terminal
from kiosk.journal.store import JournalStore


@dataclass
class VerifyReport:
    """What ``kiosk journal verify`` prints: entries checked and every problem found."""

    terminal_id: str
    entries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_journal(store: JournalStore, *, max_problems: int = 50) -> VerifyReport:
    """Walk the chain of ``store``'s terminal and report every break (up to ``max_problems``)."""
    report = VerifyReport(store.terminal_id)
    expected_seq, prev = 1, GENESIS
    with store.read() as session:
        rows = session.scalars(
            select(JournalEntry)
            .where(JournalEntry.terminal_id == store.terminal_id)
            .order_by(JournalEntry.seq)
            .execution_options(yield_per=1000)
        )
        for entry in rows:
            report.entries += 1
            if entry.seq != expected_seq:
                report.problems.append(f"entry {expected_seq} missing (found {entry.seq} next)")
            if entry.prev_hash != prev:
                report.problems.append(f"entry {entry.seq} does not link to the one before it")
            digest = entry_hash(
                terminal_id=entry.terminal_id,
                seq=entry.seq,
                ts=entry.ts,
                event=entry.event,
                actor=entry.actor,
                payload=entry.payload,
                prev_hash=entry.prev_hash,
            )
            if digest != entry.hash:
                report.problems.append(f"entry {entry.seq} was altered (hash mismatch)")
            expected_seq, prev = entry.seq + 1, entry.hash
            if len(report.problems) >= max_problems:
                return report
        head = session.get(Terminal, store.terminal_id)
        if head is not None and (head.last_seq != expected_seq - 1 or head.last_hash != prev):
            report.problems.append(
                f"journal ends at entry {expected_seq - 1} but its head says {head.last_seq}"
                " (entries removed from the end?)"
            )
    return report
