"""Publishing signed parameter bundles and finding the newest one for a terminal."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kiosk.hub.errors import HubError
from kiosk.hub.keys import HubKey
from kiosk.hub.models import Bundle
from kiosk.sync.protocol import (
    BUNDLE_FORMAT,
    b64,
    bundle_names,
    sign_bundle,
    unb64,
    valid_terminal_id,
)

#: Keys of a bundle the hub sets itself; a file giving them is refused.
_HUB_KEYS = frozenset({"format", "version", "issued_at", "terminals"})
_ATTEMPTS = 5


def utc_iso(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def publish(
    session: Session,
    hub_key: HubKey,
    sections: Mapping[str, Any],
    *,
    terminals: Sequence[str] | None,
    now: float,
) -> int:
    """Sign ``sections`` as the next version, for ``terminals`` (None: every terminal)."""
    if not isinstance(sections, Mapping):
        raise HubError("a bundle file holds a JSON object", code="bundle.invalid", status=400)
    given = sorted(_HUB_KEYS & sections.keys())
    if given:
        raise HubError(
            f"the hub sets {', '.join(given)} itself; leave them out",
            code="bundle.invalid",
            status=400,
        )
    bad = [t for t in terminals or () if not valid_terminal_id(t)]
    if bad:
        raise HubError(f"not a terminal id: {bad[0]!r}", code="bundle.terminals", status=400)
    names: Any = list(terminals) if terminals else "*"
    for _ in range(_ATTEMPTS):  # another hub may publish the same version at the same time
        version = (session.scalar(select(func.max(Bundle.version))) or 0) + 1
        bundle = {
            **sections,
            "format": BUNDLE_FORMAT,
            "version": version,
            "issued_at": utc_iso(now),
            "terminals": names,
        }
        signed = sign_bundle(hub_key.private, bundle)
        session.add(
            Bundle(
                version=version,
                terminals=names,
                body=unb64(signed["body"], what="bundle"),
                signature=unb64(signed["signature"], what="signature"),
                published_at=now,
            )
        )
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            continue
        return version
    raise HubError("could not take a bundle version", code="bundle.busy", status=409)


def newest_for(session: Session, terminal_id: str) -> Bundle | None:
    """The newest bundle that names ``terminal_id``."""
    for bundle in session.scalars(select(Bundle).order_by(Bundle.version.desc())):
        if bundle_names({"terminals": bundle.terminals}, terminal_id):
            return bundle
    return None


def answer(bundle: Bundle) -> dict[str, Any]:
    return {"version": bundle.version, "body": b64(bundle.body), "signature": b64(bundle.signature)}
