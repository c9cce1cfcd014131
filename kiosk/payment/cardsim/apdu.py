"""Command APDU parsing and the status words the software card answers with.

ISO/IEC 7816-4 §5.1 short APDUs only (cases 1-4); extended length is refused with
``6700`` as a PBOC card does (JR/T 0025.3 uses short APDUs throughout).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = ["Apdu", "CardStatus", "Refusal", "parse_apdu"]


class CardStatus(bytes, Enum):
    """Status words (ISO/IEC 7816-4 §5.1.3; EMV 4.3 Book 3 Annex; PBOC JR/T 0025.5)."""

    OK = b"\x90\x00"
    ISSUER_AUTH_FAILED = b"\x63\x00"
    WRONG_LENGTH = b"\x67\x00"
    AUTH_METHOD_BLOCKED = b"\x69\x83"
    TRY_ANOTHER_INTERFACE = b"\x69\x84"
    CONDITIONS_NOT_SATISFIED = b"\x69\x85"
    SM_DATA_INCORRECT = b"\x69\x88"
    INCORRECT_DATA = b"\x6a\x80"
    FILE_NOT_FOUND = b"\x6a\x82"
    RECORD_NOT_FOUND = b"\x6a\x83"
    WRONG_P1P2 = b"\x6a\x86"
    DATA_NOT_FOUND = b"\x6a\x88"
    INS_NOT_SUPPORTED = b"\x6d\x00"
    CLA_NOT_SUPPORTED = b"\x6e\x00"


class Refusal(Exception):  # noqa: N818 - control flow inside the card, never escapes it
    """Ends a command with a status word other than 9000; the card's ``process`` catches it."""

    def __init__(self, sw: bytes) -> None:
        super().__init__(bytes(sw).hex().upper())
        self.sw = bytes(sw)


@dataclass(frozen=True, slots=True)
class Apdu:
    """A parsed command: header, data (empty for cases 1-2) and Le (None for 1 and 3)."""

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes
    le: int | None

    @property
    def header(self) -> bytes:
        """CLA INS P1 P2 Lc as a MAC covers it (Lc counts the MAC bytes too)."""
        return bytes([self.cla, self.ins, self.p1, self.p2, len(self.data)])


def parse_apdu(raw: bytes) -> Apdu | None:
    """Parse a short command APDU; None when its length matches no case (answer 6700)."""
    if len(raw) < 4:
        return None
    cla, ins, p1, p2 = raw[:4]
    body = raw[4:]
    if len(body) <= 1:  # case 1, or case 2 with Le (00 means 256)
        le = (body[0] or 256) if body else None
        return Apdu(cla, ins, p1, p2, b"", le)
    lc = body[0]
    data = body[1 : 1 + lc]
    rest = body[1 + lc :]
    # Lc = 00 would announce extended length, which a PBOC card does not take.
    if lc == 0 or len(data) != lc or len(rest) > 1:
        return None
    return Apdu(cla, ins, p1, p2, data, (rest[0] or 256) if rest else None)
