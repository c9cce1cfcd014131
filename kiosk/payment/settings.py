"""The card path's pieces from the settings: the kernel's terminal data and its secrets.

One place for the mapping that ``kiosk pay``, ``kiosk balance`` and checkout's card
provider share, so that a transaction made from the command line and one made at the
screen see the same terminal.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path

from kiosk.config import Mode, Settings
from kiosk.errors import ConfigError
from kiosk.files import KIB, read_bounded
from kiosk.payment.capk import CaKeyStore
from kiosk.payment.kernel.types import OnlinePolicy, TerminalConfig

__all__ = ["ca_keys", "pan_token_key", "terminal_config"]

#: Modes where a cashier or attendant is at the terminal (EMV Book 4 Annex A1 "attended").
ATTENDED_MODES = frozenset({Mode.MARKET, Mode.PARKING})

PAN_TOKEN_KEY_FILE = "pan-token.key"  # noqa: S105 - a file name, not a secret


def _read_key(path: Path) -> bytes:
    return read_bounded(path, limit=4 * KIB, what="PAN token key", code="config.pan_token_key")


def pan_token_key(settings: Settings) -> bytes:
    """The secret for PAN tokens (``payment.pan_token_key_file``, else one in ``data_dir``),
    created (32 random bytes, mode 0600) on first use.

    A token is HMAC-SHA256(key, PAN ‖ PSN): it recognises the same card again (torn
    transaction recovery, exception file) without the PAN being stored, and is worthless
    to anyone without this file. Raises ConfigError when the file cannot be read or made.
    """
    path = Path(settings.payment.pan_token_key_file or Path(settings.data_dir) / PAN_TOKEN_KEY_FILE)
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(32))
        key = _read_key(path)
    except FileExistsError:  # another process made it first: read theirs
        key = _read_key(path)
    except OSError as exc:
        raise ConfigError(
            f"cannot read or create {path}: {exc.strerror}",
            code="config.pan_token_key",
            path=str(path),
        ) from exc
    if len(key) < 16:
        raise ConfigError(
            f"{path} is too short to be a key", code="config.pan_token_key", path=str(path)
        )
    return key


def _pairs(text: str, key: str) -> dict[str, str]:
    """``"A=1, B=2"`` -> {"A": "1", "B": "2"}; ``ConfigError`` naming ``key`` otherwise."""
    out: dict[str, str] = {}
    for item in _items(text):
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ConfigError(
                f"payment.{key}: {item!r} is not NAME=VALUE", code="config.value", key=key
            )
        out[name.strip().upper()] = value.strip()
    return out


def _items(text: str) -> list[str]:
    return [item.strip() for item in text.replace("\n", ",").split(",") if item.strip()]


def _exception_file(path: str) -> frozenset[str]:
    """The PAN tokens of ``payment.exception_file``, one a line (``#`` comments)."""
    if not path:
        return frozenset()
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(
            f"payment.exception_file {path}: {exc.strerror}",
            code="config.exception_file",
            key="payment.exception_file",
        ) from exc
    return frozenset(t for line in lines if (t := line.split("#", 1)[0].strip()))


def ca_keys(settings: Settings) -> CaKeyStore:
    """The CA keys this terminal trusts: UnionPay's, the configured SM2 keys and expiry
    dates, and the project's test CA in demo mode only — outside it never, whatever
    ``payment.allow_test_keys`` says (its private key ships with the project)."""
    pay = settings.payment
    return CaKeyStore.load(
        allow_test_keys=settings.demo and pay.allow_test_keys,
        expiry_overrides=_pairs(pay.ca_key_expiry, "ca_key_expiry"),
        sm2_keys=_pairs(pay.sm2_ca_keys, "sm2_ca_keys"),
    )


def terminal_config(settings: Settings, *, online: str | None = None) -> TerminalConfig:
    """The kernel's terminal data from ``terminal.*`` and ``payment.*`` (``online`` overrides
    ``payment.online``). Market and parking terminals are attended (a cashier or attendant
    is there), ticket kiosks not unless ``terminal.unattended = false``. Without
    ``payment.host`` the terminal is offline-only (EMV Book 4 Annex A1): policy ``never``."""
    pay = settings.payment
    policy = OnlinePolicy(online or pay.online.value)
    if not pay.host and online is None:
        policy = OnlinePolicy.NEVER
    return TerminalConfig(
        terminal_id=settings.terminal.id,
        merchant_id=settings.terminal.merchant_id,
        merchant_name_location=settings.terminal.merchant_name,
        online=policy,
        attended=settings.terminal.mode in ATTENDED_MODES or not settings.terminal.unattended,
        ec_terminal_limit_fen=pay.ec_terminal_limit_fen,
        floor_limit_fen=pay.floor_limit_fen,
        max_offline_total_fen=pay.max_offline_total_fen,
        pan_token_key=pan_token_key(settings),
        exception_file=_exception_file(pay.exception_file),
        revocation_list=_revocation_list(pay.revocation_list),
    )


def _revocation_list(text: str) -> frozenset[str]:
    """``payment.revocation_list``: entries separated by commas."""
    return revocation_entries(_items(text), key="payment.revocation_list")


def revocation_entries(items: Iterable[str], *, key: str) -> frozenset[str]:
    """``RID/index/serial`` entries (5, 1 and 3 bytes of hex, EMV Book 2 §5.3); ``key``
    names where they came from in the ConfigError."""
    entries = frozenset(item.upper() for item in items)
    for entry in entries:
        if re.fullmatch(r"[0-9A-F]{10}/[0-9A-F]{2}/[0-9A-F]{6}", entry) is None:
            raise ConfigError(
                f"{key}: {entry!r} is not RID/index/serial in hex",
                code="config.value",
                key=key,
            )
    return entries
