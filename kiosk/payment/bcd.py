"""Numeric (format ``n``) data elements: amounts, counters and codes as packed BCD.

EMV 4.3 Book 3 §4.3: format ``n`` is right-justified BCD, two digits a byte, padded on
the left with zeros; an amount (9F02, 9F03, 9F79, 9F5D, the EC limits) is ``n12`` in six
bytes, in the currency's minor unit (fen for CNY, exponent 2). The kernel, the card log
reader, the issuer simulator and the card simulator all read and write amounts this way.
"""

from __future__ import annotations

__all__ = ["bcd", "fen_of"]


def bcd(value: int, size: int = 6) -> bytes:
    """``value`` as ``n`` BCD, right-justified in ``size`` bytes (6: an ``n12`` amount).

    Raises ValueError for a negative value or one with more than ``2 * size`` digits,
    rather than cutting its leading digits off.
    """
    digits = f"{value:0{size * 2}d}"
    if value < 0 or len(digits) > size * 2:
        raise ValueError(f"{value} does not fit in {size} BCD bytes")
    return bytes.fromhex(digits)


def fen_of(value: bytes | None) -> int | None:
    """An ``n`` amount (``n12`` or shorter) as an integer; None when absent or not BCD."""
    text = (value or b"").hex()
    return int(text) if text.isdigit() else None
