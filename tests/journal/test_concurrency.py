"""Concurrent writers: sequence numbers stay gapless and unique, the chain stays intact."""

from __future__ import annotations

import threading

from kiosk.journal.store import JournalStore
from kiosk.journal.verify import verify_journal


def test_threads_keep_the_sequence_gapless(journal_url: str) -> None:
    """Eight threads, each with its own store on the same file, write 40 entries each."""
    threads_n, per_thread = 8, 40
    JournalStore(journal_url, "TEST0001").dispose()  # migrate once before the race
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads_n)

    def writer(k: int) -> None:
        store = JournalStore(journal_url, "TEST0001")
        try:
            barrier.wait()
            for i in range(per_thread):
                store.record("test.concurrent", {"writer": k, "i": i}, actor=f"w{k}")
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread below
            errors.append(exc)
        finally:
            store.dispose()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    store = JournalStore(journal_url, "TEST0001")
    entries = store.entries()
    assert [e.seq for e in entries] == list(range(1, threads_n * per_thread + 1))
    # Every writer's entries are all there, each exactly once and in its own order.
    for k in range(threads_n):
        mine = [e.payload["i"] for e in entries if e.payload["writer"] == k]
        assert mine == list(range(per_thread))
    assert verify_journal(store).ok


def test_shared_store_across_threads(store: JournalStore) -> None:
    """One store object used from several threads (UI worker, sync) also stays gapless."""

    def writer(k: int) -> None:
        for i in range(25):
            store.record("test.shared", {"writer": k, "i": i}, actor="t")

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [e.seq for e in store.entries()] == list(range(1, 101))
    assert verify_journal(store).ok
