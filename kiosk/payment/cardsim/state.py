"""The card's persistent state: what EEPROM keeps between power cycles and runs.

ATC, EC balance, last online ATC, consecutive offline count, PIN try counter and the
transaction log. With a state directory it is written to ``<dir>/<profile>.json``
after every change (write to a temporary file, then rename, so a crash never leaves a
half-written file); without one it lives in memory only.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from kiosk.errors import ConfigError
from kiosk.files import KIB, read_text_bounded

__all__ = ["CardState", "StateStore"]


@dataclass(slots=True)
class CardState:
    """Mutable card counters; ``log`` and ``load_log`` hold raw records, newest first."""

    atc: int
    ec_balance: int
    last_online_atc: int = 0
    consecutive_offline: int = 0
    pin_tries: int = 3
    log: list[str] = field(default_factory=list)
    load_log: list[str] = field(default_factory=list)


#: A card's state with a full log is a few kilobytes.
_MAX_STATE_BYTES = 256 * KIB


def _check_types(state: CardState) -> None:
    """TypeError unless every counter is an int and every log record a string."""
    counters = (state.atc, state.ec_balance, state.last_online_atc, state.consecutive_offline)
    if not all(type(v) is int for v in (*counters, state.pin_tries)):
        raise TypeError("counters must be integers")
    logs = (state.log, state.load_log)
    if not all(isinstance(log, list) and all(isinstance(r, str) for r in log) for log in logs):
        raise TypeError("log records must be strings")


class StateStore:
    """Loads and saves one card's state, or keeps it in memory when ``path`` is None."""

    def __init__(self, path: Path | None, initial: CardState) -> None:
        self.path = path
        self.state = self._load(initial)

    def _load(self, initial: CardState) -> CardState:
        if self.path is None or not self.path.exists():
            return initial
        text = read_text_bounded(
            self.path, limit=_MAX_STATE_BYTES, what="card state file", code="cardsim.bad_state"
        )
        try:
            raw = json.loads(text)
            state = CardState(**raw)
            _check_types(state)
            return state
        except (OSError, ValueError, TypeError) as exc:
            raise ConfigError(
                f"card state file {self.path} is unreadable: {exc}",
                code="cardsim.bad_state",
                path=str(self.path),
            ) from exc

    def save(self) -> None:
        """Persist the current state (no-op in memory)."""
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self.state), indent=1), encoding="utf-8")
        os.replace(tmp, self.path)
