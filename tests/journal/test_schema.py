"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from kiosk.journal.models import Base
from kiosk.journal.store import JournalStore


def test_migrations_match_models(store: JournalStore) -> None:
    """No difference between the migrated database and the models (no forgotten migration)."""
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_sqlite_is_durable(store: JournalStore) -> None:
    """The default SQLite journal runs in WAL mode with synchronous=FULL."""
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_reopening_is_idempotent(journal_url: str) -> None:
    """Opening an existing journal again migrates nothing and keeps its entries."""
    first = JournalStore(journal_url, "TEST0001")
    first.record("test.one", {}, actor="t")
    first.dispose()
    second = JournalStore(journal_url, "TEST0001")
    assert [e.event for e in second.entries()] == ["test.one"]
