"""What the acquirer link must not forget across a restart: the STAN and owed reversals.

Kept in a directory of its own (``<data_dir>/acquirer``), each write made durable before
the caller goes on (temporary file, fsync, rename, fsync of the directory), so that a
process killed at any instant leaves either the old or the new state:

- ``stan``: the last systems trace audit number used (6 digits, 1..999999 then 1 again).
  It is advanced and written *before* a message carries it, so no STAN is used twice.
- ``reversals/<stan>.bin``: one 0400 owed to the acquirer, as its ISO 8583 fields, stored
  *before* the 0200 it cancels is sent and deleted once the acquirer acknowledged it;
- ``advices/<stan>.bin``: one offline approval's 0320, until the acquirer acknowledged it;
- ``batch/<stan>.bin``: the batch's cleared transactions, for a batch upload when
  settlement does not balance; emptied when the batch is settled.

Each record holds the PAN (field 2), so each file is AES-GCM-encrypted with the terminal's
own key (``link.key``, 0600, created on first use; the STAN is the associated data, so a
file renamed to another STAN does not open).

Plain files rather than the journal database: the payment package stays free of
SQLAlchemy (docs/architecture.md), and these records are the link's, not the sale's.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kiosk.errors import ConfigError
from kiosk.files import replace_file

__all__ = ["MAX_STAN", "LinkState", "SealedBox"]

MAX_STAN = 999_999
_NONCE = 12


def _sync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LinkState:
    """The STAN counter and the reversal store of one terminal (see the module docstring)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        aead = AESGCM(self._key())
        #: 0400s owed to the acquirer.
        self.reversals = SealedBox(directory / "reversals", aead, "reversal")
        #: Offline approvals (0320 advices) not yet acknowledged.
        self.advices = SealedBox(directory / "advices", aead, "advice")
        #: This batch's cleared transactions, for a batch upload after a mismatch.
        self.batch = SealedBox(directory / "batch", aead, "batch record")

    def _key(self) -> bytes:
        path = self.directory / "link.key"
        if not path.exists():
            replace_file(path, secrets.token_bytes(32))
        key = path.read_bytes()
        if len(key) != 32:
            raise ConfigError(f"{path} is not a 32-byte key", code="config.link_key")
        return key

    # --- STAN -----------------------------------------------------------------------

    @property
    def last_stan(self) -> int:
        path = self.directory / "stan"
        return int(path.read_text(encoding="ascii")) if path.exists() else 0

    def next_stan(self) -> int:
        """Advance the counter durably and return the new STAN."""
        stan = self.last_stan % MAX_STAN + 1
        replace_file(self.directory / "stan", f"{stan:06d}".encode("ascii"))
        return stan


class SealedBox:
    """Records (ISO 8583 field dicts) keyed by STAN, each AES-GCM-sealed in its own file."""

    def __init__(self, directory: Path, aead: AESGCM, what: str) -> None:
        self.directory, self._aead, self._what = directory, aead, what
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)

    def _path(self, stan: int) -> Path:
        return self.directory / f"{stan:06d}.bin"

    def put(self, stan: int, fields: dict[str, str]) -> None:
        """Store (or replace) the record for ``stan``, durably."""
        nonce = secrets.token_bytes(_NONCE)
        plain = json.dumps(fields, sort_keys=True).encode("utf-8")
        sealed = nonce + self._aead.encrypt(nonce, plain, f"{stan:06d}".encode("ascii"))
        replace_file(self._path(stan), sealed)

    def get(self, stan: int) -> dict[str, str] | None:
        """The record for ``stan``; None when there is none."""
        try:
            sealed = self._path(stan).read_bytes()
            plain = self._aead.decrypt(
                sealed[:_NONCE], sealed[_NONCE:], f"{stan:06d}".encode("ascii")
            )
        except FileNotFoundError:
            return None
        except InvalidTag as exc:
            raise ConfigError(
                f"{self._what} {stan:06d} does not open with this terminal's key",
                code="config.link_key",
            ) from exc
        fields: dict[str, str] = json.loads(plain)
        return fields

    def stans(self) -> list[int]:
        """STANs of the records held, oldest first (by the time they were stored)."""
        paths = sorted(self.directory.glob("*.bin"), key=lambda p: (p.stat().st_mtime_ns, p.name))
        return [int(p.stem) for p in paths]

    def remove(self, stan: int) -> None:
        """Forget the record (and the PAN in it), durably."""
        self._path(stan).unlink(missing_ok=True)
        _sync_dir(self.directory)
