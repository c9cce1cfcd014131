"""One-time enrolment codes and the exchange of a code for a terminal key."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import update
from sqlalchemy.orm import Session

from kiosk.hub.errors import HubError
from kiosk.hub.keys import HubKey
from kiosk.hub.models import EnrolCode, HubTerminal
from kiosk.sync.protocol import KEY_BYTES, valid_terminal_id

#: Crockford's base32: no I, L, O or U to misread.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_TTL_S = 24 * 3600
_GROUPS, _GROUP = 4, 4


def _digest(code: str) -> str:
    """Codes are compared as typed loosely: any case, hyphens and spaces ignored, and
    Crockford's look-alikes (O, I, L) read as the digits they stand for."""
    cleaned = code.upper().replace("-", "").replace(" ", "")
    cleaned = cleaned.translate(str.maketrans("OIL", "011"))
    return hashlib.sha256(cleaned.encode()).hexdigest()


def issue_code(session: Session, terminal_id: str, *, now: float) -> str:
    """A new code for ``terminal_id``, valid :data:`CODE_TTL_S`; only its hash is stored."""
    if not valid_terminal_id(terminal_id):
        raise HubError(
            "a terminal id is 1-32 letters, digits, '-' or '_'", code="enrol.terminal", status=400
        )
    chars = "".join(secrets.choice(ALPHABET) for _ in range(_GROUPS * _GROUP))
    code = "-".join(chars[i : i + _GROUP] for i in range(0, len(chars), _GROUP))
    session.add(
        EnrolCode(code_hash=_digest(code), terminal_id=terminal_id, expires_at=now + CODE_TTL_S)
    )
    session.commit()
    return code


def redeem_code(
    session: Session, hub_key: HubKey, terminal_id: str, code: str, *, now: float
) -> bytes:
    """Consume ``code`` (once, even with two hubs racing) and give ``terminal_id`` a new key,
    which replaces any old one. Raises HubError 401 ``enrol.code``. Commits."""
    used = session.execute(
        update(EnrolCode)
        .where(
            EnrolCode.code_hash == _digest(code),
            EnrolCode.terminal_id == terminal_id,
            EnrolCode.used_at.is_(None),
            EnrolCode.expires_at > now,
        )
        .values(used_at=now)
    )
    if not getattr(used, "rowcount", 0):
        raise HubError(
            "no such code for this terminal, or it was used or has expired",
            code="enrol.code",
            status=401,
        )
    key = secrets.token_bytes(KEY_BYTES)
    terminal = session.get(HubTerminal, terminal_id)
    if terminal is None:
        terminal = HubTerminal(id=terminal_id, acked_seq=0, head_hash="")
        session.add(terminal)
    terminal.sealed_key = hub_key.seal(terminal_id, key)
    terminal.revoked = False
    terminal.enrolled_at = now
    session.commit()
    return key


def revoke(session: Session, terminal_id: str) -> None:
    """Refuse ``terminal_id`` from now on (a new enrolment readmits it). Commits."""
    terminal = session.get(HubTerminal, terminal_id)
    if terminal is None:
        raise HubError(f"no terminal {terminal_id} is enrolled", code="enrol.unknown", status=404)
    terminal.revoked = True
    session.commit()
