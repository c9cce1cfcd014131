"""What the acquirer link must not forget across a restart: the STAN and what it owes.

- the STAN: the last systems trace audit number used (6 digits, 1..999999 then 1 again),
  advanced and stored *before* a message carries it, so no STAN is used twice;
- ``reversals``: each 0400 owed to the acquirer, as its ISO 8583 fields, stored *before*
  the 0200 it cancels is sent and deleted once the acquirer acknowledged it;
- ``advices``: each offline approval's 0320 (and 0620 script result) until acknowledged;
- ``batch``: the batch's cleared transactions, for a batch upload when settlement does
  not balance; emptied when the batch is settled;
- the last sign-on (:class:`SignOn`: when, the batch, the working keys' check values, no
  key) in ``<dir>/sign-on.json``, for ``kiosk doctor`` and the operator.

Each record holds the PAN (field 2), so it is sealed here, before any backend sees it:
AES-GCM with the terminal's own link key (``<dir>/link.key``, 0600, created on first use,
never in the database), the box and STAN as associated data so that a record moved to
another place does not open.

Where the sealed records live is the backend's business (:class:`LinkRecords`): the
terminal keeps them in the journal database (``kiosk.journal.acquirer_records``, written
durably with the journal's own guarantees); :class:`FileRecords` keeps them in the key's
directory, each write fsynced, for tools and tests that run without a journal.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kiosk.errors import ConfigError
from kiosk.files import replace_file

__all__ = [
    "MAX_STAN",
    "FileRecords",
    "LinkRecords",
    "LinkState",
    "SealedBox",
    "SignOn",
    "last_sign_on",
]

MAX_STAN = 999_999
_NONCE = 12
_SIGN_ON = "sign-on.json"


class LinkRecords(Protocol):
    """Durable storage of sealed records by box and STAN, and of the STAN counter.

    Every method returns only once its write is durable."""

    def next_stan(self) -> int: ...

    def put(self, box: str, stan: int, sealed: bytes) -> None: ...

    def get(self, box: str, stan: int) -> bytes | None: ...

    def stans(self, box: str) -> list[int]:
        """STANs held in ``box``, in the order they were first stored."""
        ...

    def remove(self, box: str, stan: int) -> None: ...


def _sync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FileRecords:
    """:class:`LinkRecords` in a directory: ``stan``, ``<box>/<stan>.bin`` (fsynced)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def next_stan(self) -> int:
        path = self.directory / "stan"
        last = int(path.read_text(encoding="ascii")) if path.exists() else 0
        stan = last % MAX_STAN + 1
        replace_file(path, f"{stan:06d}".encode("ascii"))
        return stan

    def _path(self, box: str, stan: int) -> Path:
        folder = self.directory / box
        folder.mkdir(exist_ok=True, mode=0o700)
        return folder / f"{stan:06d}.bin"

    def put(self, box: str, stan: int, sealed: bytes) -> None:
        path = self._path(box, stan)
        if path.exists():  # keep the first-stored order: rewrite in place, then fsync
            with path.open("r+b") as f:
                f.truncate(0)
                f.write(sealed)
                f.flush()
                os.fsync(f.fileno())
        else:
            replace_file(path, sealed)

    def get(self, box: str, stan: int) -> bytes | None:
        try:
            return self._path(box, stan).read_bytes()
        except FileNotFoundError:
            return None

    def stans(self, box: str) -> list[int]:
        folder = self.directory / box
        paths = sorted(folder.glob("*.bin"), key=lambda p: (p.stat().st_ctime_ns, p.name))
        return [int(p.stem) for p in paths]

    def remove(self, box: str, stan: int) -> None:
        path = self._path(box, stan)
        path.unlink(missing_ok=True)
        _sync_dir(path.parent)


class SealedBox:
    """One box of records (ISO 8583 field dicts) keyed by STAN, sealed with the link key."""

    def __init__(self, records: LinkRecords, box: str, aead: AESGCM) -> None:
        self._records, self.box, self._aead = records, box, aead

    def _aad(self, stan: int) -> bytes:
        return f"{self.box}/{stan:06d}".encode("ascii")

    def put(self, stan: int, fields: dict[str, str]) -> None:
        """Store (or replace) the record for ``stan``, durably."""
        nonce = secrets.token_bytes(_NONCE)
        plain = json.dumps(fields, sort_keys=True).encode("utf-8")
        self._records.put(self.box, stan, nonce + self._aead.encrypt(nonce, plain, self._aad(stan)))

    def get(self, stan: int) -> dict[str, str] | None:
        """The record for ``stan``; None when there is none."""
        sealed = self._records.get(self.box, stan)
        if sealed is None:
            return None
        try:
            plain = self._aead.decrypt(sealed[:_NONCE], sealed[_NONCE:], self._aad(stan))
        except InvalidTag as exc:
            raise ConfigError(
                f"{self.box} record {stan:06d} does not open with this terminal's link key",
                code="config.link_key",
            ) from exc
        fields: dict[str, str] = json.loads(plain)
        return fields

    def stans(self) -> list[int]:
        """STANs of the records held, oldest first."""
        return self._records.stans(self.box)

    def remove(self, stan: int) -> None:
        """Forget the record (and the PAN in it), durably."""
        self._records.remove(self.box, stan)


@dataclass(frozen=True)
class SignOn:
    """What the last sign-on installed, without the keys: their check values (hex)."""

    at: datetime
    batch: int
    pik_kcv: str
    mak_kcv: str


class LinkState:
    """The STAN counter and the sealed boxes of one terminal (see the module docstring)."""

    def __init__(self, directory: Path, records: LinkRecords | None = None) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        aead = AESGCM(self._key())
        self.records: LinkRecords = records or FileRecords(directory)
        #: 0400s owed to the acquirer.
        self.reversals = SealedBox(self.records, "reversals", aead)
        #: Offline approvals (0320) and script results (0620) not yet acknowledged.
        self.advices = SealedBox(self.records, "advices", aead)
        #: This batch's cleared transactions, for a batch upload after a mismatch.
        self.batch = SealedBox(self.records, "batch", aead)

    def _key(self) -> bytes:
        path = self.directory / "link.key"
        if not path.exists():
            replace_file(path, secrets.token_bytes(32))
        key = path.read_bytes()
        if len(key) != 32:
            raise ConfigError(f"{path} is not a 32-byte key", code="config.link_key")
        return key

    def next_stan(self) -> int:
        """Advance the counter durably and return the new STAN."""
        return self.records.next_stan()

    def record_sign_on(self, sign_on: SignOn) -> None:
        """Keep ``sign_on`` as the last one (check values only: they reveal no key)."""
        record = asdict(sign_on) | {"at": sign_on.at.isoformat()}
        replace_file(self.directory / _SIGN_ON, json.dumps(record).encode("utf-8"))


def last_sign_on(directory: Path) -> SignOn | None:
    """The last sign-on a link with its files in ``directory`` recorded; None before the
    first (or when the record cannot be read). Reads only: creates no key or folder."""
    try:
        record = json.loads((directory / _SIGN_ON).read_bytes())
        return SignOn(
            datetime.fromisoformat(record["at"]),
            int(record["batch"]),
            str(record["pik_kcv"]),
            str(record["mak_kcv"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
