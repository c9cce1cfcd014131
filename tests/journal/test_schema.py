"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext

from kiosk.journal.models import Base
from kiosk.journal.store import MIGRATIONS, JournalStore
from kiosk.journal.verify import verify_journal


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


def test_an_older_journal_is_upgraded_with_its_entries(journal_url: str) -> None:
    """A journal taken back to revision 0002 comes up to date when opened, entries intact."""
    store = JournalStore(journal_url, "TEST0001")
    for i in range(3):
        store.record("test.old", {"i": i}, actor="t")
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002")
        assert MigrationContext.configure(conn).get_current_revision() == "0002"
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) != []
    store.dispose()
    reopened = JournalStore(journal_url, "TEST0001")
    with reopened.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    assert [e.payload["i"] for e in reopened.entries()] == [0, 1, 2]
    assert verify_journal(reopened).ok
    reopened.dispose()
