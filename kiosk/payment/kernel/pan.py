"""The card's identity without its number: masked PAN and the keyed PAN token.

docs/architecture.md "Card data": the PAN is shown masked (first 6, last 4) and matched by a keyed
hash, HMAC-SHA256(pan_token_key, PAN digits ‖ PSN as two digits), hex. The PAN comes
from 5A, or from Track 2 Equivalent Data (57) on qPBOC, which carries it before 'D'.
"""

from __future__ import annotations

import hashlib
import hmac

from kiosk.cardnumber import mask_pan
from kiosk.payment.tags import Tag

__all__ = ["mask_pan", "pan_digits", "pan_token", "psn_digits"]


def pan_digits(values: dict[int, bytes]) -> str:
    """The PAN's digits from 5A (cn, F-padded) or 57; empty when neither is usable."""
    pan = values.get(Tag.PAN)
    if pan is not None:
        digits = pan.hex().upper().rstrip("F")
    else:
        digits = (values.get(Tag.TRACK2_EQUIVALENT) or b"").hex().upper().split("D", 1)[0]
    return digits if digits.isdigit() and 8 <= len(digits) <= 19 else ""


def psn_digits(values: dict[int, bytes]) -> str:
    """5F34 as two digits; ``00`` when absent (EMV Book 2 A1.4.1)."""
    psn = values.get(Tag.PAN_SEQUENCE_NUMBER, b"\x00").hex()
    return psn[-2:] if psn.isdigit() else "00"


def pan_token(key: bytes, values: dict[int, bytes]) -> str:
    """HMAC-SHA256(key, PAN ‖ PSN) hex; empty without a PAN."""
    digits = pan_digits(values)
    if not digits:
        return ""
    message = (digits + psn_digits(values)).encode("ascii")
    return hmac.new(key, message, hashlib.sha256).hexdigest()
