"""The journal on PostgreSQL: the same guarantees as on SQLite, through a real server."""

from __future__ import annotations

import threading

import pytest

from kiosk.checkout import Checkout
from kiosk.config import Mode
from kiosk.journal.models import PaymentState
from kiosk.journal.store import JournalStore
from kiosk.journal.verify import verify_journal
from kiosk.sales.order import LineItem, OrderDraft
from tests.checkout.conftest import ScriptedProvider, TestPrinter

pytestmark = pytest.mark.postgres


def test_concurrent_writers_stay_gapless(pg_url: str) -> None:
    """Six threads with their own stores: one gapless sequence, an intact chain."""
    JournalStore(pg_url, "TEST0001").dispose()

    def writer(k: int) -> None:
        store = JournalStore(pg_url, "TEST0001")
        for i in range(30):
            store.record("test.pg", {"writer": k, "i": i}, actor=f"w{k}")
        store.dispose()

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store = JournalStore(pg_url, "TEST0001")
    assert [e.seq for e in store.entries()] == list(range(1, 181))
    assert verify_journal(store).ok


def test_checkout_on_postgres(pg_url: str) -> None:
    """A sale through the pipeline on PostgreSQL is journalled, printed and verifiable."""
    store = JournalStore(pg_url, "TEST0001")
    printer = TestPrinter()
    draft = OrderDraft(Mode.PARKING, (LineItem("PARK", "停车费 2小时", 1, 1000),))
    result = Checkout(store, ScriptedProvider(), printer, unattended=False).pay(draft, actor="a")
    assert result.state is PaymentState.APPROVED and [j.kind for j in printer.printed] == [
        "receipt"
    ]
    assert verify_journal(store).ok
