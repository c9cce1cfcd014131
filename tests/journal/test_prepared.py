"""Prepared statements store and read exactly what SQLAlchemy's own execution does.

Run on SQLite and on a real PostgreSQL server: the prepared path skips SQLAlchemy's
execution machinery, so a wrong paramstyle, a missed type processor (datetimes, enums,
JSON) or a driver error escaping as something other than ``JournalError`` would show here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Table, bindparam, create_engine, select, text

from kiosk.checkout import Checkout
from kiosk.config import Mode
from kiosk.journal.models import Order, OrderStatus, Payment, PaymentState, PrintJob
from kiosk.journal.prepared import Prepared
from kiosk.journal.store import JournalError, JournalStore
from kiosk.sales.order import LineItem, OrderDraft

PAYMENTS: Table = Payment.__table__  # type: ignore[assignment]
ORDERS: Table = Order.__table__  # type: ignore[assignment]
JOBS: Table = PrintJob.__table__  # type: ignore[assignment]

VALUES = {
    "state": PaymentState.APPROVED,
    "updated_at": datetime(2026, 11, 27, 3, 4, 5, 678901, tzinfo=UTC),
    "card_data": {"9F26": "0011223344556677", "label": "银联 借记", "nested": [1, {"a": None}]},
    "atc": 513,
    "pan_masked": "623456******7890",
    "ec_balance_after_fen": None,
}
UPDATE = Prepared(
    PAYMENTS.update()
    .where(PAYMENTS.c.id == bindparam("pid"))
    .values({name: bindparam(name) for name in VALUES})
)
READ = Prepared(
    select(PAYMENTS.c.state, PAYMENTS.c.updated_at, PAYMENTS.c.card_data, PAYMENTS.c.atc).where(
        PAYMENTS.c.id == bindparam("pid")
    )
)
DRAFT = OrderDraft(Mode.MARKET, (LineItem("VEG", "青菜", 2, 350),))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, journal_url: str) -> JournalStore:
    url = journal_url if request.param == "sqlite" else request.getfixturevalue("pg_url")
    store = JournalStore(url, "TEST0001")
    request.addfinalizer(store.dispose)
    return store


def _pending(store: JournalStore, n: int) -> list[int]:
    checkout = Checkout(store, None, None, unattended=False)  # type: ignore[arg-type]
    return [checkout._open(DRAFT, "test")[2] for _ in range(n)]


def _stored(store: JournalStore, pid: int) -> tuple[object, ...]:
    """The row as the driver returns it, with no type processing at all."""
    with store.engine.connect() as conn:
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(
            f"SELECT state, updated_at, card_data, atc, pan_masked, ec_balance_after_fen "
            f"FROM payment WHERE id = {int(pid)}"
        )
        return tuple(cursor.fetchone())


def test_writes_the_same_bytes_as_core(db: JournalStore) -> None:
    """One payment updated through Core, one through a prepared statement: identical rows."""
    core, prepared = _pending(db, 2)
    with db.transaction() as tx:
        tx.connection.execute(
            PAYMENTS.update().where(PAYMENTS.c.id == core).values(**VALUES)  # type: ignore[arg-type]
        )
        assert tx.run(UPDATE, {"pid": prepared, **VALUES}) == []
    assert _stored(db, core) == _stored(db, prepared)
    with db.read() as session:
        row = session.get(Payment, prepared)
        assert row is not None
        assert {name: getattr(row, name) for name in VALUES} == VALUES


def test_reads_through_the_result_processors(db: JournalStore) -> None:
    """Rows come back as the ORM reads them: enum text, aware datetime, JSON as objects."""
    [pid] = _pending(db, 1)
    with db.transaction() as tx:
        tx.run(UPDATE, {"pid": pid, **VALUES})
        [row] = tx.run(READ, {"pid": pid})
        assert tx.run(READ, {"pid": pid + 1000}) == []
    assert PaymentState(row.state) is PaymentState.APPROVED
    assert row.updated_at == VALUES["updated_at"] and row.updated_at.tzinfo is not None
    assert row.card_data == VALUES["card_data"]
    assert row.atc == 513


def test_values_written_into_the_statement(db: JournalStore) -> None:
    """Constants in ``.values()`` are bound; INSERT … RETURNING gives each new id."""
    [pid] = _pending(db, 1)
    with db.read() as session:
        order_id = session.get_one(Payment, pid).order_id
    mark_paid = Prepared(
        ORDERS.update().where(ORDERS.c.id == bindparam("oid")).values(status=OrderStatus.PAID)
    )
    queue = Prepared(
        JOBS.insert()
        .values(
            terminal_id="TEST0001",
            order_id=bindparam("oid"),
            kind=bindparam("kind"),
            status="queued",
            attempts=0,
            last_error="",
            created_at=bindparam("now"),
        )
        .returning(JOBS.c.id)
    )
    now = datetime.now(UTC)
    with db.transaction() as tx:
        tx.run(mark_paid, {"oid": order_id})
        ids = [tx.run(queue, {"oid": order_id, "kind": k, "now": now})[0].id for k in "abc"]
    assert ids == sorted(ids) and len(set(ids)) == 3
    with db.read() as session:
        assert session.get_one(Order, order_id).status is OrderStatus.PAID
        jobs = session.scalars(select(PrintJob).where(PrintJob.id.in_(ids))).all()
        assert sorted(j.kind for j in jobs) == ["a", "b", "c"]
        assert all(abs(j.created_at - now) < timedelta(seconds=1) for j in jobs)


def test_driver_error_is_a_journal_error_and_rolls_back(db: JournalStore) -> None:
    """A constraint the driver refuses: JournalError, nothing of the transaction kept."""
    [pid] = _pending(db, 1)
    head = db.entries()[-1].seq
    no_amount = Prepared(
        PAYMENTS.update().where(PAYMENTS.c.id == bindparam("pid")).values(amount_fen=None)
    )
    with pytest.raises(JournalError) as info, db.transaction() as tx:
        tx.run(UPDATE, {"pid": pid, **VALUES})
        tx.append("test.doomed", {"payment": pid}, actor="test")
        tx.run(no_amount, {"pid": pid})
    assert info.value.code == "journal.unavailable"
    with db.read() as session:
        assert session.get_one(Payment, pid).state is PaymentState.PENDING
    assert db.entries()[-1].seq == head
    db.record("test.after", {}, actor="test")
    assert [e.seq for e in db.entries(after_seq=head)] == [head + 1]


@pytest.mark.postgres
def test_one_statement_serves_both_backends(pg_url: str, journal_url: str) -> None:
    """The same prepared statements alternate between a SQLite and a PostgreSQL journal."""
    stores = [JournalStore(journal_url, "TEST0001"), JournalStore(pg_url, "TEST0001")]
    pids = [_pending(s, 1)[0] for s in stores]
    for _ in range(3):
        for store, pid in zip(stores, pids, strict=True):
            with store.transaction() as tx:
                tx.run(UPDATE, {"pid": pid, **VALUES})
                assert tx.run(READ, {"pid": pid})[0].card_data == VALUES["card_data"]
    for store in stores:
        assert [e.seq for e in store.entries()] == list(range(1, len(store.entries()) + 1))
        store.dispose()


@pytest.mark.postgres
def test_a_connection_lost_mid_transaction(pg_url: str) -> None:
    """The server drops the connection between two prepared statements: JournalError,
    nothing of that transaction kept, and the next transaction runs on a new connection."""
    store = JournalStore(pg_url, "TEST0001")
    [pid] = _pending(store, 1)
    head = store.entries()[-1].seq
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with pytest.raises(JournalError), store.transaction() as tx:
        tx.run(UPDATE, {"pid": pid, **VALUES})
        [(backend,)] = tx.connection.exec_driver_sql("SELECT pg_backend_pid()").all()
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        tx.run(READ, {"pid": pid})
    admin.dispose()
    with store.read() as session:
        assert session.get_one(Payment, pid).state is PaymentState.PENDING
    store.record("test.after", {}, actor="test")
    assert [e.seq for e in store.entries(after_seq=head)] == [head + 1]
    store.dispose()
