"""A card that replays a script of expected commands and their answers.

For tests beside the full simulator: replay a recorded session of a real card (the
reference traces are lists of ``{"c": command hex, "r": response hex}``) or pin an
exact exchange. Any command other than the next expected one, and a script not used
up, is a :class:`ScriptMismatchError`: a test fails loudly instead of a kernel being fed
an answer to a question it did not ask.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from enum import Enum
from pathlib import Path

from kiosk.errors import UsageError

__all__ = ["Match", "ScriptMismatchError", "ScriptedCard"]

#: A generic T=1 ATR for scripted sessions (TCK valid).
DEFAULT_ATR = bytes.fromhex("3B80800101")


class ScriptMismatchError(UsageError):
    """The command sent differs from the script, or the script was not used up."""

    code = "cardsim.script_mismatch"


class Match(Enum):
    """How much of a command must equal the scripted one."""

    EXACT = "exact"
    #: CLA INS P1 P2 only: for replaying a trace whose data (date, UN) the terminal varies.
    HEADER = "header"


class ScriptedCard:
    """Replays ``(command, response)`` pairs in order; implements ``VirtualCard``."""

    def __init__(
        self,
        pairs: Iterable[tuple[bytes, bytes]],
        *,
        match: Match = Match.EXACT,
        atr: bytes = DEFAULT_ATR,
    ) -> None:
        self._pairs = list(pairs)
        self._next = 0
        self._match = match
        self._atr = atr

    @classmethod
    def from_trace(cls, path: Path, *, match: Match = Match.EXACT) -> ScriptedCard:
        """A card replaying a JSON trace file of ``{"c": hex, "r": hex}`` objects."""
        try:
            items = json.loads(path.read_text(encoding="utf-8"))
            pairs = [(bytes.fromhex(p["c"]), bytes.fromhex(p["r"])) for p in items]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise UsageError(f"unreadable trace {path}", code="cardsim.bad_trace") from exc
        return cls(pairs, match=match)

    @property
    def remaining(self) -> int:
        """Commands of the script not yet sent."""
        return len(self._pairs) - self._next

    def power_on(self) -> bytes:
        return self._atr

    def power_off(self) -> None:
        """Nothing to drop: the script position survives, as a test expects."""

    def process(self, apdu: bytes) -> bytes:
        """The scripted answer to ``apdu``; ScriptMismatchError if it is not the expected one."""
        if self._next >= len(self._pairs):
            raise ScriptMismatchError(
                f"unexpected command {bytes(apdu[:4]).hex().upper()} after the script ended",
                step=self._next,
            )
        expected, answer = self._pairs[self._next]
        same = apdu[:4] == expected[:4] if self._match is Match.HEADER else apdu == expected
        if not same:
            raise ScriptMismatchError(
                f"step {self._next}: expected {expected[:4].hex().upper()}..., "
                f"got {bytes(apdu[:4]).hex().upper()}...",
                step=self._next,
            )
        self._next += 1
        return answer

    def assert_exhausted(self) -> None:
        """Raise ScriptMismatchError unless every scripted command was sent."""
        if self.remaining:
            raise ScriptMismatchError(
                f"{self.remaining} scripted commands never sent", step=self._next
            )
