"""A card that follows a script of expected commands, for tests of the terminal side.

Unlike the full card simulator it makes no decisions: each command must be exactly the next
one in the script, or the test fails with a message naming the step. :meth:`assert_done`
checks that the terminal sent everything the script expected.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["DEFAULT_ATR", "ScriptError", "ScriptedCard"]

#: EMV Book 1 §8.3.4's basic T=1 ATR of a contact card: TB1 = TC1 = 00, TD1 = 81, TD2 = 31,
#: IFSC 254 (TA3 = FE), BWI 4 / CWI 5 (TB3 = 45), TCK = EB.
DEFAULT_ATR = bytes.fromhex("3BE000008131FE45EB")


class ScriptError(AssertionError):
    """The terminal sent a command the script did not expect, or stopped early."""


def _as_bytes(value: bytes | str) -> bytes:
    return bytes.fromhex(value) if isinstance(value, str) else bytes(value)


class ScriptedCard:
    """A :class:`~kiosk.payment.cardsim.base.VirtualCard` answering a fixed command script.

    ``steps`` are (expected command, response) pairs, as bytes or hex. The script runs across
    power cycles (a card pulled and re-inserted continues where it stopped).
    """

    def __init__(
        self, steps: Iterable[tuple[bytes | str, bytes | str]], *, atr: bytes = DEFAULT_ATR
    ):
        self.atr = atr
        self._steps = [(_as_bytes(c), _as_bytes(r)) for c, r in steps]
        self._next = 0
        self.powered = False

    def power_on(self) -> bytes:
        self.powered = True
        return self.atr

    def power_off(self) -> None:
        self.powered = False

    def process(self, apdu: bytes) -> bytes:
        """Answer the next step; raise :class:`ScriptError` on any other command."""
        step = self._next
        if step >= len(self._steps):
            raise ScriptError(
                f"step {step + 1}: unexpected command {apdu.hex().upper()} "
                f"after the end of the script"
            )
        expected, response = self._steps[step]
        if bytes(apdu) != expected:
            raise ScriptError(
                f"step {step + 1}: expected {expected.hex().upper()}, got {apdu.hex().upper()}"
            )
        self._next += 1
        return response

    @property
    def remaining(self) -> int:
        """How many steps are still to come."""
        return len(self._steps) - self._next

    def assert_done(self) -> None:
        """Raise :class:`ScriptError` naming the first step the terminal never sent."""
        if self.remaining:
            expected = self._steps[self._next][0].hex().upper()
            raise ScriptError(
                f"script not used up: {self.remaining} step(s) left, next was {expected}"
            )
