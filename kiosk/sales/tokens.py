"""Signed ticket tokens: what the QR code on a ticket carries and a gate verifies offline.

Why HMAC-SHA256 and not Ed25519: an Ed25519 signature alone is 64 bytes, over 100 base32
characters, and the token must fit a small QR code on 58 mm paper that cheap gate scanners
read at a glance. HMAC-SHA256 truncated to 96 bits (RFC 2104 section 5; the length IPsec
uses for HMAC-SHA1-96) keeps the whole token at 69 characters or fewer, and a gate
checks it offline with no network. The cost is that gates hold the terminals' secret keys
(one per terminal, chosen by the key id byte), so gates are provisioned like terminals.
Guessing a valid tag takes 2**95 tries on average, and each try is a scan at a gate.

Byte layout (version 1), all integers unsigned big-endian::

    offset  size  field
    0       1     bits 0-6: version, 1; bit 7: TEST ticket (0x81: printed by
                  ``kiosk print-test``, never admitted)
    1       1     key id (0 is the built-in demo key; production keys use 1-255)
    2       6     ticket id (< 2**48)
    8       4     valid from, Unix time in seconds (UTC)
    12      4     valid until, Unix time in seconds, exclusive
    16      1     n = length of the product code (1-12)
    17      n     product code, ASCII A-Z 0-9 _ -
    17+n    12    HMAC-SHA256(key, bytes 0 .. 17+n), first 12 bytes
    29+n    2     CRC-16/CCITT (binascii.crc_hqx, initial value 0) of bytes 0 .. 29+n

The test flag sits in the version byte so that tokens printed before it existed (0x01)
verify unchanged, and a gate that predates it reads a test ticket (0x81) as an unknown
version and refuses it too. A gate that knows the flag checks the tag first, then says
``test`` (a diagnostics printout) rather than admitting or calling it forged.

The CRC tells a damaged token (a typo, a misread, a clumsy edit: ``altered``) from a
well-formed one whose tag does not verify (``forged``); it is not a security measure.
The token is the bytes in base32 (RFC 4648), uppercase, without padding, so a QR code
can use its alphanumeric mode. Typed tokens are read leniently: case, spaces and dashes are
ignored and 0/1/8 are read as O/I/B, which base32 does not use.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import hmac
import os
import re
import stat
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from kiosk.errors import ConfigError, KioskError
from kiosk.files import KIB, MIB, read_text_bounded

VERSION = 1
#: Bit 7 of byte 0: a test ticket (``kiosk print-test``), which no gate admits.
TEST_FLAG = 0x80
TAG_SIZE = 12
_HEADER = struct.Struct(">BB6sIIB")
_PRODUCT = re.compile(r"[A-Z0-9_-]{1,12}")
#: A key file holds at most 255 lines of about 70 characters.
MAX_KEY_FILE_BYTES = 64 * KIB
#: About a million ``id<TAB>time`` lines.
MAX_USED_FILE_BYTES = 64 * MIB
_KEYS = "config.ticket_keys"
_TYPO = str.maketrans({"0": "O", "1": "I", "8": "B", " ": None, "-": None})


class TicketError(KioskError, ValueError):
    """Ticket fields that cannot go into a token (bad product code, window, id)."""

    code = "ticket.invalid"


@dataclass(frozen=True)
class TicketKey:
    """A terminal's ticket key: its id byte and the secret (at least 16 bytes)."""

    key_id: int
    secret: bytes

    def __post_init__(self) -> None:
        if not 0 <= self.key_id <= 255 or len(self.secret) < 16:
            raise ConfigError("a ticket key needs an id 0-255 and a secret of 16+ bytes")

    def __repr__(self) -> str:  # never show the secret
        return f"TicketKey(key_id={self.key_id})"


#: The demo key (id 0): for the demo and tests only; a production gate never holds it.
DEMO_KEY = TicketKey(0, hashlib.sha256(b"kiosk demo ticket key - not for production").digest())


@dataclass(frozen=True)
class Ticket:
    """What a token proves: this ticket, for this product, inside this window (UTC)."""

    ticket_id: int
    product: str
    valid_from: datetime
    valid_until: datetime
    #: A diagnostics printout, not a ticket: gates say so and refuse it.
    test: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.ticket_id < 2**48:
            raise TicketError(f"ticket id {self.ticket_id} out of range 0..2**48-1")
        if not _PRODUCT.fullmatch(self.product):
            raise TicketError(f"product code {self.product!r}: 1-12 of A-Z 0-9 _ -")
        if self.valid_from.tzinfo is None or self.valid_until.tzinfo is None:
            raise TicketError("validity times must be timezone-aware")
        if not 0 <= _seconds(self.valid_from) < _seconds(self.valid_until) < 2**32:
            raise TicketError("validity window must be non-empty and within 1970-2106")


def _seconds(when: datetime) -> int:
    return int(when.timestamp())


def _tag(secret: bytes, body: bytes) -> bytes:
    return hmac.new(secret, body, hashlib.sha256).digest()[:TAG_SIZE]


def issue_token(ticket: Ticket, key: TicketKey) -> str:
    """The token for ``ticket``, signed with ``key``."""
    product = ticket.product.encode("ascii")
    body = _HEADER.pack(
        VERSION | (TEST_FLAG if ticket.test else 0),
        key.key_id,
        ticket.ticket_id.to_bytes(6, "big"),
        _seconds(ticket.valid_from),
        _seconds(ticket.valid_until),
        len(product),
    )
    body += product
    body += _tag(key.secret, body)
    body += binascii.crc_hqx(body, 0).to_bytes(2, "big")
    return base64.b32encode(body).decode("ascii").rstrip("=")


class TokenStatus(StrEnum):
    """The verdict on a token; only VALID lets the holder in."""

    VALID = "valid"
    USED = "used"
    FORGED = "forged"
    ALTERED = "altered"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    WRONG_KEY = "wrong_key"
    MALFORMED = "malformed"
    #: Genuinely signed, but a test ticket from ``kiosk print-test``: never admitted.
    TEST = "test"


@dataclass(frozen=True)
class TokenCheck:
    """A verdict, with the ticket when the token could be read and its tag verified."""

    status: TokenStatus
    ticket: Ticket | None = None
    key_id: int | None = None

    @property
    def accepted(self) -> bool:
        return self.status is TokenStatus.VALID


def _body(token: str) -> bytes | TokenStatus:
    """The signed bytes and tag of a token, or MALFORMED / ALTERED."""
    text = token.upper().translate(_TYPO)
    try:
        raw = base64.b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError):
        return TokenStatus.MALFORMED
    if len(raw) < _HEADER.size + 1 + TAG_SIZE + 2 or raw[0] & ~TEST_FLAG != VERSION:
        return TokenStatus.MALFORMED
    if base64.b32encode(raw).decode("ascii").rstrip("=") != text.rstrip("="):
        # The last character's unused low bits must be zero (RFC 4648 section 3.5): without
        # this check, several strings would decode to the same ticket.
        return TokenStatus.ALTERED
    body, crc = raw[:-2], int.from_bytes(raw[-2:], "big")
    if binascii.crc_hqx(body, 0) != crc:
        return TokenStatus.ALTERED
    if len(body) != _HEADER.size + body[_HEADER.size - 1] + TAG_SIZE:
        return TokenStatus.MALFORMED
    return body


def _authenticate(token: str, keys: Mapping[int, bytes]) -> TokenCheck:
    body = _body(token)
    if isinstance(body, TokenStatus):
        return TokenCheck(body)
    version, key_id, ticket_id, start, end, _ = _HEADER.unpack_from(body)
    secret = keys.get(key_id)
    if secret is None:
        return TokenCheck(TokenStatus.WRONG_KEY, key_id=key_id)
    signed, tag = body[:-TAG_SIZE], body[-TAG_SIZE:]
    if not hmac.compare_digest(_tag(secret, signed), tag):
        return TokenCheck(TokenStatus.FORGED, key_id=key_id)
    try:
        ticket = Ticket(
            int.from_bytes(ticket_id, "big"),
            signed[_HEADER.size :].decode("ascii"),
            datetime.fromtimestamp(start, UTC),
            datetime.fromtimestamp(end, UTC),
            test=bool(version & TEST_FLAG),
        )
    except (TicketError, UnicodeDecodeError):  # signed, yet not what issue_token writes
        return TokenCheck(TokenStatus.MALFORMED, key_id=key_id)
    if ticket.test:
        return TokenCheck(TokenStatus.TEST, ticket, key_id)
    return TokenCheck(TokenStatus.VALID, ticket, key_id)


def verify_token(token: str, keys: Mapping[int, bytes], *, now: datetime) -> TokenCheck:
    """Check a token offline against the gate's keys (key id -> secret) at ``now``.

    Checks in order: readable and version 1 (else MALFORMED), CRC (ALTERED), key id known
    (WRONG_KEY), tag (FORGED), test flag (TEST), window (NOT_YET_VALID / EXPIRED). Does
    not consult the used-ticket registry: :func:`admit` does. A naive ``now`` raises TicketError.
    """
    if now.tzinfo is None:
        raise TicketError("verify_token needs a timezone-aware 'now'", code="ticket.naive_time")
    check = _authenticate(token, keys)
    ticket = check.ticket
    if ticket is None or check.status is TokenStatus.TEST:
        return check
    if now < ticket.valid_from:
        return TokenCheck(TokenStatus.NOT_YET_VALID, ticket, check.key_id)
    if now >= ticket.valid_until:
        return TokenCheck(TokenStatus.EXPIRED, ticket, check.key_id)
    return check


class UsedTickets(Protocol):
    """The registry of tickets already admitted (the journal backs it in production)."""

    def mark_used(self, ticket_id: int, when: datetime) -> bool:
        """Record ``ticket_id`` as used; False if it was used already."""
        ...


class InMemoryUsedTickets:
    """A process-local registry: for tests and a single gate without a journal."""

    def __init__(self) -> None:
        self.used: dict[int, datetime] = {}

    def mark_used(self, ticket_id: int, when: datetime) -> bool:
        if ticket_id in self.used:
            return False
        self.used[ticket_id] = when
        return True


class FileUsedTickets:
    """Used ticket ids in a text file, one ``id<TAB>ISO time`` per line.

    Gates that share the file take an exclusive ``flock`` on it for the whole
    read-check-append, so two scans of one ticket cannot both find it unused. The file is
    read with a size bound (:data:`MAX_USED_FILE_BYTES`, about a million tickets); the
    journal's registry (the default) has no such bound.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def mark_used(self, ticket_id: int, when: datetime) -> bool:
        """Record ``ticket_id``; False if it is in the file already.

        Raises ConfigError ``config.used_file`` when the file cannot be used (a directory,
        a device, not UTF-8, too large, in a missing directory)."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        except OSError as exc:
            raise self._error(exc.strerror or str(exc)) from exc
        with os.fdopen(fd, "r+b") as fh:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise self._error("not a regular file")
            fcntl.flock(fd, fcntl.LOCK_EX)  # released when the file is closed
            data = fh.read(MAX_USED_FILE_BYTES + 1)
            if len(data) > MAX_USED_FILE_BYTES:
                raise self._error(f"larger than {MAX_USED_FILE_BYTES} bytes")
            try:
                lines = data.decode("utf-8").splitlines()
            except UnicodeDecodeError as exc:
                raise self._error("not UTF-8 text") from exc
            if any(line.split("\t", 1)[0] == str(ticket_id) for line in lines):
                return False
            fh.write(f"{ticket_id}\t{when.isoformat()}\n".encode())
            fh.flush()
            os.fsync(fd)
        return True

    def _error(self, why: str) -> ConfigError:
        return ConfigError(
            f"used-ticket file {self.path}: {why}", code="config.used_file", path=str(self.path)
        )


def admit(token: str, keys: Mapping[int, bytes], used: UsedTickets, *, now: datetime) -> TokenCheck:
    """Verify ``token`` and, if valid, mark its ticket used; a replay gives USED."""
    check = verify_token(token, keys, now=now)
    if check.accepted and check.ticket and not used.mark_used(check.ticket.ticket_id, now):
        return TokenCheck(TokenStatus.USED, check.ticket, check.key_id)
    return check


def load_keys(path: Path) -> dict[int, bytes]:
    """Read a key file: lines ``<key id> <secret in hex>``; ``#`` starts a comment.

    Raises ConfigError (``config.ticket_keys``) naming the bad line, or saying why the
    file cannot be read (missing, a directory, not UTF-8, larger than a key file can be).
    """
    keys: dict[int, bytes] = {}
    text = read_text_bounded(path, limit=MAX_KEY_FILE_BYTES, what="key file", code=_KEYS)
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        try:
            key = TicketKey(int(fields[0]), bytes.fromhex(fields[1]))
        except (ValueError, IndexError, ConfigError) as exc:
            raise ConfigError(
                f"{path}:{number}: expected '<key id 0-255> <hex secret, 16+ bytes>'",
                code=_KEYS,
            ) from exc
        keys[key.key_id] = key.secret
    if not keys:
        raise ConfigError(f"{path}: no keys", code=_KEYS)
    return keys


def production_keys(keys: Mapping[int, bytes], *, source: Path | str) -> dict[int, bytes]:
    """``keys`` without the demo key: its id (0) and its secret are public, in this source.

    A production terminal signs with, and a production gate accepts, only the others;
    ConfigError ``config.ticket_keys`` when none is left."""
    kept = {
        key_id: secret
        for key_id, secret in keys.items()
        if key_id != DEMO_KEY.key_id and not hmac.compare_digest(secret, DEMO_KEY.secret)
    }
    if not kept:
        raise ConfigError(
            f"{source}: only the demo key (id 0); production keys use ids 1-255", code=_KEYS
        )
    return kept
