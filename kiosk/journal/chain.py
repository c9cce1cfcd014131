"""The hash chain that makes the journal tamper-evident.

Each entry's hash is SHA-256 over a canonical JSON object of the entry's fields
and the previous entry's hash (``""`` for the first). Editing, deleting or
reordering any entry breaks every link after it; truncating the tail is caught by
the head (``terminal.last_seq``/``last_hash``) and, off the terminal, by the hub
that has acknowledged higher sequence numbers.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS = ""


def canonical_json(value: Any) -> bytes:
    """The one byte form hashed: sorted keys, no spaces, UTF-8 (not ASCII escapes)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(
    *, terminal_id: str, seq: int, ts: str, event: str, actor: str, payload: Any, prev_hash: str
) -> str:
    """Hex SHA-256 of one entry linked to its predecessor."""
    body = {
        "terminal": terminal_id,
        "seq": seq,
        "ts": ts,
        "event": event,
        "actor": actor,
        "payload": payload,
        "prev": prev_hash,
    }
    return hashlib.sha256(canonical_json(body)).hexdigest()
