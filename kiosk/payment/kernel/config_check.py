"""Check the terminal configuration before a card is touched.

Everything in :class:`TerminalConfig` that the kernel turns into bytes must be hex of the
size EMV gives it (Book 3 Annex A1); a bad value is the operator's error, a
``ConfigError`` naming the field, never a card error in the middle of a transaction.
"""

from __future__ import annotations

from kiosk.errors import ConfigError
from kiosk.payment.kernel.types import TerminalConfig

__all__ = ["check_config", "check_hex"]

#: Field -> allowed sizes in bytes (None: any non-empty size).
_SIZES: dict[str, tuple[int, ...] | None] = {
    "country_code": (2,),
    "currency_code": (2,),
    "merchant_category_code": (2,),
    "terminal_capabilities": (3,),
    "additional_capabilities": (5,),
    "ttq": (4,),
    "default_ddol": None,
    "default_tdol": None,
}
_AID_SIZES: dict[str, tuple[int, ...] | None] = {
    "aid": tuple(range(5, 17)),
    "application_version": (2,),
    "tac_default": (5,),
    "tac_denial": (5,),
    "tac_online": (5,),
}


def check_hex(
    text: str, name: str, sizes: tuple[int, ...] | None, *, code: str = "config.terminal"
) -> bytes:
    """``text`` as bytes of one of ``sizes``; else ``ConfigError`` ``code`` naming ``name``."""
    try:
        value = bytes.fromhex(text)
    except (TypeError, ValueError):
        value = b""
    if not value or (sizes is not None and len(value) not in sizes):
        wanted = "hex" if sizes is None else f"{'/'.join(map(str, sizes))} bytes of hex"
        code = (
            "config.tac"
            if name.endswith(("tac_default", "tac_denial", "tac_online"))
            else ("config.terminal")
        )
        raise ConfigError(f"{name} must be {wanted}, got {text!r}", code=code, key=name)
    return value


def check_config(config: TerminalConfig) -> None:
    """Raise ``ConfigError`` (``config.tac`` for action codes, else ``config.terminal``)."""
    for name, sizes in _SIZES.items():
        check_hex(getattr(config, name), name, sizes)
    if not config.aids:
        raise ConfigError("the terminal accepts no AID", code="config.terminal", key="aids")
    for entry in config.aids:
        for name, sizes in _AID_SIZES.items():
            code = "config.tac" if name.startswith("tac_") else "config.terminal"
            check_hex(getattr(entry, name), f"{entry.aid} {name}", sizes, code=code)
