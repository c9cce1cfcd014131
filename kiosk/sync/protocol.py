"""What a terminal and the back-office hub agree on: request signing and signed bundles.

The one module both sides import (``docs/sync.md`` is the contract in prose). Requests are
signed with the terminal's own key, HMAC-SHA256 over a canonical string; parameter bundles
are signed by the hub with Ed25519 and verified against the hub key the terminal pinned at
enrolment. HMAC rather than mutual TLS: a terminal behind a market's NAT or a TLS-terminating
proxy still proves who it is, and one 32-byte key is what an installer can handle.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kiosk.errors import KioskError

API = "/api/v1"
HEADER_TERMINAL = "X-Kiosk-Terminal"
HEADER_TIMESTAMP = "X-Kiosk-Timestamp"
HEADER_NONCE = "X-Kiosk-Nonce"
HEADER_SIGNATURE = "X-Kiosk-Signature"
#: A request more than this far from the hub's clock is refused (``auth.expired``).
MAX_SKEW_S = 300
#: How long the hub remembers a nonce: longer than the skew on either side.
NONCE_TTL_S = 2 * MAX_SKEW_S
KEY_BYTES = 32
#: The bundle format this terminal understands.
BUNDLE_FORMAT = 1

_NONCE = re.compile(r"[0-9a-f]{32}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_TERMINAL_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")


class AuthError(KioskError):
    """A request the hub must refuse; ``code`` is ``auth.*`` and ``status`` the HTTP answer."""

    def __init__(self, message: str, *, code: str, status: int = 401) -> None:
        super().__init__(message, code=code)
        self.status = status


class BundleError(KioskError):
    """A parameter bundle that is not to be applied (corrupt, wrongly signed, not for us)."""


def valid_terminal_id(text: str) -> bool:
    return bool(_TERMINAL_ID.fullmatch(text))


def canonical_request(
    method: str, target: str, *, timestamp: str, nonce: str, terminal: str, body: bytes
) -> bytes:
    """The bytes a request signature covers (``docs/sync.md``, "Request signing")."""
    lines = (method.upper(), target, timestamp, nonce, terminal, hashlib.sha256(body).hexdigest())
    return "\n".join(lines).encode()


def _mac(key: bytes, message: bytes) -> str:
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def sign_request(
    key: bytes,
    terminal: str,
    method: str,
    target: str,
    body: bytes,
    *,
    now: float,
    nonce: str | None = None,
) -> dict[str, str]:
    """The four headers that sign one request from ``terminal``; ``target`` is the path with
    its query string, exactly as sent."""
    timestamp = str(int(now))
    nonce = nonce or secrets.token_hex(16)
    message = canonical_request(
        method, target, timestamp=timestamp, nonce=nonce, terminal=terminal, body=body
    )
    signature = _mac(key, message)
    return {
        HEADER_TERMINAL: terminal,
        HEADER_TIMESTAMP: timestamp,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: signature,
    }


@dataclass(frozen=True)
class SignedRequest:
    """The signing headers of a request, read but not yet checked."""

    terminal: str
    timestamp: int
    nonce: str
    signature: str

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> SignedRequest:
        """Raises AuthError ``auth.signature`` when a header is missing or malformed."""
        lowered = {k.lower(): v for k, v in headers.items()}
        values = [
            lowered.get(h.lower(), "")
            for h in (HEADER_TERMINAL, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE)
        ]
        terminal, timestamp, nonce, signature = values
        if not (
            valid_terminal_id(terminal)
            and timestamp.isascii()
            and timestamp.isdigit()
            and len(timestamp) <= 12
            and _NONCE.fullmatch(nonce)
            and _HEX64.fullmatch(signature)
        ):
            raise AuthError("missing or malformed signing headers", code="auth.signature")
        return cls(terminal, int(timestamp), nonce, signature)

    def check(self, key: bytes, method: str, target: str, body: bytes, *, now: float) -> None:
        """Raise AuthError unless signed with ``key`` over this request and fresh at ``now``.
        (Replay is the caller's to check: it needs the nonces already seen.)"""
        message = canonical_request(
            method,
            target,
            timestamp=str(self.timestamp),
            nonce=self.nonce,
            terminal=self.terminal,
            body=body,
        )
        if not hmac.compare_digest(_mac(key, message), self.signature):
            raise AuthError("the request's signature does not match", code="auth.signature")
        if abs(now - self.timestamp) > MAX_SKEW_S:
            raise AuthError(
                f"the request's timestamp is more than {MAX_SKEW_S} s from the hub's clock",
                code="auth.expired",
            )


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8: the one byte form of a bundle."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str, *, what: str, size: int | None = None) -> bytes:
    """Strict base64 (raises BundleError ``sync.encoding``); ``size``: the exact length."""
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise BundleError(f"{what} is not base64", code="sync.encoding") from None
    if size is not None and len(data) != size:
        raise BundleError(f"{what} is {len(data)} bytes, not {size}", code="sync.encoding")
    return data


def sign_bundle(private_key: Ed25519PrivateKey, bundle: Mapping[str, Any]) -> dict[str, Any]:
    """The hub's answer carrying ``bundle``: its canonical bytes and their signature."""
    body = canonical_json(bundle)
    return {
        "version": bundle["version"],
        "body": b64(body),
        "signature": b64(private_key.sign(body)),
    }


def open_bundle(hub_key: bytes, answer: Mapping[str, Any]) -> tuple[dict[str, Any], bytes]:
    """The bundle in a hub's answer, checked against the pinned ``hub_key`` (32 raw bytes),
    and its signed bytes. Raises BundleError: ``sync.bundle_signature`` when it was not
    signed by that key, ``sync.bundle_invalid`` when it does not hold a bundle we can read."""
    if not isinstance(answer, Mapping):
        raise BundleError("the bundle answer is not an object", code="sync.bundle_invalid")
    body = unb64(str(answer.get("body", "")), what="the bundle")
    signature = unb64(str(answer.get("signature", "")), what="the bundle signature", size=64)
    try:
        Ed25519PublicKey.from_public_bytes(hub_key).verify(signature, body)
    except (InvalidSignature, ValueError):
        raise BundleError(
            "the bundle is not signed by this terminal's hub", code="sync.bundle_signature"
        ) from None
    try:
        bundle = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BundleError("the signed bundle is not JSON", code="sync.bundle_invalid") from None
    if not isinstance(bundle, dict) or bundle.get("format") != BUNDLE_FORMAT:
        raise BundleError(f"not a bundle of format {BUNDLE_FORMAT}", code="sync.bundle_invalid")
    version = bundle.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise BundleError("the bundle has no valid version", code="sync.bundle_invalid")
    if answer.get("version") != version:
        raise BundleError(
            "the answer's version is not the signed bundle's", code="sync.bundle_invalid"
        )
    return bundle, body


def bundle_names(bundle: Mapping[str, Any], terminal: str) -> bool:
    """Whether ``bundle`` is meant for ``terminal`` (``"terminals": "*"`` or a list)."""
    names = bundle.get("terminals", "*")
    return names == "*" or (isinstance(names, list) and terminal in names)
