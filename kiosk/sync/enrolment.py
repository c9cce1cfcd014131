"""What enrolment leaves on the terminal: its key and the hub it pinned (``docs/sync.md``).

Under ``data_dir/sync/`` (directory 0700, files 0600, each written whole or not at all):
``terminal.key`` (the terminal's signing key, base64) and ``enrolment.json`` (hub URL,
terminal id, the hub's Ed25519 public key, when). The hub key is pinned here: bundles are
verified against it, never against a key the hub sends later.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import httpx

from kiosk.config import Settings
from kiosk.errors import KioskError
from kiosk.files import read_text_bounded, replace_file
from kiosk.journal.store import iso, utcnow
from kiosk.sync import client
from kiosk.sync.protocol import KEY_BYTES, b64, unb64

_SMALL = 4096


class EnrolmentError(KioskError):
    """The terminal is not enrolled, or its enrolment files are unusable."""

    code = "sync.not_enrolled"


@dataclass(frozen=True)
class Enrolment:
    hub_url: str
    terminal_id: str
    hub_key: str  # base64 of the 32 raw bytes of the hub's Ed25519 public key
    enrolled_at: str

    @property
    def hub_key_bytes(self) -> bytes:
        return unb64(self.hub_key, what="the pinned hub key", size=32)


def sync_dir(settings: Settings) -> Path:
    return settings.data_dir / "sync"


def _key_path(settings: Settings) -> Path:
    return (
        Path(settings.sync.key_file)
        if settings.sync.key_file
        else sync_dir(settings) / "terminal.key"
    )


def _make_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)


def load(settings: Settings) -> tuple[Enrolment, bytes]:
    """The enrolment and the terminal's key; EnrolmentError when either is missing or bad."""
    path = sync_dir(settings) / "enrolment.json"
    key_path = _key_path(settings)
    if not path.exists() or not key_path.exists():
        raise EnrolmentError(
            "this terminal is not enrolled with a hub (kiosk sync enroll --hub URL --code CODE)"
        )
    try:
        raw = json.loads(
            read_text_bounded(path, limit=_SMALL, what="enrolment", code="sync.enrolment")
        )
        enrolment = Enrolment(**{k: str(raw[k]) for k in Enrolment.__dataclass_fields__})
        enrolment.hub_key_bytes  # noqa: B018 - checked now, not at the first bundle
        key_text = read_text_bounded(
            key_path, limit=_SMALL, what="terminal key", code="sync.enrolment"
        )
        key = unb64(key_text.strip(), what="the terminal key", size=KEY_BYTES)
    except (KeyError, TypeError, ValueError, KioskError) as exc:
        raise EnrolmentError(
            f"the enrolment under {path.parent} is unusable: {exc}", code="sync.enrolment"
        ) from exc
    return enrolment, key


def enroll(
    settings: Settings,
    hub_url: str,
    code: str,
    *,
    now: datetime | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Enrolment:
    """Exchange ``code`` at ``hub_url`` for this terminal's key and pin the hub's key."""
    terminal_id = settings.terminal.id
    answer = client.enroll(
        hub_url,
        terminal_id,
        code,
        timeout_s=settings.sync.timeout_s,
        ca_bundle=settings.sync.ca_bundle,
        transport=transport,
    )
    try:
        key = unb64(str(answer.get("terminal_key", "")), what="the terminal key", size=KEY_BYTES)
        hub_key = unb64(str(answer.get("hub_key", "")), what="the hub key", size=32)
    except KioskError as exc:
        raise client.SyncError(
            f"the hub's enrolment answer is unusable: {exc}", code="sync.bad_answer"
        ) from exc
    if answer.get("terminal_id") != terminal_id:
        raise client.SyncError("the hub enrolled another terminal id", code="sync.bad_answer")
    enrolment = Enrolment(
        hub_url=hub_url.rstrip("/"),  # the address that answered, as the installer typed it
        terminal_id=terminal_id,
        hub_key=b64(hub_key),
        enrolled_at=iso(now or utcnow()),
    )
    directory = sync_dir(settings)
    _make_dir(directory)
    key_path = _key_path(settings)
    _make_dir(key_path.parent)
    replace_file(key_path, (b64(key) + "\n").encode())
    replace_file(directory / "enrolment.json", json.dumps(asdict(enrolment), indent=1).encode())
    return enrolment
