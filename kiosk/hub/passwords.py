"""Operator passwords, kept as scrypt hashes (the standard library's; no extra dependency)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from sqlalchemy.orm import Session

from kiosk.hub.errors import HubError
from kiosk.hub.models import Operator

_N, _R, _P = 2**14, 8, 1
MIN_LENGTH = 8
#: Compared against when the operator does not exist, so timing does not tell names apart.
_DUMMY = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 44


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    encoded = (base64.b64encode(part).decode() for part in (salt, digest))
    return f"scrypt${_N}${_R}${_P}${'$'.join(encoded)}"


def check_password(password: str, stored: str) -> bool:
    try:
        _scheme, n, r, p, salt, digest = stored.split("$")
        want = base64.b64decode(digest)
        got = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


def set_operator(session: Session, name: str, password: str, *, now: float) -> None:
    """Add ``name`` or change their password. Commits."""
    if not 0 < len(name) <= 64 or not name.isprintable():
        raise HubError(
            "an operator name is 1-64 printable characters", code="operator.name", status=400
        )
    if len(password) < MIN_LENGTH:
        raise HubError(
            f"a password has at least {MIN_LENGTH} characters", code="operator.password", status=400
        )
    operator = session.get(Operator, name)
    if operator is None:
        session.add(Operator(name=name, password_hash=hash_password(password), created_at=now))
    else:
        operator.password_hash = hash_password(password)
    session.commit()


def authenticate_operator(session: Session, name: str, password: str) -> bool:
    operator = session.get(Operator, name[:64])
    ok = check_password(password, operator.password_hash if operator else _DUMMY)
    return ok and operator is not None
