"""The card path's pieces from the settings: the kernel's terminal data and its secrets.

One place for the mapping that ``kiosk pay``, ``kiosk balance`` and checkout's card
provider share, so that a transaction made from the command line and one made at the
screen see the same terminal.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from kiosk.config import Settings
from kiosk.errors import ConfigError
from kiosk.files import KIB, read_bounded
from kiosk.payment.kernel.types import OnlinePolicy, TerminalConfig

__all__ = ["pan_token_key", "terminal_config"]

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


def terminal_config(settings: Settings, *, online: str | None = None) -> TerminalConfig:
    """The kernel's terminal data from ``terminal.*`` and ``payment.*`` (``online`` overrides
    ``payment.online``)."""
    pay = settings.payment
    return TerminalConfig(
        terminal_id=settings.terminal.id,
        merchant_id=settings.terminal.merchant_id,
        merchant_name_location=settings.terminal.merchant_name,
        online=OnlinePolicy(online or pay.online.value),
        attended=not settings.terminal.unattended,
        ec_terminal_limit_fen=pay.ec_terminal_limit_fen,
        floor_limit_fen=pay.floor_limit_fen,
        max_offline_total_fen=pay.max_offline_total_fen,
        pan_token_key=pan_token_key(settings),
    )
