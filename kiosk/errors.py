"""The root of every error this project raises on purpose.

Each package defines its own subtree under :class:`KioskError`, shaped by what
the caller does next (fix the config, retry the card, check the printer, ...).
Every error carries a stable ``code`` that the UI maps to translated text, and
a ``context`` dict with what helps diagnose it (never card secrets).
"""

from __future__ import annotations

from typing import Any


class KioskError(Exception):
    """Base class: a stable ``code``, a message for logs, and diagnostic context."""

    code: str = "kiosk.error"

    def __init__(self, message: str, *, code: str | None = None, **context: Any) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.context: dict[str, Any] = context

    def __str__(self) -> str:
        return self.args[0] if self.args else self.code


class ConfigError(KioskError):
    """The configuration is wrong: an operator must fix the file or the environment."""

    code = "config.invalid"


class UsageError(KioskError, RuntimeError):
    """An API was called the wrong way: a programming error, not a device or data fault."""

    code = "usage"
