"""The hash chain: a clean journal verifies; edits, deletions, reordering and truncation do not."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import delete, select, update

from kiosk.journal.models import JournalEntry
from kiosk.journal.store import JournalStore
from kiosk.journal.verify import verify_journal


def _fill(store: JournalStore, n: int = 6) -> None:
    for i in range(n):
        store.record("test.event", {"i": i, "text": "门票 ¥1.00"}, actor="tester")


def test_clean_journal_verifies(store: JournalStore) -> None:
    """Entries written through the store form a gapless, intact chain."""
    _fill(store)
    report = verify_journal(store)
    assert report.ok and report.entries == 6
    assert [e.seq for e in store.entries()] == [1, 2, 3, 4, 5, 6]
    assert [e.seq for e in store.entries(after_seq=4)] == [5, 6]


def _edit_payload(s) -> None:
    s.execute(update(JournalEntry).where(JournalEntry.seq == 3).values(payload={"i": 99}))


def _edit_event(s) -> None:
    s.execute(update(JournalEntry).where(JournalEntry.seq == 2).values(event="test.other"))


def _edit_and_rehash(s) -> None:
    # A forger who recomputes the edited entry's own hash still breaks the next link.
    from kiosk.journal.chain import entry_hash

    e = s.scalars(select(JournalEntry).where(JournalEntry.seq == 3)).one()
    e.payload = {"i": 99}
    e.hash = entry_hash(
        terminal_id=e.terminal_id,
        seq=e.seq,
        ts=e.ts,
        event=e.event,
        actor=e.actor,
        payload=e.payload,
        prev_hash=e.prev_hash,
    )


def _delete_middle(s) -> None:
    s.execute(delete(JournalEntry).where(JournalEntry.seq == 4))


def _delete_last(s) -> None:
    s.execute(delete(JournalEntry).where(JournalEntry.seq == 6))


def _reorder(s) -> None:
    a = s.scalars(select(JournalEntry).where(JournalEntry.seq == 2)).one()
    b = s.scalars(select(JournalEntry).where(JournalEntry.seq == 5)).one()
    a.seq, b.seq = -1, 2
    s.flush()
    a.seq = 5


def _edit_timestamp(s) -> None:
    s.execute(
        update(JournalEntry).where(JournalEntry.seq == 1).values(ts="2020-01-01T00:00:00.000000Z")
    )


@pytest.mark.parametrize(
    ("tamper", "needle"),
    [
        (_edit_payload, "entry 3 was altered"),
        (_edit_event, "entry 2 was altered"),
        (_edit_and_rehash, "entry 4 does not link"),
        (_delete_middle, "entry 4 missing"),
        (_delete_last, "head says 6"),
        (_reorder, "entry 2"),
        (_edit_timestamp, "entry 1"),
    ],
    ids=[
        "edit-payload",
        "edit-event",
        "edit-and-rehash",
        "delete-middle",
        "delete-last",
        "reorder",
        "edit-timestamp",
    ],
)
def test_tampering_is_detected(store: JournalStore, tamper: Callable, needle: str) -> None:
    """Each kind of tampering with stored entries makes verify report the entry concerned."""
    _fill(store)
    with store.read() as session:
        tamper(session)
        session.commit()
    report = verify_journal(store)
    assert not report.ok
    assert any(needle in p for p in report.problems), report.problems


def test_verify_command_exit_status(journal_url: str, tmp_path, monkeypatch) -> None:
    """`kiosk journal verify` exits 0 on an intact journal and 1 on a broken one."""
    from kiosk.cli import main

    cfg = tmp_path / "k.toml"
    cfg.write_text(f'[journal]\nurl = "{journal_url}"\n[terminal]\nid = "TEST0001"\n')
    store = JournalStore(journal_url, "TEST0001")
    _fill(store)
    assert main(["--config", str(cfg), "journal", "verify"]) == 0
    with store.read() as session:
        _edit_payload(session)
        session.commit()
    assert main(["--config", str(cfg), "journal", "verify"]) == 1
