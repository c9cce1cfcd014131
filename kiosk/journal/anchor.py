"""What the journal's database cannot vouch for by itself: the terminal's chain key and the
last head, kept beside the data as small files.

- The **key** (``journal-<terminal>.key``, 32 random bytes in hex, mode 0600) keys the hash
  chain (HMAC-SHA256, :mod:`kiosk.journal.chain`): rewriting an entry and recomputing the
  links is only possible with it.
- The **head file** (``journal-<terminal>.head``) holds the sequence number and hash of the
  newest entry and the first keyed sequence number, with an HMAC under the key. It is
  replaced atomically (write a temporary file, rename) after every commit that appended
  entries. A database that ends before it (rows deleted from the end, all rows deleted, a
  deleted or emptied ``journal.db``) went backwards: :func:`head_problems` says so, and
  the terminal refuses to sell until an operator accepts the reset
  (``kiosk journal accept-reset``), which is journalled.

Each rename is not followed by an fsync (that would double the cost of a durable commit):
after a power cut the head file may lag the database, never lead it, and a lagging head
file is checked against the entry it names. It is fsynced when it is first made and when
a reset is accepted.
"""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path

from kiosk.errors import KioskError

__all__ = ["Head", "HeadFile", "load_key"]

#: Bound on what is read from either file: they hold one short line.
_MAX = 4096


class JournalRewoundError(KioskError):
    """The journal is behind what was recorded outside it: no sale until an operator acts."""

    code = "journal.rewound"


@dataclass(frozen=True)
class Head:
    """The newest entry as recorded outside the database."""

    seq: int
    hash: str
    keyed_from: int


def _read_small(path: Path) -> str:
    with path.open("rb") as f:
        return f.read(_MAX).decode("ascii", "replace")


def load_key(directory: Path, terminal_id: str, *, create: bool) -> bytes | None:
    """The terminal's chain key; made (0600) when missing and ``create``, else None."""
    path = directory / f"journal-{terminal_id}.key"
    if create and not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first: read theirs
        else:
            try:
                os.write(fd, secrets.token_hex(32).encode() + b"\n")
                os.fsync(fd)
            finally:
                os.close(fd)
    try:
        text = _read_small(path).strip()
    except FileNotFoundError:
        return None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise KioskError(f"journal key {path} is not 64 hex digits", code="journal.bad_key")
    return key


class HeadFile:
    """The head file of one terminal, signed with its key."""

    def __init__(self, directory: Path, terminal_id: str, key: bytes) -> None:
        self.path = directory / f"journal-{terminal_id}.head"
        self._terminal, self._key = terminal_id, key

    def _mac(self, seq: int, digest: str, keyed_from: int) -> str:
        body = f"{self._terminal}:{seq}:{digest}:{keyed_from}".encode()
        return hmac.new(self._key, body, sha256).hexdigest()

    def read(self) -> Head | None:
        """The recorded head; None when there is no file. Raises JournalRewoundError when
        the file was altered or is unreadable."""
        try:
            text = _read_small(self.path)
        except FileNotFoundError:
            return None
        try:
            seq_text, digest, keyed_text, mac = text.split()
            seq, keyed_from = int(seq_text), int(keyed_text)
        except ValueError:
            seq, digest, keyed_from, mac = -1, "", 0, ""
        if seq < 0 or not hmac.compare_digest(mac, self._mac(seq, digest, keyed_from)):
            raise JournalRewoundError(
                f"the journal's head file {self.path} was altered or is damaged"
            )
        return Head(seq, "" if digest == "-" else digest, keyed_from)

    def write(self, head: Head, *, durable: bool = False) -> None:
        """Replace the file atomically (see the module docstring for ``durable``)."""
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        line = f"{head.seq} {head.hash or '-'} {head.keyed_from}"
        data = f"{line} {self._mac(head.seq, head.hash or '-', head.keyed_from)}\n".encode()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, data)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.path)
        if durable:
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
