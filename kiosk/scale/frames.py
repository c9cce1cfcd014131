"""What a scale sends, parsed: Mettler Toledo MT-SICS answers and the Yaohua XK3190
continuous frame. Plain functions on bytes, no I/O.

MT-SICS (level 0, reference manual 11780711): a command ``S`` or ``SI`` ends in CR LF; the
answer is ``S S <value> <unit>`` (stable), ``S D <value> <unit>`` (dynamic, ``SI`` only),
``S I`` (busy or stability timeout), ``S +`` / ``S -`` (over- / underload), or a general
error ``ES`` / ``ET`` / ``EL``. The value is right-aligned with spaces, so it is split on
whitespace.

The continuous format is the Yaohua XK3190 "tF=0" frame (A9+, A23P/A26 continuous 0/1),
12 bytes: STX, sign ``+``/``-``, six digits without a decimal point, the number of
decimals (``0``–``4``), the XOR of bytes 2–9 as two ASCII hex digits (high nibble
first), ETX; the weight is in kg. Example +20.00 kg: ``02 2B 30 30 32 30 30 30 32 31 42 03``.
These indicators send no stability flag in this frame; the reader takes a weight as
stable when consecutive frames agree (:mod:`kiosk.scale.scale`).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from kiosk.errors import KioskError

__all__ = [
    "ETX",
    "FRAME_LEN",
    "STX",
    "Reading",
    "ScaleError",
    "ScaleState",
    "grams_of",
    "parse_sics",
    "parse_yaohua",
    "yaohua_frame",
]

STX, ETX = 0x02, 0x03
FRAME_LEN = 12
_UNITS = {"g": 1, "kg": 1000}


class ScaleError(KioskError):
    """The scale gave no weight that may go into a line; ``code`` says why in plain words
    (``scale.dynamic``, ``scale.busy``, ``scale.overload``, ``scale.underload``,
    ``scale.garbage``, ``scale.silent``, ``scale.unavailable``, ``scale.negative``)."""

    code = "scale.error"


class ScaleState(enum.StrEnum):
    STABLE = "stable"
    DYNAMIC = "dynamic"


@dataclass(frozen=True)
class Reading:
    grams: int
    state: ScaleState


def grams_of(value: str, unit: str) -> int:
    """``"1.250", "kg"`` -> 1250; raises ScaleError ``scale.garbage`` for anything else,
    ``scale.unit`` for a unit other than g or kg, and for fractions of a gram."""
    factor = _UNITS.get(unit)
    if factor is None:
        raise ScaleError(f"unit {unit!r} is not g or kg", code="scale.unit", unit=unit)
    try:
        exact = Decimal(value) * factor
    except InvalidOperation as exc:
        raise ScaleError(f"not a weight: {value!r}", code="scale.garbage") from exc
    if not exact.is_finite() or exact != exact.to_integral_value():
        raise ScaleError(f"not whole grams: {value} {unit}", code="scale.garbage")
    return int(exact)


_SICS_STATUS = {
    "I": ("scale.busy", "the scale is busy or not steady"),
    "+": ("scale.overload", "overload: too heavy for the scale"),
    "-": ("scale.underload", "underload: the pan is off or below zero"),
}
_SICS_ERRORS = {"ES": "syntax error", "ET": "transmission error", "EL": "logical error"}


def parse_sics(line: bytes) -> Reading:
    """One MT-SICS answer line (CR LF stripped or not) to ``S``/``SI`` -> Reading.

    Raises ScaleError with the plain reason for every answer that is not a weight."""
    try:
        text = line.decode("ascii").strip()
    except UnicodeDecodeError as exc:
        raise ScaleError("the scale sent unreadable bytes", code="scale.garbage") from exc
    words = text.split()
    if words and words[0] in _SICS_ERRORS:
        raise ScaleError(f"scale error {words[0]}: {_SICS_ERRORS[words[0]]}", code="scale.error")
    if len(words) >= 2 and words[0] == "S" and words[1] in _SICS_STATUS:
        code, why = _SICS_STATUS[words[1]]
        raise ScaleError(why, code=code)
    if len(words) != 4 or words[0] != "S" or words[1] not in ("S", "D"):
        raise ScaleError(f"not an MT-SICS weight: {text[:40]!r}", code="scale.garbage")
    state = ScaleState.STABLE if words[1] == "S" else ScaleState.DYNAMIC
    return Reading(grams_of(words[2], words[3]), state)


def _xor(body: bytes) -> int:
    check = 0
    for byte in body:
        check ^= byte
    return check


def yaohua_frame(grams: int) -> bytes:
    """The XK3190 frame showing ``grams`` as kg with three decimals (the test scale and the
    demo's simulated scale send it)."""
    body = b"%c%06d3" % (b"-"[0] if grams < 0 else b"+"[0], abs(grams))
    return bytes([STX]) + body + b"%02X" % _xor(body) + bytes([ETX])


_YAOHUA = re.compile(rb"\x02([+-])(\d{6})([0-4])([0-9A-F]{2})\x03")


def parse_yaohua(frame: bytes) -> int:
    """One 12-byte XK3190 frame -> grams (the value is kg). Raises ScaleError
    ``scale.garbage`` for a malformed frame or a wrong checksum, ``scale.negative``."""
    match = _YAOHUA.fullmatch(frame)
    if match is None:
        raise ScaleError("not an XK3190 frame", code="scale.garbage")
    sign, digits, decimals, check = match.groups()
    if int(check, 16) != _xor(frame[1:9]):
        raise ScaleError("XK3190 frame checksum wrong", code="scale.garbage")
    places = int(decimals)
    value = (
        f"{digits[: 6 - places].decode()}.{digits[6 - places :].decode()}"
        if places
        else digits.decode()
    )
    grams = grams_of(value, "kg")
    if sign == b"-" and grams:
        raise ScaleError("the scale shows a negative weight", code="scale.negative")
    return grams
