"""Terminal keys for the acquirer link: the master key file and the sign-on key block.

- The TMK (terminal master key) is loaded at installation into a file readable by the
  kiosk's user only (mode 0600): 32 hex digits (double-length 3DES), nothing else. A
  file others may read, or one that does not hold a key, is a ConfigError: the terminal
  does not go online with a key it cannot trust to be secret.
- Sign-on (0810, network code 003) returns field 62 = PIK (16) ‖ check (4) ‖ MAK (16) ‖
  check (4), each key 3DES-ECB-encrypted under the TMK one 8-byte block at a time. A MAK
  slot whose second half is all zeros holds a single-length key (acquirers do this, the
  notes §7). A check value is the first 4 bytes of the clear key encrypting 8 zero bytes;
  a mismatch installs nothing (HostError ``host.key_check``).

Keys never go to a log: :class:`WorkingKeys`' ``repr`` shows check values only.
"""

from __future__ import annotations

import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.errors import ConfigError
from kiosk.payment.errors import HostError
from kiosk.payment.host.cups import block_cipher

__all__ = [
    "WorkingKeys",
    "check_value",
    "load_tmk",
    "open_key_block",
    "seal_key_block",
    "write_tmk",
]

_SLOT = 16
_CHECK = 4


def check_value(key: bytes) -> bytes:
    """The key's check value: the first 4 bytes of encrypting 8 zero bytes with it."""
    return bytes(block_cipher(key).update(bytes(8))[:_CHECK])


def load_tmk(path: Path) -> bytes:
    """The terminal master key from ``path`` (see the module docstring)."""
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the terminal master key {path}", code="config.tmk") from exc
    if stat.S_IMODE(mode) & 0o077:
        raise ConfigError(
            f"the terminal master key {path} is readable by others (chmod 600 it)",
            code="config.tmk_mode",
        )
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != _SLOT:
        raise ConfigError(f"{path} does not hold 32 hex digits", code="config.tmk")
    return key


def write_tmk(path: Path, key: bytes | None = None) -> bytes:
    """Create ``path`` (0600) holding ``key`` or a fresh random one: installers and tests."""
    key = key or secrets.token_bytes(_SLOT)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key.hex().upper() + "\n")
    return key


@dataclass(frozen=True)
class WorkingKeys:
    """The PIN and MAC keys one sign-on delivered, in clear, in memory only."""

    pik: bytes = field(repr=False)
    mak: bytes = field(repr=False)

    def __repr__(self) -> str:
        pik, mak = check_value(self.pik).hex(), check_value(self.mak).hex()
        return f"WorkingKeys(pik_kcv={pik}, mak_kcv={mak})"


def _open_slot(tmk: bytes, slot: bytes) -> bytes:
    if slot[8:] == bytes(8):
        slot = slot[:8]
    return bytes(block_cipher(tmk, decrypt=True).update(slot))


def open_key_block(tmk: bytes, block: bytes) -> WorkingKeys:
    """Decrypt and check the 40-byte field 62 of a sign-on reply."""
    size = _SLOT + _CHECK
    if len(block) < 2 * size:
        raise HostError(f"the key block is {len(block)} bytes, not 40", code="host.key_block")
    keys = []
    for offset in (0, size):
        key = _open_slot(tmk, block[offset : offset + _SLOT])
        if check_value(key) != block[offset + _SLOT : offset + size]:
            raise HostError("a working key failed its check value", code="host.key_check")
        keys.append(key)
    return WorkingKeys(pik=keys[0], mak=keys[1])


def seal_key_block(tmk: bytes, keys: WorkingKeys) -> bytes:
    """Field 62 for ``keys`` under ``tmk`` (the host side of :func:`open_key_block`)."""
    out = b""
    for key in (keys.pik, keys.mak):
        slot = bytes(block_cipher(tmk).update(key)).ljust(_SLOT, b"\x00")
        out += slot + check_value(key)
    return out
