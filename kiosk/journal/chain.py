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
