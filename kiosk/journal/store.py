"""Opening the journal database and writing to it, one transaction at a time.

SQLite (the default) runs in WAL mode with ``synchronous=FULL`` so that a commit
survives power loss, and every write transaction starts with ``BEGIN IMMEDIATE``
so that concurrent writers queue instead of failing on lock upgrade. On
PostgreSQL the terminal row is locked ``FOR UPDATE`` for the same effect. Either
way sequence numbers stay gapless: the entry and the head move in one transaction.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, Table, bindparam, create_engine, event, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from kiosk.errors import KioskError
from kiosk.files import private_file
from kiosk.journal.anchor import Head, HeadFile, load_key
from kiosk.journal.chain import GENESIS, entry_hash
from kiosk.journal.models import JournalEntry, Terminal
from kiosk.journal.prepared import Prepared
from kiosk.journal.terminal_lock import TerminalLock, lock_terminal

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")


class JournalError(KioskError):
    """The journal cannot be opened or written: no payment may be taken."""

    code = "journal.unavailable"


def _cause(exc: Exception) -> object:
    """The driver's own message when there is one (SQLAlchemy's adds a long URL footer)."""
    return getattr(exc, "orig", None) or exc


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(ts: datetime) -> str:
    """The timestamp form stored in and hashed with an entry: UTC, microseconds, ``Z``."""
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def create_journal_engine(url: str) -> Engine:
    """An engine for ``url`` with the durability settings the journal needs."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # Owner-only before SQLite writes a byte (its -wal and -shm files take the same mode).
        private_file(Path(parsed.database))
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN IMMEDIATE is ours to emit.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # On the driver directly: this runs before every write (see kiosk.journal.prepared).
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE")

    return engine


def _file_dir(url: str) -> Path | None:
    """The directory of an SQLite journal file (None for memory and server databases)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return Path(parsed.database).parent  # type: ignore[arg-type]
    return None


# Alembic keeps its running context in module globals: one migration at a time per process.
_MIGRATE_LOCK = threading.Lock()


class JournalTooNewError(JournalError):
    """The journal was migrated by a newer kiosk (a downgrade): this version cannot read it."""

    code = "journal.too_new"


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (run at every start; cheap when current).

    Raises :class:`JournalTooNewError` when the database is at a revision this version does not
    know: a downgraded program must not write to a schema it has never seen.
    """
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    scripts = ScriptDirectory.from_config(cfg)
    head = scripts.get_current_head()
    with _MIGRATE_LOCK, engine.begin() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        if current == head:
            return
        if current is not None and current not in {s.revision for s in scripts.walk_revisions()}:
            from kiosk import __version__

            raise JournalTooNewError(
                f"the journal is at schema {current}, newer than this kiosk {__version__} knows "
                f"(up to {head}): install the newer version again; the journal is left untouched",
                revision=current,
            )
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


@dataclass(frozen=True)
class Appended:
    """An entry as written (the ORM row is not needed on the write path)."""

    terminal_id: str
    seq: int
    ts: str
    event: str
    actor: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass
class Tx:
    """One open write transaction: state changes and the journal entries that record them.

    This is the hot path of every sale. Its statements are :class:`Prepared` and run with
    :meth:`run` on the driver's cursor; entries are buffered and written with the head at
    commit time. Code off the hot path uses :attr:`connection` (Core) or :attr:`session`
    (ORM), both in the same transaction.
    """

    connection: Connection
    terminal_id: str
    now: datetime
    last_seq: int
    last_hash: str
    #: The chain key when this terminal's chain is keyed (see kiosk.journal.chain).
    key: bytes | None = None
    appended: list[Appended] = field(default_factory=list)
    _session: Session | None = field(default=None, repr=False)
    _cursor: Any = field(default=None, repr=False)

    @property
    def session(self) -> Session:
        """An ORM session inside this transaction (created on first use; flushed at commit)."""
        if self._session is None:
            self._session = Session(bind=self.connection, expire_on_commit=False)
        return self._session

    def run(self, statement: Prepared, params: Mapping[str, Any] | None = None) -> list[Any]:
        """Execute a prepared statement; its rows as named tuples (none for DML)."""
        compiled = statement.compiled(self.connection.dialect)
        cursor = self._driver_cursor()
        cursor.execute(compiled.sql, compiled.params(params or {}))
        return compiled.rows(cursor.fetchall()) if compiled.row else []

    def run_many(self, statement: Prepared, rows: Sequence[Mapping[str, Any]]) -> None:
        """Execute a prepared DML statement once per row (no rows come back)."""
        compiled = statement.compiled(self.connection.dialect)
        self._driver_cursor().executemany(compiled.sql, [compiled.params(r) for r in rows])

    def _driver_cursor(self) -> Any:
        if self._cursor is None:
            self._cursor = self.connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        return self._cursor

    @property
    def next_seq(self) -> int:
        return self.last_seq + 1

    def append(self, event_name: str, payload: dict[str, Any], *, actor: str) -> Appended:
        """Add the next entry of this terminal's chain (committed with the transaction)."""
        seq, ts = self.last_seq + 1, iso(self.now)
        digest = entry_hash(
            terminal_id=self.terminal_id,
            seq=seq,
            ts=ts,
            event=event_name,
            actor=actor,
            payload=payload,
            prev_hash=self.last_hash,
            key=self.key,
        )
        entry = Appended(
            self.terminal_id, seq, ts, event_name, actor, payload, self.last_hash, digest
        )
        self.appended.append(entry)
        self.last_seq, self.last_hash = seq, digest
        return entry

    def write(self) -> None:
        """Flush buffered entries and the new head (called once, just before commit)."""
        if self._session is not None:
            self._session.flush()
        if not self.appended:
            return
        self.run_many(_INSERT_ENTRY, [vars(e) for e in self.appended])
        self.run(
            _UPDATE_HEAD, {"tid": self.terminal_id, "seq": self.last_seq, "digest": self.last_hash}
        )

    def close(self) -> None:
        if self._cursor is not None:
            self._cursor.close()
        if self._session is not None:
            self._session.close()


# These run in every write transaction.
_ENTRIES: Table = JournalEntry.__table__  # type: ignore[assignment]
_TERMINALS: Table = Terminal.__table__  # type: ignore[assignment]
_INSERT_ENTRY = Prepared(
    _ENTRIES.insert().values({name: bindparam(name) for name in Appended.__dataclass_fields__})
)
_UPDATE_HEAD = Prepared(
    _TERMINALS.update()
    .where(_TERMINALS.c.id == bindparam("tid"))
    .values(last_seq=bindparam("seq"), last_hash=bindparam("digest"))
)
_SELECT_HEAD = Prepared(
    select(_TERMINALS.c.last_seq, _TERMINALS.c.last_hash, _TERMINALS.c.keyed_from)
    .where(_TERMINALS.c.id == bindparam("tid"))
    .with_for_update()
)


class JournalStore:
    """The journal of one terminal in one database."""

    def __init__(self, url: str, terminal_id: str, *, key_dir: Path | None = None) -> None:
        """Open (creating and migrating as needed) ``terminal_id``'s journal at ``url``.

        The terminal's chain key and head file (:mod:`kiosk.journal.anchor`) live beside an
        SQLite journal's file, so that every tool opening it finds the same ones; for a
        server database in ``key_dir`` (``data_dir``), without one the chain is not keyed.
        """
        self.url = url
        self.terminal_id = terminal_id
        self.key_dir = _file_dir(url) or key_dir
        try:
            self.engine = create_journal_engine(url)
            migrate(self.engine)
            self._sessions = sessionmaker(self.engine, expire_on_commit=False)
            with self._sessions.begin() as session:
                terminal = session.get(Terminal, terminal_id)
                if terminal is None:
                    terminal = Terminal(
                        id=terminal_id, created_at=utcnow(), last_seq=0, last_hash=GENESIS
                    )
                    session.add(terminal)
                self._key = self._chain_key(terminal)
                head = Head(terminal.last_seq or 0, terminal.last_hash, terminal.keyed_from or 0)
        except (SQLAlchemyError, sqlite3.Error) as exc:
            raise JournalError(
                f"cannot open the journal at {self.safe_url}: {_cause(exc)}", url=self.safe_url
            ) from exc
        except OSError as exc:
            raise JournalError(f"cannot read or make the journal's key: {exc}") from exc
        self.head_file: HeadFile | None = None
        if self.key_dir is not None and self._key is not None:
            self.head_file = HeadFile(self.key_dir, terminal_id, self._key)
            if not self.head_file.path.exists() and head.seq < head.keyed_from:
                # A new journal, or one keyed just now: nothing before this to compare with.
                self.head_file.write(head, durable=True)
        # Prepared statements raise the driver's own errors, not SQLAlchemy's.
        self._driver_error: type[Exception] = self.engine.dialect.loaded_dbapi.Error
        self._lock: TerminalLock | None = None

    def _chain_key(self, terminal: Terminal) -> bytes | None:
        """The terminal's chain key, made on the first open with a key directory; the chain
        is keyed from the next entry on (``keyed_from``)."""
        if self.key_dir is None:
            return None
        key = load_key(self.key_dir, self.terminal_id, create=not terminal.keyed_from)
        if key is not None and not terminal.keyed_from:
            terminal.keyed_from = (terminal.last_seq or 0) + 1
        return key

    @property
    def chain_key(self) -> bytes | None:
        """The terminal's chain key (for :mod:`kiosk.journal.verify`), None without one."""
        return self._key

    def lock_terminal(self) -> None:
        """Hold this terminal's selling lock until :meth:`dispose` (see
        :mod:`kiosk.journal.terminal_lock`); raises ``TerminalBusyError`` when another live
        process holds it. A selling process calls this before recovery and its first sale."""
        if self._lock is None or not self._lock.held:
            self._lock = lock_terminal(self.engine, self.terminal_id)

    @property
    def holds_terminal(self) -> bool:
        return self._lock is not None and self._lock.held

    @contextmanager
    def terminal_locked(self) -> Iterator[None]:
        """The terminal's lock for the block: kept if already held, else taken and released."""
        if self.holds_terminal:
            yield
            return
        self.lock_terminal()
        try:
            yield
        finally:
            self.release_terminal()

    def release_terminal(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @property
    def safe_url(self) -> str:
        """The URL without its password, for messages."""
        return make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def transaction(self, *, now: datetime | None = None) -> Iterator[Tx]:
        """A write transaction; commits on success, rolls back on any exception.

        Raises :class:`JournalError` when the database refuses the commit.
        """
        now = now or utcnow()
        try:
            with self.engine.begin() as conn:
                tx = Tx(conn, self.terminal_id, now, 0, "")
                [(tx.last_seq, tx.last_hash, keyed)] = tx.run(
                    _SELECT_HEAD, {"tid": self.terminal_id}
                )
                if keyed:
                    if self._key is None:
                        raise JournalError(
                            f"the chain key of terminal {self.terminal_id} is missing"
                            f" from {self.key_dir}: the journal cannot be written",
                            code="journal.key_missing",
                        )
                    tx.key = self._key
                try:
                    yield tx
                    tx.write()
                finally:
                    tx.close()
        except (SQLAlchemyError, self._driver_error) as exc:
            raise JournalError(f"journal write failed: {_cause(exc)}") from exc
        if tx.appended and self.head_file is not None:
            self._note_head(Head(tx.last_seq, tx.last_hash, keyed))

    def _note_head(self, head: Head) -> None:
        """Record the new head outside the database; a failure (disk full) only lets it lag."""
        assert self.head_file is not None
        try:
            self.head_file.write(head)
        except OSError as exc:
            log.warning("journal head file not updated: %s", exc)

    def record(
        self, event_name: str, payload: dict[str, Any], *, actor: str, now: datetime | None = None
    ) -> Appended:
        """Append one entry in a transaction of its own."""
        with self.transaction(now=now) as tx:
            return tx.append(event_name, payload, actor=actor)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading (rolled back at the end).

        A database the driver cannot read (damaged pages, not a database) raises one
        :class:`JournalError` (``journal.damaged``), for every reader alike.
        """
        try:
            with self._sessions() as session:
                yield session
        except (SQLAlchemyError, self._driver_error) as exc:
            raise JournalError(
                f"the journal at {self.safe_url} cannot be read: {_cause(exc)}",
                code="journal.damaged",
            ) from exc

    def integrity_problems(self) -> list[str]:
        """SQLite's own page-level check (``PRAGMA integrity_check``); other databases
        check themselves. Empty when sound."""
        if self.engine.dialect.name != "sqlite":
            return []
        with self.read() as session:
            rows = session.connection().exec_driver_sql("PRAGMA integrity_check").scalars()
            found = [str(r) for r in rows]
        return [] if found == ["ok"] else [f"database damaged: {p}" for p in found[:10]]

    def entries(self, *, after_seq: int = 0, limit: int | None = None) -> list[JournalEntry]:
        """Entries of this terminal in sequence order, from ``after_seq + 1``."""
        with self.read() as session:
            query = (
                select(JournalEntry)
                .where(JournalEntry.terminal_id == self.terminal_id, JournalEntry.seq > after_seq)
                .order_by(JournalEntry.seq)
            )
            if limit is not None:
                query = query.limit(limit)
            return list(session.scalars(query))

    def dispose(self) -> None:
        self.release_terminal()
        self.engine.dispose()
