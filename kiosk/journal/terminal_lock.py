"""One live selling process per terminal: an exclusive lock held for the process's life.

Start-up recovery turns every *pending* payment of the terminal into *aborted* or
*uncertain*. That is only right for payments whose process is gone: a second process
recovering beside a live one would abort the sale it is taking while the card approves.
So a selling process holds this lock for as long as it lives, and recovery runs only under
it. The operating system drops the lock when the process dies (even by SIGKILL), which is
what makes "no holder" mean "no live seller".

- SQLite: ``flock`` on ``<journal file>.<terminal>.lock`` beside the database (in
  ``data_dir`` by default), so every process that opens the same journal file meets it.
- PostgreSQL: a session advisory lock (``pg_try_advisory_lock``) keyed by the terminal id,
  on a connection kept open for the lock's life.
- An in-memory SQLite journal belongs to one process: nothing to lock.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from kiosk.errors import KioskError

__all__ = ["TerminalBusyError", "TerminalLock", "lock_terminal"]


class TerminalBusyError(KioskError):
    """Another live process sells on this terminal: this one must not start selling."""

    code = "terminal.busy"


class TerminalLock:
    """A held terminal lock; :meth:`release` (idempotent) gives it up."""

    def __init__(self, release: Callable[[], None]) -> None:
        self._release: Callable[[], None] | None = release

    @property
    def held(self) -> bool:
        return self._release is not None

    def release(self) -> None:
        if self._release is not None:
            release, self._release = self._release, None
            release()


def _busy(terminal_id: str, holder: str) -> TerminalBusyError:
    return TerminalBusyError(
        f"terminal {terminal_id} is already selling in another process{holder};"
        " stop it first (one selling process per terminal)",
        terminal=terminal_id,
    )


def _file_lock(path: Path, terminal_id: str) -> TerminalLock:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        os.close(fd)
        raise _busy(terminal_id, f" (pid {holder})" if holder.isdigit() else "") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)

    def release() -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    return TerminalLock(release)


def _advisory_key(terminal_id: str) -> int:
    """A signed 64-bit key for ``terminal_id`` (PostgreSQL's advisory lock key space)."""
    digest = hashlib.sha256(b"kiosk.terminal:" + terminal_id.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _advisory_lock(engine: Engine, terminal_id: str) -> TerminalLock:
    key = _advisory_key(terminal_id)
    conn = engine.connect()
    try:
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
        conn.commit()
    except BaseException:
        conn.close()
        raise
    if not got:
        conn.close()
        raise _busy(terminal_id, "")

    def release() -> None:
        try:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            conn.commit()
        finally:
            conn.close()

    return TerminalLock(release)


def lock_terminal(engine: Engine, terminal_id: str) -> TerminalLock:
    """Take ``terminal_id``'s lock in the journal ``engine`` points at, or raise
    :class:`TerminalBusyError` (one line for the operator) when a live process holds it."""
    url = make_url(engine.url)
    if url.get_backend_name() == "postgresql":
        return _advisory_lock(engine, terminal_id)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        db = Path(url.database)
        return _file_lock(db.with_name(f"{db.name}.{terminal_id}.lock"), terminal_id)
    return TerminalLock(lambda: None)
