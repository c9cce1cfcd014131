"""Amounts of money as integer fen (1 yuan = 100 fen), never float.

Parsing accepts what a cashier types (``12.5``, ``12.50``, ``¥12.50``, ``￥1,234``)
and rejects anything that is not a whole number of fen within the terminal's
bounds. Formatting always gives ``¥12.50``.
"""

from __future__ import annotations

import re

from kiosk.errors import KioskError

#: The largest single amount the terminal handles: ¥9,999,999.99. ISO 8583 field 4
#: and EMV 9F02 hold 12 digits, but nothing sold at a kiosk or market comes near this.
MAX_FEN = 999_999_999

_AMOUNT = re.compile(r"(?P<yuan>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<fen>\d*))?")
_CURRENCY_SIGNS = "¥￥"


class MoneyError(KioskError, ValueError):
    """An amount that cannot be taken: malformed, negative, fractional fen or too large."""

    code = "money.invalid"


def parse_fen(text: str, *, allow_zero: bool = False, maximum: int = MAX_FEN) -> int:
    """Parse a yuan amount typed by a person into fen.

    Raises :class:`MoneyError` with a code saying why: ``money.empty``,
    ``money.malformed``, ``money.negative``, ``money.sub_fen``, ``money.zero``,
    ``money.too_large``.
    """
    s = text.strip().replace(" ", "")
    if s.startswith(("-", "−")):
        raise MoneyError(f"negative amount: {text!r}", code="money.negative", text=text)
    s = s.lstrip(_CURRENCY_SIGNS)
    if s.upper().startswith("CNY"):
        s = s[3:]
    if s.endswith("元"):
        s = s[:-1]
    if not s:
        raise MoneyError("no amount given", code="money.empty", text=text)
    if s.startswith(("-", "−")):
        raise MoneyError(f"negative amount: {text!r}", code="money.negative", text=text)
    m = _AMOUNT.fullmatch(s)
    if m is None:
        raise MoneyError(f"not an amount: {text!r}", code="money.malformed", text=text)
    yuan = int(m["yuan"].replace(",", ""))
    frac = (m["fen"] or "").rstrip("0")
    if len(frac) > 2:
        raise MoneyError(f"less than one fen: {text!r}", code="money.sub_fen", text=text)
    fen = yuan * 100 + int(frac.ljust(2, "0") or "0")
    return check_fen(fen, allow_zero=allow_zero, maximum=maximum)


def check_fen(fen: int, *, allow_zero: bool = False, maximum: int = MAX_FEN) -> int:
    """Return ``fen`` if it is an int amount the terminal may charge; else raise MoneyError."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise MoneyError(f"amount must be integer fen, got {type(fen).__name__}", code="money.type")
    if fen < 0:
        raise MoneyError(f"negative amount: {fen}", code="money.negative", fen=fen)
    if fen == 0 and not allow_zero:
        raise MoneyError("amount is zero", code="money.zero")
    if fen > maximum:
        raise MoneyError(
            f"amount {format_fen(fen)} exceeds {format_fen(maximum)}",
            code="money.too_large",
            fen=fen,
        )
    return fen


def format_fen(fen: int, *, sign: str = "¥", grouping: bool = False) -> str:
    """Format fen as ``¥12.50`` (``-¥3.00`` for refunds); ``grouping`` adds thousands commas."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise MoneyError(f"amount must be integer fen, got {type(fen).__name__}", code="money.type")
    neg = fen < 0
    yuan, rem = divmod(abs(fen), 100)
    whole = f"{yuan:,}" if grouping else str(yuan)
    return f"{'-' if neg else ''}{sign}{whole}.{rem:02d}"


def percent_of(fen: int, basis_points: int) -> int:
    """``fen`` × ``basis_points``/10000, rounded half up to whole fen (for discounts)."""
    return (fen * basis_points + 5000) // 10000
