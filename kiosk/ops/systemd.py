"""systemd's notify protocol: READY when the first screen is up, watchdog pings while the
event loop turns, STOPPING on the way out (``Type=notify`` with ``WatchdogSec=``).

The protocol is one datagram of ``KEY=VALUE`` lines to the socket named by
``$NOTIFY_SOCKET`` (sd_notify(3)); written here rather than taken from a library because the
official binding (systemd-python) builds against libsystemd's headers, and the pure-Python
packages for it are unmaintained. Outside systemd (no ``$NOTIFY_SOCKET``) every call does
nothing, so the same code runs under a terminal, a test and the service manager.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger(__name__)


class Notifier:
    """Sends state changes to the service manager, if the process runs under one."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        path = env.get("NOTIFY_SOCKET", "")
        # An abstract socket is written with a leading "@" and addressed with a NUL byte.
        self.address = "\0" + path[1:] if path.startswith("@") else path
        self.watchdog_s = _watchdog_seconds(env)

    @property
    def enabled(self) -> bool:
        return bool(self.address)

    def send(self, **state: str) -> bool:
        """One datagram with ``state`` (e.g. ``READY="1"``); False when it could not go.

        A service manager that went away must not take the terminal down with it, so a
        failed send is logged, never raised."""
        if not self.address:
            return False
        message = "\n".join(f"{key}={value}" for key, value in state.items()).encode()
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.sendto(message, self.address)
        except OSError as exc:
            log.warning("cannot notify the service manager: %s", exc)
            return False
        return True

    def ready(self, status: str = "") -> bool:
        return self.send(READY="1", **({"STATUS": status} if status else {}))

    def ping(self) -> bool:
        return self.send(WATCHDOG="1")

    def stopping(self) -> bool:
        return self.send(STOPPING="1")


def _watchdog_seconds(env: Mapping[str, str]) -> float | None:
    """Half the watchdog interval systemd asks for (``$WATCHDOG_USEC``, for this process:
    ``$WATCHDOG_PID`` names it when set), as sd_watchdog_enabled(3) advises; None: no watchdog."""
    pid = env.get("WATCHDOG_PID", "")
    if pid and pid != str(os.getpid()):
        return None
    usec = env.get("WATCHDOG_USEC", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    return int(usec) / 2e6
