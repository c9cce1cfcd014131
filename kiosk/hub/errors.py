"""The hub's refusals: a stable code, one line for people, and the HTTP status."""

from __future__ import annotations

from typing import Any

from kiosk.errors import KioskError


class HubError(KioskError):
    """A request the hub answers with a 4xx: ``{"error": code, "reason": message, **extra}``."""

    def __init__(self, message: str, *, code: str, status: int, **extra: Any) -> None:
        super().__init__(message, code=code)
        self.status = status
        self.extra = extra
