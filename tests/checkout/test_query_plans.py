"""No everyday operation reads a whole table that grows with every sale.

A kiosk's journal keeps months of sales, and kiosks and gates of a site share one
database. Every SQL statement that selling, printing, a gate tap, a reprint, the product
screen's quotas, the health check before each customer, start-up recovery, the day
report and closing the shift send is captured at the driver (prepared statements
included) and explained by SQLite: each must find its rows through an index. Without
one, a gate tap's lookup took 2.3 s on a journal of 3,000 sales and grew with its square.
"""

from __future__ import annotations

import dataclasses
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from kiosk.checkout.gate_card import admit_by_card
from kiosk.checkout.recovery import recover_pending, uncertain_payments
from kiosk.checkout.settlement import day_period, transaction_records
from kiosk.checkout.terminal import KioskServices, build_services
from kiosk.config import load_settings
from kiosk.journal.models import PaymentState
from kiosk.journal.store import utcnow
from kiosk.journal.used_tickets import JournalUsedTickets
from kiosk.payment.settings import pan_token_key
from kiosk.sales.gate import GateVerdict
from kiosk.sales.tickets import today_in_china

#: Tables with a row (or several) per sale, scan or tap.
GROWING = {"sale_order", "order_line", "payment", "print_job", "journal_entry", "used_ticket"}
_SCAN = re.compile(r"^SCAN (\w+)")


@pytest.fixture
def traced(tmp_path: Path) -> Iterator[tuple[KioskServices, list[str]]]:
    """The demo terminal, with every statement its journal connections run recorded."""
    settings = dataclasses.replace(load_settings(environ={}), data_dir=tmp_path)
    services = build_services(settings)
    statements: list[str] = []

    def trace(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.set_trace_callback(statements.append)

    event.listen(services.store.engine, "connect", trace)
    services.store.engine.dispose()  # connections opened from now on are traced
    yield services, statements
    services.dispose()


def _full_scans(db: Path, statements: list[str]) -> dict[str, set[str]]:
    """Statement -> growing tables its query plan scans from end to end."""
    found: dict[str, set[str]] = {}
    with sqlite3.connect(db) as conn:
        for sql in dict.fromkeys(statements):
            if not re.match(r"\s*(SELECT|UPDATE|DELETE|INSERT .* SELECT)", sql, re.I | re.S):
                continue
            plan = conn.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
            tables = {m[1] for row in plan if (m := _SCAN.match(row[3]))} & GROWING
            if tables:
                found[sql] = tables
    return found


def test_everyday_operations_use_indexes(traced: tuple[KioskServices, list[str]]) -> None:
    services, statements = traced
    today = today_in_china(utcnow())
    services.sold_on(today)
    for count in (2, 1):
        draft = services.catalog.order({"ADULT": count}, visit_day=today)
        result = services.pay(draft, progress=lambda _: None, cancelled=lambda: False)
        assert result.state is PaymentState.APPROVED
    reader = services.sim_reader
    assert reader is not None
    card = reader.wait_for_card(1)
    assert card is not None
    try:
        decision = admit_by_card(
            services.store, reader, card, token_key=pan_token_key(services.settings), now=utcnow()
        )
    finally:
        reader.disconnect()
    assert decision.verdict is GateVerdict.ADMIT and decision.ticket is not None
    assert JournalUsedTickets(services.store).used_at(decision.ticket.ticket_id) is not None
    assert services.reprint_last() == (0, "")
    assert recover_pending(services.store) == {} and uncertain_payments(services.store) == []
    assert services.health() == ()
    assert list(transaction_records(services.store, day_period(today)))
    assert services.close_shift().sales.count == 2
    assert len(statements) > 30, "the trace did not capture the journal's statements"

    db = Path(services.store.engine.url.database or "")
    assert _full_scans(db, statements) == {}
