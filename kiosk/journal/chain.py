"""The hash chain that makes the journal tamper-evident.

Each entry's hash is HMAC-SHA256 under the terminal's chain key
(:mod:`kiosk.journal.anchor`) over a canonical JSON object of the entry's fields and the
previous entry's hash (``""`` for the first): without the key, an edited entry cannot be
given a valid hash. Entries written before a terminal had its key (``keyed_from``) are
plain SHA-256, as they were written. Editing, deleting or
reordering any entry breaks every link after it; truncating the tail is caught by
the head (``terminal.last_seq``/``last_hash``) and, off the terminal, by the hub
that has acknowledged higher sequence numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Any

GENESIS = ""


def canonical_json(value: Any) -> bytes:
    """The one byte form hashed: sorted keys, no spaces, UTF-8 (not ASCII escapes)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(
    *,
    terminal_id: str,
    seq: int,
    ts: str,
    event: str,
    actor: str,
    payload: Any,
    prev_hash: str,
    key: bytes | None = None,
) -> str:
    """Hex HMAC-SHA256 under ``key`` (plain SHA-256 without one) of one entry linked to its
    predecessor."""
    body = {
        "terminal": terminal_id,
        "seq": seq,
        "ts": ts,
        "event": event,
        "actor": actor,
        "payload": payload,
        "prev": prev_hash,
    }
    if key is None:
        return hashlib.sha256(canonical_json(body)).hexdigest()
    return hmac.new(key, canonical_json(body), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Checkpoint:
    """One point of the chain written on paper (the shift slip): an entry's sequence number
    and the first :attr:`DIGITS` hex digits of its hash.

    The chain key sits on the terminal's own disk, so whoever has the disk could rewrite the
    whole journal with valid links; the paper in the operator's drawer cannot be rewritten.
    ``kiosk journal verify --checkpoint`` compares the two.
    """

    seq: int
    digest: str

    #: 64 bits: enough that no rewrite matches by chance, short enough to type from paper.
    DIGITS = 16

    @classmethod
    def of(cls, seq: int, entry_hash: str) -> Checkpoint:
        return cls(seq, entry_hash[: cls.DIGITS].lower())

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """``1234:3f2a91c077d40b1e`` or as printed, ``#1234 3F2A 91C0 77D4 0B1E``; at least 8
        hex digits. Raises ValueError."""
        match = _CHECKPOINT.fullmatch(text.strip())
        digest = re.sub(r"[\s-]", "", match.group(2)) if match else ""
        if match is None or not 8 <= len(digest) <= 64:
            raise ValueError(f"not a checkpoint (SEQ:HEX, as on the shift slip): {text[:80]!r}")
        return cls(int(match.group(1)), digest.lower())

    def matches(self, entry_hash: str) -> bool:
        return entry_hash.lower().startswith(self.digest)

    def printed(self) -> str:
        """As the slip shows it: the sequence number, the digits in groups of four."""
        groups = " ".join(self.digest[i : i + 4] for i in range(0, len(self.digest), 4))
        return f"#{self.seq} {groups.upper()}"

    def __str__(self) -> str:
        return f"{self.seq}:{self.digest}"


_CHECKPOINT = re.compile(r"#?\s*(\d{1,18})\s*[:\s]\s*([0-9A-Fa-f][0-9A-Fa-f\s-]*)")
