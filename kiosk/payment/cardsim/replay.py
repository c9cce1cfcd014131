"""A card that answers from a recorded session (a list of ``{"c": hex, "r": hex}`` pairs).

The recording is followed in order: each command is answered by the first not-yet-used pair
at or after the current position whose command matches it, so a terminal may skip commands
(a GET DATA it does not need) but never goes back. The same command can therefore get two
different answers, as ``00B2010C00`` does in a session that reads the PSE directory and then
the application's SFI 1.

A command matches exactly, or, for GENERATE AC and INTERNAL AUTHENTICATE whose data (amount,
unpredictable number) varies between runs, by its header CLA INS P1 P2 — the recorded answer
then carries the recorded cryptogram, which is what a replay can offer. A command with no
recorded answer gets ``6F00`` and is kept in :attr:`ReplayCard.unmatched`. Power-on starts the
session over.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from pathlib import Path

from kiosk.errors import ConfigError
from kiosk.files import MIB, read_text_bounded
from kiosk.payment.cardsim.scripted import DEFAULT_ATR

__all__ = ["ReplayCard"]

log = logging.getLogger(__name__)

#: Commands whose data changes from run to run: GENERATE AC (EMV Book 3 §6.5.5),
#: INTERNAL AUTHENTICATE (§6.5.9).
VARIABLE_DATA_INS = frozenset({0xAE, 0x88})
NO_RECORDING = bytes.fromhex("6F00")


class ReplayCard:
    """A :class:`~kiosk.payment.cardsim.base.VirtualCard` replaying a recorded session."""

    def __init__(self, pairs: Iterable[tuple[bytes, bytes]], *, atr: bytes = DEFAULT_ATR) -> None:
        self.atr = atr
        self.pairs = [(bytes(c), bytes(r)) for c, r in pairs]
        self.unmatched: list[bytes] = []
        self._position = 0

    @classmethod
    def from_file(cls, path: Path, *, atr: bytes = DEFAULT_ATR) -> ReplayCard:
        """Load a recording; an unreadable or malformed file is a ``ConfigError``."""
        text = read_text_bounded(
            Path(path), limit=16 * MIB, what="recorded session", code="cardsim.bad_trace"
        )
        try:
            items = json.loads(text)
            pairs = [(bytes.fromhex(item["c"]), bytes.fromhex(item["r"])) for item in items]
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise ConfigError(
                f"cannot read the recorded session {path}: {exc}",
                code="cardsim.bad_trace",
                path=str(path),
            ) from exc
        if not pairs or any(len(r) < 2 or len(c) < 4 for c, r in pairs):
            raise ConfigError(
                f"{path}: a recording needs pairs of a command (4+ bytes) and a response (2+)",
                code="cardsim.bad_trace",
                path=str(path),
            )
        return cls(pairs, atr=atr)

    def power_on(self) -> bytes:
        self._position = 0
        return self.atr

    def power_off(self) -> None:
        """Nothing volatile to drop beyond the position, which power-on resets."""

    def process(self, apdu: bytes) -> bytes:
        apdu = bytes(apdu)
        found = self._find(lambda c: c == apdu)
        if found is None and len(apdu) >= 4 and apdu[1] in VARIABLE_DATA_INS:
            found = self._find(lambda c: c[:4] == apdu[:4])
        if found is None:
            log.warning("no recorded answer for %s", apdu[:4].hex().upper())
            self.unmatched.append(apdu)
            return NO_RECORDING
        self._position = found + 1
        return self.pairs[found][1]

    def _find(self, matches: Callable[[bytes], bool]) -> int | None:
        for index in range(self._position, len(self.pairs)):
            if matches(self.pairs[index][0]):
                return index
        return None
