"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import insert, update

from kiosk import __version__
from kiosk.journal.chain import GENESIS, entry_hash
from kiosk.journal.models import Base, JournalEntry, Terminal
from kiosk.journal.store import (
    MIGRATIONS,
    JournalStore,
    JournalTooNewError,
    create_journal_engine,
)
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
    """A journal of revision 0002, its chain plain SHA-256 as then written, comes up to date
    when opened: entries intact, the chain keyed from the next entry on."""
    engine = create_journal_engine(journal_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) != []
    prev, ts = GENESIS, "2026-11-01T00:00:00.000000Z"
    with engine.begin() as conn:
        conn.exec_driver_sql(  # the 0002 table, without the columns added since
            "INSERT INTO terminal (id, created_at, last_seq, last_hash, synced_seq)"
            " VALUES ('TEST0001', '2026-11-01 00:00:00.000000', 0, '', 0)"
        )
        for seq in (1, 2, 3):
            fields = {"seq": seq, "ts": ts, "event": "test.old", "actor": "t"}
            digest = entry_hash(
                terminal_id="TEST0001", payload={"i": seq - 1}, prev_hash=prev, **fields
            )
            conn.execute(
                insert(JournalEntry.__table__).values(
                    terminal_id="TEST0001",
                    payload={"i": seq - 1},
                    prev_hash=prev,
                    hash=digest,
                    **fields,
                )
            )
            prev = digest
        conn.execute(update(Terminal.__table__).values(last_seq=3, last_hash=prev))
    engine.dispose()
    reopened = JournalStore(journal_url, "TEST0001")
    with reopened.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    reopened.record("test.new", {"i": 3}, actor="t")
    assert [e.payload["i"] for e in reopened.entries()] == [0, 1, 2, 3]
    with reopened.read() as session:
        assert session.get_one(Terminal, "TEST0001").keyed_from == 4
    assert verify_journal(reopened).ok
    reopened.dispose()


def test_a_journal_from_a_newer_version_is_refused_in_one_line(tmp_path: Path) -> None:
    """A downgrade: the database is at a revision this version has never seen. Every command
    stops with one line naming it, and nothing is written (the newer version still reads it)."""
    db = tmp_path / "journal.db"
    JournalStore(f"sqlite:///{db}", "TEST0001").dispose()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099_future'")
    before = _dump(db)
    with pytest.raises(JournalTooNewError, match="0099_future") as refused:
        JournalStore(f"sqlite:///{db}", "TEST0001")
    assert refused.value.code == "journal.too_new"
    env = {**os.environ, "KIOSK_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [str(Path(sys.executable).with_name("kiosk")), "journal", "verify"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode != 0
    [line] = done.stderr.splitlines()
    assert line.startswith(
        f"kiosk: journal.too_new: the journal is at schema 0099_future, newer than this kiosk "
        f"{__version__} knows"
    ), line
    assert line.endswith("install the newer version again; the journal is left untouched")
    assert _dump(db) == before


def _dump(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return list(conn.iterdump())
