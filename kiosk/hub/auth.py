"""Checking a signed request against the database (``docs/sync.md``, "Request signing").

The signature is checked before anything is written; only a request that passes every check
leaves its nonce behind, in the same transaction that finds it unseen.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import delete
from sqlalchemy.orm import Session

from kiosk.hub.errors import HubError
from kiosk.hub.keys import HubKey, HubKeyError
from kiosk.hub.models import HubTerminal, SeenNonce
from kiosk.hub.sql import insert_ignoring_conflicts
from kiosk.sync.protocol import NONCE_TTL_S, AuthError, SignedRequest


def _refuse(exc: AuthError) -> HubError:
    return HubError(str(exc), code=exc.code, status=exc.status)


def authenticate(
    session: Session,
    hub_key: HubKey,
    *,
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes,
    path_terminal: str,
    now: float,
) -> str:
    """The terminal that signed this request, its nonce now recorded; raises HubError
    (401/403) and writes nothing when the request is not to be served. Commits."""
    try:
        signed = SignedRequest.from_headers(headers)
    except AuthError as exc:
        raise _refuse(exc) from None
    terminal = session.get(HubTerminal, signed.terminal)
    if terminal is None:
        raise HubError("unknown terminal", code="auth.signature", status=401)
    try:
        key = hub_key.unseal(terminal.id, terminal.sealed_key)
        signed.check(key, method, target, body, now=now)
    except HubKeyError:
        raise HubError("unknown terminal", code="auth.signature", status=401) from None
    except AuthError as exc:
        raise _refuse(exc) from None
    if signed.terminal != path_terminal:
        raise HubError("signed for another terminal's path", code="auth.terminal", status=403)
    if terminal.revoked:
        raise HubError("this terminal is revoked", code="auth.revoked", status=403)
    session.execute(delete(SeenNonce).where(SeenNonce.seen_at < now - NONCE_TTL_S))
    row = {"terminal_id": signed.terminal, "nonce": signed.nonce, "seen_at": now}
    if not insert_ignoring_conflicts(session, SeenNonce, [row]):
        raise HubError("this nonce was already used", code="auth.replayed", status=401)
    session.commit()
    return signed.terminal
