"""Getting into the hidden operator menu: a corner gesture, then a PIN with a lockout.

Plain Python (no Qt), so the rules are tested without a screen. The PIN is stored only as
a salted PBKDF2-HMAC-SHA256 hash in the form
``pbkdf2_sha256$<iterations>$<salt hex>$<hash hex>``: in ``ui.operator_pin_hash``, else in
``<data_dir>/operator-pin`` (owner-only, written by ``kiosk admin set-pin``). With neither,
the demo PIN ``000000`` opens the menu in demo mode, and nothing opens it in production
(``kiosk doctor`` fails until a PIN is set). Three wrong PINs lock entry for
:data:`LOCKOUT_S` seconds, counted on a monotonic clock so that changing the wall clock
does not lift it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.config import Settings
from kiosk.errors import ConfigError
from kiosk.files import KIB, read_text_bounded

DEMO_PIN = "000000"
#: What ``kiosk admin set-pin`` accepts: 6 to 12 ASCII digits (a touch screen's keypad).
PIN_FORMAT = re.compile(r"[0-9]{6,12}")
PIN_FILE = "operator-pin"
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


def pin_file(settings: Settings) -> Path:
    """Where ``kiosk admin set-pin`` keeps the hash."""
    return settings.data_dir / PIN_FILE


def stored_pin_hash(settings: Settings) -> str:
    """The operator PIN's hash: ``ui.operator_pin_hash``, else the PIN file, else ""."""
    if settings.ui.operator_pin_hash:
        return settings.ui.operator_pin_hash
    path = pin_file(settings)
    if not path.exists():
        return ""
    return read_text_bounded(path, limit=KIB, what="operator PIN file", code="config.value").strip()


def write_pin_file(settings: Settings, pin: str) -> Path:
    """Hash ``pin`` into the PIN file (0600, replaced atomically); ConfigError when ``pin``
    is not 6-12 digits."""
    if not PIN_FORMAT.fullmatch(pin):
        raise ConfigError("the operator PIN must be 6 to 12 digits 0-9", code="admin.pin_format")
    path = pin_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(hash_pin(pin) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return path


def pin_matches(pin: str, stored: str, *, demo: bool) -> bool:
    """Whether ``pin`` matches the stored hash. Constant-time compare.

    With no hash stored, the demo PIN in demo mode and nothing at all in production. Raises
    ConfigError ``config.value`` when the stored value is not a hash this code wrote.
    """
    if not stored:
        return demo and hmac.compare_digest(pin.encode(), DEMO_PIN.encode())
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
    demo: bool
    clock: Callable[[], float] = time.monotonic
    failures: int = 0
    locked_until: float = 0.0

    @property
    def configured(self) -> bool:
        """Whether any PIN can open the menu (a production terminal needs one set)."""
        return bool(self.stored_hash) or self.demo

    def locked_for(self) -> float:
        """Seconds of lockout left (0 when a PIN may be tried)."""
        return max(0.0, self.locked_until - self.clock())

    def try_pin(self, pin: str) -> bool:
        """True when ``pin`` is right and entry is not locked; counts the failures."""
        if self.locked_for() > 0:
            return False
        if pin_matches(pin, self.stored_hash, demo=self.demo):
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
