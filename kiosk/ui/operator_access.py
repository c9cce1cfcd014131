"""Getting into the hidden operator menu: a corner gesture, then a PIN with a lockout.

Plain Python (no Qt), so the rules are tested without a screen. The PIN is stored only as
a PBKDF2-HMAC-SHA256 hash (``ui.operator_pin_hash``) in the form
``pbkdf2_sha256$<iterations>$<salt hex>$<hash hex>``; an empty setting means the demo PIN
``000000``. Three wrong PINs lock entry for :data:`LOCKOUT_S` seconds, counted on a
monotonic clock so that changing the wall clock does not lift it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kiosk.errors import ConfigError

DEMO_PIN = "000000"
ITERATIONS = 200_000
MAX_TRIES = 3
LOCKOUT_S = 300.0
#: The gesture: this many taps in the top-left corner square within the window.
CORNER_TAPS = 5
CORNER_WINDOW_S = 3.0
CORNER_PX = 100


def hash_pin(pin: str, *, salt: bytes | None = None, iterations: int = ITERATIONS) -> str:
    """The setting value for ``pin`` (what ``ui.operator_pin_hash`` holds)."""
    salt = os.urandom(16) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${digest.hex()}"


def pin_matches(pin: str, stored: str) -> bool:
    """Whether ``pin`` matches the stored hash (empty: the demo PIN). Constant-time compare.

    Raises ConfigError ``config.value`` when the stored value is not a hash this code wrote.
    """
    if not stored:
        return hmac.compare_digest(pin.encode(), DEMO_PIN.encode())
    try:
        scheme, iterations, salt, digest = stored.split("$")
        if scheme != "pbkdf2_sha256":
            raise ValueError(scheme)
        expected = bytes.fromhex(digest)
        got = hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt), int(iterations))
    except ValueError as exc:
        raise ConfigError(
            "ui.operator_pin_hash is not a pbkdf2_sha256 hash",
            code="config.value",
            key="ui.operator_pin_hash",
        ) from exc
    return hmac.compare_digest(got, expected)


@dataclass
class PinGuard:
    """Counts wrong PINs and locks entry after :data:`MAX_TRIES` for :data:`LOCKOUT_S`."""

    stored_hash: str
    clock: Callable[[], float] = time.monotonic
    failures: int = 0
    locked_until: float = 0.0

    def locked_for(self) -> float:
        """Seconds of lockout left (0 when a PIN may be tried)."""
        return max(0.0, self.locked_until - self.clock())

    def try_pin(self, pin: str) -> bool:
        """True when ``pin`` is right and entry is not locked; counts the failures."""
        if self.locked_for() > 0:
            return False
        if pin_matches(pin, self.stored_hash):
            self.failures = 0
            return True
        self.failures += 1
        if self.failures >= MAX_TRIES:
            self.failures = 0
            self.locked_until = self.clock() + LOCKOUT_S
        return False


@dataclass
class CornerTaps:
    """Recognises :data:`CORNER_TAPS` taps in the top-left corner within the time window."""

    clock: Callable[[], float] = time.monotonic
    taps: list[float] = field(default_factory=list)

    def tap(self, x: int, y: int) -> bool:
        """Register a tap at window coordinates; True when the gesture is complete."""
        if not (0 <= x < CORNER_PX and 0 <= y < CORNER_PX):
            self.taps.clear()
            return False
        now = self.clock()
        self.taps = [t for t in self.taps if now - t <= CORNER_WINDOW_S] + [now]
        if len(self.taps) >= CORNER_TAPS:
            self.taps.clear()
            return True
        return False
