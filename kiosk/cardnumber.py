"""A card number as people and logs may see it: masked to its first 6 and last 4 digits,
and the Luhn check that tells a card number from any other run of digits.

Plain functions with no imports, so that the log filter (:mod:`kiosk.ops.logs`), loaded by
every command, does not pull in the card stack to reach them.
"""

from __future__ import annotations


def mask_pan(digits: str) -> str:
    """First 6 and last 4 digits, the rest as ``*``."""
    if len(digits) <= 10:
        return "*" * len(digits)
    return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]


def luhn_ok(digits: str) -> bool:
    """Whether ``digits`` pass the Luhn check (ISO/IEC 7812-1 Annex B)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0
