"""Reading and creating the small files the terminal keeps: bounded, typed, private.

Every file the program reads (config, key files, card state, the used-ticket registry) is
a few kilobytes when it is right. Reading one without a bound lets ``/dev/zero`` or a
runaway file exhaust memory, so each read stops one byte past its limit and says so.
Files that hold secrets or the journal are created owner-only (0600) whatever the umask.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from kiosk.errors import ConfigError

__all__ = [
    "KIB",
    "MIB",
    "private_file",
    "read_bounded",
    "read_text_bounded",
    "replace_file",
]

KIB = 1024
MIB = 1024 * KIB


def _error(path: Path, what: str, why: str, code: str) -> ConfigError:
    return ConfigError(f"{what} {path}: {why}", code=code, path=str(path))


def read_bounded(path: Path, *, limit: int, what: str, code: str) -> bytes:
    """The bytes of ``path``, at most ``limit`` of them.

    Raises ConfigError ``code`` naming ``what`` when the file is missing, a directory,
    unreadable or larger than ``limit`` (a device such as ``/dev/zero`` included).
    """
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except FileNotFoundError as exc:
        raise _error(path, what, "not found", code) from exc
    except IsADirectoryError as exc:
        raise _error(path, what, "is a directory", code) from exc
    except OSError as exc:
        raise _error(path, what, f"cannot read: {exc.strerror}", code) from exc
    if len(data) > limit:
        raise _error(path, what, f"larger than {limit} bytes", code)
    return data


def read_text_bounded(path: Path, *, limit: int, what: str, code: str) -> str:
    """:func:`read_bounded`, decoded as UTF-8 (ConfigError ``code`` when it is not)."""
    data = read_bounded(path, limit=limit, what=what, code=code)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _error(path, what, f"not UTF-8 text (byte {exc.start})", code) from exc


def private_file(path: Path, *, mode: int = 0o600) -> None:
    """Create ``path`` empty with ``mode`` if it does not exist, and set ``mode`` on it.

    Done before a library (SQLite, reportlab) writes it, so that its content is never
    readable by others, not even for the moment between creation and a chmod.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, mode)
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            os.fchmod(fd, mode)
    finally:
        os.close(fd)


def replace_file(path: Path, data: bytes, *, mode: int = 0o600, group: int | None = None) -> None:
    """Replace ``path`` (``mode``, 0600 unless said; owned by ``group`` when given) with
    ``data`` so that a crash leaves the old file or the new one, never half: a temporary
    file, fsync, rename, fsync of the directory."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            if group is not None:
                os.fchown(fd, -1, group)
            os.fchmod(fd, mode)
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
