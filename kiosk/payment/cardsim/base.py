"""What a software card offers to whatever carries its APDUs (in-process reader, vpcd bridge)."""

from __future__ import annotations

from typing import Protocol


class VirtualCard(Protocol):
    """A card in software: powered on, fed command APDUs, powered off.

    ``process`` takes a whole command APDU (CLA INS P1 P2 [Lc data] [Le]) and returns the
    response data followed by SW1 SW2, exactly as a contact card would at the T=1 level.
    It never raises for a bad command: it answers with the right status word.
    """

    def power_on(self) -> bytes:
        """Reset the card's volatile state (selected application, ...) and return its ATR."""
        ...

    def power_off(self) -> None:
        """Drop volatile state; persistent state (balance, ATC, log) is kept."""
        ...

    def process(self, apdu: bytes) -> bytes:
        """Answer one command APDU with response data + SW1 SW2."""
        ...
