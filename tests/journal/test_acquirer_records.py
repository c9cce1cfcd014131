"""The acquirer link's records in the journal database: STAN, sealed boxes, order, removal."""

from __future__ import annotations

from pathlib import Path

from kiosk.journal.acquirer_records import JournalLinkRecords
from kiosk.journal.store import JournalStore
from kiosk.payment.host.link_state import LinkState


def _state(tmp_path: Path) -> tuple[JournalStore, LinkState]:
    store = JournalStore(f"sqlite:///{tmp_path / 'journal.db'}", "TEST0001")
    return store, LinkState(tmp_path / "acquirer", JournalLinkRecords(store))


def test_stan_and_records_survive_a_new_store(tmp_path: Path) -> None:
    store, state = _state(tmp_path)
    assert [state.next_stan() for _ in range(3)] == [1, 2, 3]
    state.reversals.put(7, {"t": "0400", "2": "6212340000000019", "39": "98"})
    state.reversals.put(5, {"t": "0400", "2": "6212340000000027", "39": "98"})
    state.reversals.put(7, {"t": "0400", "2": "6212340000000019", "39": "A0"})  # replaced
    state.advices.put(9, {"t": "0320"})
    store.dispose()

    store, again = _state(tmp_path)
    assert again.next_stan() == 4
    assert again.reversals.stans() == [7, 5]  # first stored first, a replacement keeps its place
    assert again.reversals.get(7) == {"t": "0400", "2": "6212340000000019", "39": "A0"}
    assert again.advices.stans() == [9] and again.batch.stans() == []
    again.reversals.remove(7)
    assert again.reversals.stans() == [5] and again.reversals.get(7) is None
    store.dispose()
    database = b"".join(p.read_bytes() for p in tmp_path.glob("journal.db*"))
    assert b"6212340000000027" not in database and b"0400" not in database


def test_stan_wraps_after_999999(tmp_path: Path) -> None:
    store, state = _state(tmp_path)
    state.next_stan()
    from sqlalchemy import update

    from kiosk.journal.models import AcquirerStan

    with store.transaction() as tx:
        tx.connection.execute(update(AcquirerStan).values(last_stan=999_999))
    assert state.next_stan() == 1
    store.dispose()
