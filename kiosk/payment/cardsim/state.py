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


class StateStore:
    """Loads and saves one card's state, or keeps it in memory when ``path`` is None."""

    def __init__(self, path: Path | None, initial: CardState) -> None:
        self.path = path
        self.state = self._load(initial)

    def _load(self, initial: CardState) -> CardState:
        if self.path is None or not self.path.exists():
            return initial
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return CardState(**raw)
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
