"""What the journal's database cannot vouch for by itself: the terminal's chain key and the
last head, kept beside the data as small files.

- The **key** (``journal-<terminal>.key``, 32 random bytes in hex, mode 0600) keys the hash
  chain (HMAC-SHA256, :mod:`kiosk.journal.chain`): rewriting an entry and recomputing the
  links is only possible with it.
- The **head file** (``journal-<terminal>.head``) holds the sequence number and hash of the
  newest entry and the first keyed sequence number, with an HMAC under the key. It is
  rewritten after every commit that appended entries (:meth:`HeadFile.write`). A
  database that ends before it (rows deleted from the end, all rows deleted, a deleted
  or emptied ``journal.db``) went backwards: ``kiosk.journal.verify.head_problems`` says
  so, and the terminal refuses to sell until an operator accepts the reset
  (``kiosk journal accept-reset``), which is journalled.

The rewrite after a commit is not fsynced (that would double the cost of a durable
commit): after a power cut the head file may lag the database, never lead it, and a
lagging head file is checked against the entry it names. It is fsynced when it is first
made and when a reset is accepted.
"""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path

from kiosk.errors import KioskError
from kiosk.files import replace_file

__all__ = ["Head", "HeadFile", "load_key"]

#: Bound on what is read from either file: they hold one short line.
_MAX = 4096
#: The head file's one line, padded: less than a disk sector (see HeadFile.write).
_LINE = 256


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
        """Record ``head`` (see the module docstring for ``durable``).

        The file is one line padded to :data:`_LINE` bytes. After every commit the line is
        overwritten in place: one write inside the first disk sector, which lands whole or
        not at all, and costs a few microseconds where a temporary file and a rename cost
        some 150 (a third of a durable commit). Making the file, and ``durable`` writes,
        go through a temporary file, a rename and fsyncs.
        """
        token = head.hash or "-"
        line = f"{head.seq} {token} {head.keyed_from} {self._mac(head.seq, token, head.keyed_from)}"
        data = line.encode().ljust(_LINE - 1) + b"\n"
        if not durable:
            try:
                fd = os.open(self.path, os.O_WRONLY)
            except FileNotFoundError:
                pass
            else:
                try:
                    os.pwrite(fd, data, 0)
                finally:
                    os.close(fd)
                return
        replace_file(self.path, data)
