"""The card reader as the kernel sees it: wait for a card, exchange commands, let it go.

Two implementations sit behind :class:`Reader`: :class:`~kiosk.payment.reader.pcsc.PcscReader`
(PC/SC through pyscard, the real hardware and vpcd) and
:class:`~kiosk.payment.reader.sim.SimReader` (wired straight to a software card). Both run
every command through :func:`kiosk.payment.reader.trace.traced_exchange`, so the 61xx/6Cxx
handling of :mod:`kiosk.payment.apdu` is the same code, and the masked
:class:`~kiosk.payment.reader.trace.ApduTrace` is filled the same way.

Errors (all from :mod:`kiosk.payment.errors`): ``CardTimeoutError`` when no card comes in
time, ``CardRemovedError`` when the card leaves mid-exchange, ``ReaderUnavailableError`` when
the reader or PC/SC itself is gone, ``ReaderError`` for the rest of the reader's faults.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Protocol

from kiosk.payment.apdu import Response
from kiosk.payment.reader.trace import ApduTrace

__all__ = ["CardPresence", "Interface", "Reader", "guess_interface"]


class Interface(enum.Enum):
    """How the card talks to the terminal; selection differs (PSE vs PPSE,
    docs/architecture.md "PBOC 3.0 in brief")."""

    CONTACT = "contact"
    CONTACTLESS = "contactless"


@dataclass(frozen=True)
class CardPresence:
    """A card that answered reset: its ATR, the interface it came in on, the reader's name."""

    atr: bytes
    interface: Interface
    reader: str


class Reader(Protocol):
    """One reader slot, used by one transaction at a time (not thread-safe)."""

    @property
    def trace(self) -> ApduTrace:
        """The masked trace of the wire exchanges so far."""
        ...

    def wait_for_card(self, timeout: float) -> CardPresence:
        """Wait up to ``timeout`` seconds for a card, power it and connect.

        Raises ``CardTimeoutError``, ``ReaderUnavailableError`` or ``ReaderError``.
        """
        ...

    def transmit(self, apdu: bytes) -> Response:
        """Send one command APDU; GET RESPONSE and re-send rounds are done here.

        Raises ``CardRemovedError``, ``ReaderUnavailableError``, ``ReaderError``,
        ``CardError`` (no status word, endless chaining) or ``UsageError`` (malformed APDU,
        no card connected).
        """
        ...

    def card_present(self) -> bool:
        """Whether a card is in the reader (or the field) now; reader faults still raise."""
        ...

    def disconnect(self) -> None:
        """Power the card off and drop the connection; harmless if the card is already gone."""
        ...

    def cancel(self) -> None:
        """From another thread: end a running :meth:`wait_for_card` with ``ReaderError``
        ``reader.cancelled`` (the customer walked away; the caller owns cancellation)."""
        ...


#: Reader names that mean a contactless (PICC) slot, from common drivers' naming
#: (CCID "… PICC", "… CL", "… Contactless", NFC readers).
CONTACTLESS_NAME = re.compile(r"contactless|picc|\bcl\b|nfc|acr122|\brf\b", re.IGNORECASE)


def guess_interface(reader_name: str, atr: bytes) -> Interface:
    """Contact or contactless, from the reader's name, then from the ATR.

    PC/SC readers build an ATR for a contactless card (PC/SC Part 3 §3.1.3.2.3):
    ``3B 8n 80 01`` then the historical bytes (ATS or ATQB data) and TCK: no TA1/TB1/TC1,
    TD1 = 80 (T=0 indicated, TD2 follows), TD2 = 01 (T=1, nothing more). Contact cards
    almost never send that pattern. Callers that know better pass the interface explicitly.
    """
    if CONTACTLESS_NAME.search(reader_name):
        return Interface.CONTACTLESS
    if len(atr) >= 4 and atr[0] == 0x3B and atr[1] & 0xF0 == 0x80 and atr[2:4] == b"\x80\x01":
        return Interface.CONTACTLESS
    return Interface.CONTACT
