"""Opening the hub's database: SQLite by default, PostgreSQL by URL, migrated at start.

SQLite runs in WAL mode and starts every transaction with ``BEGIN IMMEDIATE`` so that
concurrent ingests queue instead of failing on lock upgrade; on PostgreSQL the terminal's
row is locked ``FOR UPDATE`` (see :mod:`kiosk.hub.ingest`).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from kiosk.files import private_file

MIGRATIONS = Path(__file__).with_name("migrations")
#: Kept apart from the journal's ``alembic_version`` should both share one database.
VERSION_TABLE = "hub_alembic_version"
#: Any constant: hubs starting together on one PostgreSQL database migrate one at a time.
_PG_MIGRATE_LOCK = 0x6B696F736B687562
_MIGRATE_LOCK = threading.Lock()


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite URL (None for memory and server databases)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return Path(str(parsed.database))
    return None


def create_hub_engine(url: str) -> Engine:
    """An engine for ``url``; an SQLite file is created owner-only."""
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=10)
    path = sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        private_file(path)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # BEGIN is ours to emit
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000"):
            dbapi_conn.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE")

    return engine


def migrate(engine: Engine) -> None:
    """Bring the hub's schema to the newest revision (cheap when current)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with _MIGRATE_LOCK, engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATE_LOCK})
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        if context.get_current_revision() == head:
            return
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def open_database(url: str) -> sessionmaker[Session]:
    """A migrated database's session factory."""
    engine = create_hub_engine(url)
    migrate(engine)
    return sessionmaker(engine, expire_on_commit=False)
