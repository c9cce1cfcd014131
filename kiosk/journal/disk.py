"""The journal's disk: enough free space before a card is taken, and a way out when it fills
anyway after the card was asked.

- :meth:`DiskGuard.check` refuses a sale (``journal.disk_full``) while free space on the
  journal's disk is below ``journal.min_free_mb``: a card must never be charged for a sale
  the journal cannot record.
- :meth:`DiskGuard.release` frees a small reserve file (``journal.reserve_kb``), made when
  there was room, so that the outcome of a card already asked can still be written.
- :class:`OutcomeSpool` keeps an outcome that still could not be written, as a small file
  beside the journal, until it is (at the next sale or start-up). Checkout replays it.

Only a journal on a local file has a disk to watch: for a server database (PostgreSQL)
the guard looks at ``data_dir``, where the spool lives.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from kiosk.config import Settings
from kiosk.files import replace_file
from kiosk.journal.store import JournalError

log = logging.getLogger(__name__)

#: A kept record's size unit: a file system block (and page), so rewrites stay in place.
_BLOCK = 4096

__all__ = ["DiskFullError", "DiskGuard", "OutcomeSpool", "disk_guard", "outcome_spool"]


class DiskFullError(JournalError):
    """Too little free space on the journal's disk to take a card."""

    code = "journal.disk_full"


class DiskGuard:
    """Free space on ``directory``'s file system and the reserve file kept there."""

    def __init__(self, directory: Path, *, min_free_bytes: int, reserve_bytes: int) -> None:
        self.directory = directory
        self.min_free_bytes, self.reserve_bytes = min_free_bytes, reserve_bytes
        self.reserve = directory / "journal.reserve"

    def free_bytes(self) -> int:
        """Bytes an unprivileged writer may still use there (``f_bavail``)."""
        st = os.statvfs(self.directory)
        return st.f_bavail * st.f_frsize

    def check(self) -> None:
        """Raise :class:`DiskFullError` when free space is below the threshold (or the
        reserve could not be made: then a failed write after the card has no way out)."""
        free = self.free_bytes()
        if free < self.min_free_bytes:
            raise DiskFullError(
                f"only {free // 1024} KiB free on the journal's disk ({self.directory}),"
                f" {self.min_free_bytes // 1024} KiB needed to take a card",
                free=free,
            )
        if not self.ensure_reserve():
            raise DiskFullError(f"cannot keep the journal's reserve in {self.directory}", free=free)

    def ensure_reserve(self) -> bool:
        """Make the reserve file if it is missing; False when there is no room for it."""
        return _make_reserve(self.reserve, self.reserve_bytes)

    def release(self) -> bool:
        """Delete the reserve (a write after the card failed); True if there was one."""
        try:
            self.reserve.unlink()
        except FileNotFoundError:
            return False
        log.error("journal write failed after the card was asked: reserve released")
        return True


def _make_reserve(path: Path, size: int) -> bool:
    """A file of ``size`` bytes really allocated (a sparse one would free nothing when
    deleted); True when it is there, False when there is no room for it."""
    if not size:
        return True
    with contextlib.suppress(FileNotFoundError):
        if path.stat().st_size >= size:
            return True
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            os.posix_fallocate(fd, 0, size)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        log.warning("cannot make the reserve %s: %s", path, exc)
        path.unlink(missing_ok=True)
        return False
    return True


class OutcomeSpool:
    """Records the journal could not take yet, one small JSON file each, written atomically.

    A record is keyed (``payment-12``, ``job-40``) so that writing it twice replaces it.
    Files are 0600: they hold what the journal would (masked PAN at most).
    """

    def __init__(
        self, directory: Path, terminal_id: str, *, reserve_bytes: int = 8 * _BLOCK
    ) -> None:
        self.directory, self.terminal_id = directory, terminal_id
        #: The spool's own reserve: room for a few records when the journal took the rest.
        self.reserve, self.reserve_bytes = directory / "spool.reserve", reserve_bytes

    def ensure_reserve(self) -> bool:
        return _make_reserve(self.reserve, self.reserve_bytes)

    def _path(self, key: str) -> Path:
        return self.directory / f"{self.terminal_id}-{key}.json"

    def keep(self, key: str, record: dict[str, Any]) -> bool:
        """Write ``record`` under ``key``; False (logged) when even that is impossible.

        Records are padded to whole 4 KiB blocks. Rewriting a record that still fits its
        blocks happens in place, one aligned write into blocks already allocated, so that
        it needs no free space: it runs when the disk is full. A new record is written
        to a temporary file and renamed, so that a crash never leaves half of one.
        """
        if self._keep(key, record):
            return True
        # The disk is full: the spool's own reserve makes room for this record.
        self.reserve.unlink(missing_ok=True)
        if self._keep(key, record):
            return True
        log.critical("cannot keep %s for the journal: no space left", key)
        return False

    def _keep(self, key: str, record: dict[str, Any]) -> bool:
        path = self._path(key)
        body = json.dumps(record, sort_keys=True).encode()
        data = body.ljust(-(-len(body) // _BLOCK) * _BLOCK or _BLOCK)
        with contextlib.suppress(OSError):
            if path.stat().st_size == len(data):
                return self._rewrite(path, data)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            replace_file(path, data)
        except OSError as exc:
            log.error("cannot keep %s for the journal: %s", key, exc)
            return False
        return True

    @staticmethod
    def _rewrite(path: Path, data: bytes) -> bool:
        try:
            fd = os.open(path, os.O_WRONLY)
            try:
                os.pwrite(fd, data, 0)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            log.error("cannot update %s: %s", path, exc)
            return False
        return True

    def records(self) -> list[tuple[str, dict[str, Any]]]:
        """(key, record) of every record kept, oldest key first."""
        if not self.directory.is_dir():
            return []
        prefix = f"{self.terminal_id}-"
        found = []
        for path in sorted(self.directory.glob(f"{prefix}*.json")):
            try:
                found.append((path.stem[len(prefix) :], json.loads(path.read_text("utf-8"))))
            except (OSError, ValueError) as exc:
                raise JournalError(
                    f"kept journal record {path} is unreadable: {exc}", path=str(path)
                ) from exc
        return found

    def drop(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def journal_dir(settings: Settings) -> Path:
    """The directory whose disk holds the journal: the SQLite file's, else ``data_dir``."""
    url = make_url(settings.journal_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).parent
    return settings.data_dir


def disk_guard(settings: Settings) -> DiskGuard:
    """The guard ``journal.min_free_mb`` and ``journal.reserve_kb`` describe."""
    return DiskGuard(
        journal_dir(settings),
        min_free_bytes=int(settings.journal.min_free_mb * 1024 * 1024),
        reserve_bytes=settings.journal.reserve_kb * 1024,
    )


def outcome_spool(settings: Settings) -> OutcomeSpool:
    """Where this terminal keeps what the journal could not take: ``<data_dir>/outcomes``."""
    return OutcomeSpool(settings.data_dir / "outcomes", settings.terminal.id)
