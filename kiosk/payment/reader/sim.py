"""A reader wired straight to a software card: no PC/SC, same transport rules.

For the demo, unit tests and the kernel's own tests. A card is inserted (or tapped) with
:meth:`SimReader.insert`, taken out with :meth:`SimReader.remove`; ``remove_after`` takes it
out by itself after that many wire APDUs, as a customer pulling the card would.
"""

from __future__ import annotations

import threading

from kiosk.errors import UsageError
from kiosk.payment.apdu import Response
from kiosk.payment.cardsim.base import VirtualCard
from kiosk.payment.errors import CardRemovedError, CardTimeoutError, ReaderError
from kiosk.payment.reader import CardPresence, Interface
from kiosk.payment.reader.trace import ApduTrace, traced_exchange

__all__ = ["SimReader"]


class SimReader:
    """A :class:`~kiosk.payment.reader.Reader` for a :class:`VirtualCard` in this process.

    ``t0`` makes the transport use the T=0 rules (case 4 sent as case 3), so a card that
    answers the T=0 way can be tested without a real reader.
    """

    def __init__(
        self,
        card: VirtualCard | None = None,
        *,
        interface: Interface = Interface.CONTACT,
        name: str = "Simulated reader",
        remove_after: int | None = None,
        t0: bool = False,
    ) -> None:
        self.name = name
        self.interface = interface
        self.t0 = t0
        self._card = card
        self._remove_after = remove_after
        self._sent = 0
        self._powered: VirtualCard | None = None
        self._inserted = threading.Condition()
        self._cancelled = False
        self._trace = ApduTrace()
        #: Cards put in with :meth:`insert` so far: a new one is a new tap (the gate reads
        #: each presentation once, even when the demo replaces a card without removing it).
        self.presentations = 0

    @property
    def trace(self) -> ApduTrace:
        return self._trace

    def insert(self, card: VirtualCard, *, remove_after: int | None = None) -> None:
        """Put a card in the reader (wakes a waiting :meth:`wait_for_card`)."""
        with self._inserted:
            self._card = card
            self._remove_after = remove_after
            self._sent = 0
            self.presentations += 1
            self._inserted.notify_all()

    def remove(self) -> None:
        """Take the card out; the next command fails with ``CardRemovedError``."""
        with self._inserted:
            self._card = None
            self._powered = None

    def wait_for_card(self, timeout: float) -> CardPresence:
        with self._inserted:
            ready = self._inserted.wait_for(
                lambda: self._card is not None or self._cancelled, timeout
            )
            if self._cancelled:
                self._cancelled = False
                raise ReaderError("waiting for a card was cancelled", code="reader.cancelled")
            if not ready:
                raise CardTimeoutError(
                    f"no card presented within {timeout:g} s", reader=self.name, timeout=timeout
                )
            card = self._card
            assert card is not None  # guaranteed by wait_for
            atr = card.power_on()
            self._powered = card
        return CardPresence(atr, self.interface, self.name)

    def transmit(self, apdu: bytes) -> Response:
        if self._powered is None and self._card is not None:
            raise UsageError("transmit before wait_for_card", reader=self.name)
        return traced_exchange(self._process, self._trace, apdu, t0=self.t0)

    def _process(self, command: bytes) -> bytes:
        card = self._powered
        if card is None or self._card is None:
            raise CardRemovedError("the card was removed", reader=self.name)
        self._sent += 1
        response = card.process(command)
        if self._remove_after is not None and self._sent >= self._remove_after:
            self.remove()
        return response

    def cancel(self) -> None:
        """Make a :meth:`wait_for_card` running in another thread raise ``reader.cancelled``."""
        with self._inserted:
            self._cancelled = True
            self._inserted.notify_all()

    def card_present(self) -> bool:
        return self._card is not None

    def disconnect(self) -> None:
        if self._powered is not None:
            self._powered.power_off()
            self._powered = None
