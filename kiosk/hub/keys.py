"""The hub's Ed25519 key: it signs parameter bundles and seals the terminals' keys.

A terminal's HMAC key must be readable by the hub to check a signature, so the database
holds it sealed (AES-GCM under a key derived from the hub key, the terminal id as associated
data): a copy of the database alone gives no terminal's key away. Every hub serving one
database needs the same ``hub.key``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kiosk.errors import KioskError
from kiosk.files import private_file, read_bounded
from kiosk.sync.protocol import KEY_BYTES

_SEAL_INFO = b"kiosk hub: sealed terminal keys v1"
_NONCE_BYTES = 12


class HubKeyError(KioskError):
    """The hub key file cannot be read or written, or a sealed key does not open."""

    code = "hub.key"


class HubKey:
    """The hub's private key, loaded once per process (it is configuration, not state)."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self.private = private
        self._aead = AESGCM(
            HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_SEAL_INFO).derive(
                self.private_bytes()
            )
        )

    def private_bytes(self) -> bytes:
        """The raw private key, to derive the hub's other secrets from (never to show)."""
        return self.private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )

    @classmethod
    def load_or_create(cls, path: Path) -> HubKey:
        """The key in ``path`` (32 raw bytes), created 0600 on first start."""
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            private_file(path)
            hub_key = cls(Ed25519PrivateKey.generate())
            try:
                with path.open("wb") as fh:
                    fh.write(hub_key.private_bytes())
                    fh.flush()
                    os.fsync(fh.fileno())
            except OSError as exc:
                raise HubKeyError(f"cannot write the hub key {path}: {exc.strerror}") from exc
            return hub_key
        data = read_bounded(path, limit=KEY_BYTES, what="hub key", code="hub.key")
        if len(data) != KEY_BYTES:
            raise HubKeyError(f"the hub key {path} is not {KEY_BYTES} bytes")
        return cls(Ed25519PrivateKey.from_private_bytes(data))

    def public_raw(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    def seal(self, terminal_id: str, terminal_key: bytes) -> bytes:
        nonce = secrets.token_bytes(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, terminal_key, terminal_id.encode())

    def unseal(self, terminal_id: str, sealed: bytes) -> bytes:
        try:
            return self._aead.decrypt(
                sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], terminal_id.encode()
            )
        except (InvalidTag, ValueError):
            raise HubKeyError(
                f"terminal {terminal_id}'s key was sealed with another hub key"
            ) from None
