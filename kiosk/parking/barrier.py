"""The lane's barrier: a relay on a serial port (or TCP) given bytes to send, or a command
line run with a timeout. Plain Python, pyserial only when a relay is configured.

Spec strings (``parking.barrier``):

- ``serial:///dev/ttyUSB0?baudrate=9600&open=A00101A2&close=A00100A1&pulse_ms=500``: send
  ``open``, wait ``pulse_ms``, send ``close`` (bytes in hex; spaces allowed). The defaults are
  the common LCUS-1 USB relay's frames (``A0`` address ``01`` state checksum), whose contact
  gives the barrier controller the dry-contact pulse it opens on. ``close`` may be empty
  (``close=``) for a controller that takes one frame.
- ``tcp://host:port?open=…`` the same over a network relay (pyserial's ``socket://``).
- ``cmd:/usr/local/bin/gate open --lane 1``: an argv list (split as a shell would, never run
  by one) run with a timeout; exit status 0 means open.
- ``sim://``: the demo's barrier, which only counts its openings.
"""

from __future__ import annotations

import shlex
import subprocess
import time
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

from kiosk.errors import KioskError
from kiosk.serial_ports import open_port

__all__ = [
    "LCUS_CLOSE",
    "LCUS_OPEN",
    "Barrier",
    "BarrierError",
    "CommandBarrier",
    "RelayBarrier",
    "SimBarrier",
    "open_barrier",
]

#: LCUS-1 relay frames: start ``A0``, relay ``01``, state ``01`` on / ``00`` off, sum mod 256.
LCUS_OPEN = bytes.fromhex("A00101A2")
LCUS_CLOSE = bytes.fromhex("A00100A1")


class BarrierError(KioskError):
    """The barrier did not open: ``barrier.url`` (bad spec), ``barrier.unavailable`` (port or
    program missing), ``barrier.failed`` (the command said no), ``barrier.timeout``."""

    code = "barrier.failed"


class Barrier(Protocol):
    """What the lane asks of a barrier: open it once (raises BarrierError)."""

    def open(self) -> None: ...
    def close(self) -> None: ...


class Port(Protocol):
    """What a relay needs of a pyserial port."""

    def write(self, data: bytes) -> int | None: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...


@dataclass
class RelayBarrier:
    """A relay on ``port``: ``open_frame``, ``pulse_s`` later ``close_frame``."""

    port: Port
    open_frame: bytes = LCUS_OPEN
    close_frame: bytes = LCUS_CLOSE
    pulse_s: float = 0.5

    def open(self) -> None:
        try:
            self.port.write(self.open_frame)
            self.port.flush()
            if self.close_frame:
                time.sleep(self.pulse_s)
                self.port.write(self.close_frame)
                self.port.flush()
        except OSError as exc:  # pyserial's SerialException is an OSError
            raise BarrierError(f"the relay link failed: {exc}", code="barrier.unavailable") from exc

    def close(self) -> None:
        self.port.close()


@dataclass
class CommandBarrier:
    """A program that opens the barrier: ``argv`` run without a shell, ``timeout_s`` at most."""

    argv: tuple[str, ...]
    timeout_s: float = 5.0

    def open(self) -> None:
        try:
            done = subprocess.run(  # noqa: S603 - argv from the operator's config, no shell
                self.argv, capture_output=True, timeout=self.timeout_s, check=False
            )
        except FileNotFoundError as exc:
            raise BarrierError(
                f"barrier program not found: {self.argv[0]}", code="barrier.unavailable"
            ) from exc
        except subprocess.TimeoutExpired as exc:
            raise BarrierError(
                f"barrier program did not finish in {self.timeout_s} s", code="barrier.timeout"
            ) from exc
        except OSError as exc:
            raise BarrierError(
                f"cannot run {self.argv[0]}: {exc}", code="barrier.unavailable"
            ) from exc
        if done.returncode != 0:
            said = done.stderr.decode(errors="replace").strip()[-200:]
            raise BarrierError(
                f"barrier program exited {done.returncode}: {said}",
                code="barrier.failed",
                status=done.returncode,
            )

    def close(self) -> None:
        """Nothing held open."""


@dataclass
class SimBarrier:
    """The demo's barrier: counts its openings."""

    opened: int = field(default=0)

    def open(self) -> None:
        self.opened += 1

    def close(self) -> None:
        """Nothing to close."""


def _frame(query: dict[str, str], key: str, default: bytes) -> bytes:
    return bytes.fromhex(query[key]) if key in query else default


def open_barrier(spec: str, *, timeout_s: float = 5.0) -> Barrier:
    """The barrier described by ``spec`` (see the module docstring). Raises BarrierError
    ``barrier.url`` for a spec it cannot use, ``barrier.unavailable`` when the port will not
    open."""
    if spec.startswith("cmd:"):
        try:
            argv = tuple(shlex.split(spec[4:]))
        except ValueError as exc:
            raise BarrierError(f"bad barrier command {spec!r}: {exc}", code="barrier.url") from exc
        if not argv:
            raise BarrierError("the barrier command is empty", code="barrier.url")
        return CommandBarrier(argv, timeout_s)
    parts = urlsplit(spec)
    query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    if parts.scheme == "sim":
        return SimBarrier()
    try:
        open_frame = _frame(query, "open", LCUS_OPEN)
        close_frame = _frame(query, "close", LCUS_CLOSE)
        pulse_s = int(query.get("pulse_ms", "500")) / 1000
        if not open_frame or not 0 <= pulse_s <= 10:
            raise ValueError("open must not be empty and pulse_ms must be 0–10000")
        if parts.scheme not in ("serial", "tcp"):
            raise ValueError("expected serial:///dev/…, tcp://host:port, cmd:ARGV or sim://")
        port = open_port(parts, query, timeout_s=timeout_s)
    except ValueError as exc:
        raise BarrierError(f"bad barrier spec {spec!r}: {exc}", code="barrier.url") from exc
    except OSError as exc:  # pyserial's SerialException is an OSError
        raise BarrierError(
            f"cannot open the barrier relay {spec!r}: {exc}", code="barrier.unavailable"
        ) from exc
    return RelayBarrier(port, open_frame, close_frame, pulse_s)
