"""What the acquirer link must not forget across a restart: the STAN and owed reversals.

Kept in a directory of its own (``<data_dir>/acquirer``), each write made durable before
the caller goes on (temporary file, fsync, rename, fsync of the directory), so that a
process killed at any instant leaves either the old or the new state:

- ``stan``: the last systems trace audit number used (6 digits, 1..999999 then 1 again).
  It is advanced and written *before* a message carries it, so no STAN is used twice.
- ``reversals/<stan>.bin``: one 0400 owed to the acquirer, as its ISO 8583 fields, stored
  *before* the 0200 it cancels is sent and deleted once the acquirer acknowledged it. It
  holds the PAN (field 2), so the file is AES-GCM-encrypted with the terminal's own key
  (``link.key``, 0600, created on first use; the STAN is the associated data, so a file
  renamed to another STAN does not open).

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

__all__ = ["MAX_STAN", "LinkState"]

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
        self._reversals = directory / "reversals"
        self._reversals.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._aead = AESGCM(self._key())

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

    # --- reversals ------------------------------------------------------------------

    def _path(self, stan: int) -> Path:
        return self._reversals / f"{stan:06d}.bin"

    def owe_reversal(self, stan: int, fields: dict[str, str]) -> None:
        """Store (or replace) the 0400 fields owed for the request with ``stan``."""
        nonce = secrets.token_bytes(_NONCE)
        plain = json.dumps(fields, sort_keys=True).encode("utf-8")
        sealed = nonce + self._aead.encrypt(nonce, plain, f"{stan:06d}".encode("ascii"))
        replace_file(self._path(stan), sealed)

    def reversal(self, stan: int) -> dict[str, str] | None:
        """The stored 0400 fields for ``stan``; None when none is owed."""
        try:
            sealed = self._path(stan).read_bytes()
            plain = self._aead.decrypt(
                sealed[:_NONCE], sealed[_NONCE:], f"{stan:06d}".encode("ascii")
            )
        except FileNotFoundError:
            return None
        except InvalidTag as exc:
            raise ConfigError(
                f"reversal {stan:06d} does not open with this terminal's key",
                code="config.link_key",
            ) from exc
        fields: dict[str, str] = json.loads(plain)
        return fields

    def owed(self) -> list[int]:
        """STANs of the reversals still owed, oldest first."""
        return sorted(int(p.stem) for p in self._reversals.glob("*.bin"))

    def acknowledged(self, stan: int) -> None:
        """The acquirer acknowledged the reversal: forget it (and its PAN)."""
        self._path(stan).unlink(missing_ok=True)
        _sync_dir(self._reversals)
