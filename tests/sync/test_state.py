"""The sync state in the journal database: the mark, the backlog, unacknowledged offline money."""

from __future__ import annotations

from kiosk.journal.store import JournalStore
from kiosk.sync.state import SyncStateStore


def _approve(store: JournalStore, path: str, amount: int) -> None:
    store.record("payment.approved", {"path": path, "amount_fen": amount}, actor="test")


def test_offline_total_counts_offline_approvals_after_the_mark(store: JournalStore) -> None:
    """EC, plain and qPBOC offline approvals count; online ones and other events do not;
    what the hub acknowledged no longer counts."""
    state = SyncStateStore(store)
    _approve(store, "ec_offline", 1000)  # seq 1
    _approve(store, "online", 5000)  # seq 2
    store.record("payment.declined", {"path": "", "amount_fen": 700}, actor="test")  # seq 3
    _approve(store, "qpboc_offline", 300)  # seq 4
    _approve(store, "offline", 20)  # seq 5
    assert state.offline_unacked_fen() == 1320
    state.acknowledged(4, hub_url="http://hub.test")
    assert state.offline_unacked_fen() == 20
    status = state.status()
    assert (status.acked_seq, status.last_seq, status.backlog) == (4, 5, 1)
    assert status.hub_url == "http://hub.test" and status.last_contact_at is not None


def test_state_survives_reopening(journal_url: str) -> None:
    """The mark is in the database: a new process sees where the last one stopped."""
    first = JournalStore(journal_url, "TEST0001")
    SyncStateStore(first).acknowledged(0, hub_url="http://a")
    first.record("x", {}, actor="t")
    SyncStateStore(first).acknowledged(1, hub_url="http://a")
    first.dispose()
    again = JournalStore(journal_url, "TEST0001")
    try:
        status = SyncStateStore(again).status()
        assert (status.acked_seq, status.backlog, status.hub_url) == (1, 0, "http://a")
        assert status.as_json()["backlog"] == 0
    finally:
        again.dispose()
