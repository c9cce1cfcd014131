"""Errors of the card path, shaped by what the caller does next.

- :class:`CardError`: the card answered something unusable; try again or use another card.
- :class:`ReaderError`: the reader or the card's presence failed; check the reader, re-present.
- :class:`HostError`: the online authorisation host failed; go offline or decline.

Expected outcomes of a transaction (declined, go online, use another interface) are
*returned* by the kernel, not raised: these exceptions end a session.
"""

from __future__ import annotations

from kiosk.errors import KioskError


class PaymentError(KioskError):
    """Base of everything raised on the card path."""

    code = "payment.error"


class CardError(PaymentError):
    """The card's answer cannot be used (bad status word, malformed data, missing data)."""

    code = "card.error"


class TlvError(CardError):
    """Malformed BER-TLV; ``context['offset']`` is the byte offset of the fault."""

    code = "card.tlv"


class ReaderError(PaymentError):
    """The reader failed, or the card left it."""

    code = "reader.error"


class CardRemovedError(ReaderError):
    """The card left the reader (or the field) before the exchange finished."""

    code = "reader.card_removed"


class ReaderUnavailableError(ReaderError):
    """The reader is absent, unplugged, or PC/SC itself is not running."""

    code = "reader.unavailable"


class CardTimeoutError(ReaderError):
    """No card was presented within the time allowed."""

    code = "reader.timeout"


class HostError(PaymentError):
    """The online authorisation host did not answer usably (timeout, network, garbage)."""

    code = "host.error"
