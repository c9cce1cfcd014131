"""The customer pole display (客显): an 8-digit LED price display with four lamps, on a
serial port or TCP through pyserial.

Protocol (the common "LED-8" set): ``ESC @`` initialises; ``ESC Q A <digits> CR`` shows a
number (ASCII digits and ``.`` only: seven segments cannot show letters); ``ESC s n``
lights one lamp: 0 off, 1 单价 price, 2 总计 total, 3 收款 paid, 4 找零 change. Most
displays take ``n`` as the ASCII digit, some as the byte 0-4 (``[market] pole_lamps``).
Do not point it at a two-line CD5220 VFD: there ``ESC s 1`` writes user characters to
EEPROM.

The display is optional and never holds a sale up: :class:`PoleFeed` writes on its own
thread, keeps only the latest figure when the display is slow, and on a fault logs it,
keeps the error code as its ``status`` and tries again with the next figure.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

from kiosk.errors import KioskError
from kiosk.money import format_fen

__all__ = ["Lamp", "PoleError", "PoleFeed", "open_pole", "pole_frame"]

log = logging.getLogger(__name__)

ESC, CR = b"\x1b", b"\r"
INIT = ESC + b"@"
#: Eight digit positions; the decimal point lights a segment of its digit.
DIGITS = 8


class PoleError(KioskError):
    """The pole display cannot be used (bad URL, port absent, write failed)."""

    code = "pole.unavailable"


class Lamp(enum.IntEnum):
    OFF = 0
    PRICE = 1  # 单价: the line just keyed
    TOTAL = 2  # 总计
    PAID = 3  # 收款: the cash tendered
    CHANGE = 4  # 找零


def pole_frame(fen: int, lamp: Lamp, *, ascii_lamps: bool = True) -> bytes:
    """The bytes that show ``fen`` as yuan (``12.50``) with ``lamp`` lit.

    Raises PoleError ``pole.too_large`` for an amount of more than eight digits."""
    digits = format_fen(fen).lstrip("¥").replace(",", "")
    if fen < 0 or sum(c.isdigit() for c in digits) > DIGITS:
        raise PoleError(f"{digits} does not fit the display", code="pole.too_large")
    n = str(int(lamp)).encode("ascii") if ascii_lamps else bytes([int(lamp)])
    return ESC + b"s" + n + ESC + b"QA" + digits.encode("ascii") + CR


class Port(Protocol):
    """What the display needs of a pyserial port."""

    def write(self, data: bytes) -> int | None: ...
    def close(self) -> None: ...


def open_pole(url: str, *, timeout_s: float = 0.5) -> Port:
    """The port at ``serial:///dev/…?baudrate=2400`` or ``tcp://host:port``, initialised
    (``ESC @``). Raises PoleError ``pole.url`` or ``pole.unavailable``."""
    import serial  # pyserial: only a terminal with a pole display loads it

    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    try:
        if parts.scheme == "serial" and parts.path:
            port: Port = serial.Serial(
                parts.path, baudrate=int(query.get("baudrate", "2400")), write_timeout=timeout_s
            )
        elif parts.scheme == "tcp" and parts.hostname and parts.port:
            port = serial.serial_for_url(
                f"socket://{parts.hostname}:{parts.port}", write_timeout=timeout_s
            )
        else:
            raise ValueError("expected serial:///dev/… or tcp://host:port")
        port.write(INIT)
    except ValueError as exc:
        raise PoleError(f"bad pole display URL {url!r}: {exc}", code="pole.url") from exc
    except (OSError, serial.SerialException) as exc:
        raise PoleError(f"pole display {url!r}: {exc}", code="pole.unavailable") from exc
    return port


@dataclass
class PoleFeed:
    """Shows figures on the display from its own thread; :meth:`show` never waits on it."""

    opener: Callable[[], Port]
    ascii_lamps: bool = True
    #: ``ok``, ``idle`` (nothing shown yet) or the code of the last fault.
    status: str = "idle"

    def __post_init__(self) -> None:
        self._port: Port | None = None
        self._latest: bytes | None = None
        self._wake = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="pole-display", daemon=True)
        self._thread.start()

    def show(self, fen: int, lamp: Lamp) -> None:
        """Queue ``fen`` with ``lamp`` lit, replacing a figure not yet shown."""
        try:
            frame = pole_frame(fen, lamp, ascii_lamps=self.ascii_lamps)
        except PoleError as exc:
            self._fault(exc)
            return
        with self._wake:
            self._latest = frame
            self._wake.notify()

    def drain(self, timeout_s: float = 2.0) -> bool:
        """Wait until the queued figure was written or failed (for tests and shutdown)."""
        with self._wake:
            return self._wake.wait_for(lambda: self._latest is None, timeout_s)

    def close(self) -> None:
        with self._wake:
            self._stopped = True
            self._wake.notify_all()
        self._thread.join(timeout=2)
        if self._port is not None:
            self._port.close()

    def _run(self) -> None:
        while True:
            with self._wake:
                self._wake.wait_for(lambda: self._latest is not None or self._stopped)
                if self._stopped:
                    return
                frame = self._latest
            assert frame is not None
            self._write(frame)
            with self._wake:
                if self._latest is frame:
                    self._latest = None
                self._wake.notify_all()

    def _write(self, frame: bytes) -> None:
        try:
            if self._port is None:
                self._port = self.opener()
            # pyserial's write returns once the bytes are with the driver (write_timeout)
            self._port.write(frame)
            self.status = "ok"
        except PoleError as exc:
            self._fault(exc)
        except OSError as exc:  # pyserial's SerialException (and its timeout) are OSErrors
            port, self._port = self._port, None
            if port is not None:
                port.close()
            self._fault(PoleError(f"pole display write failed: {exc}", code="pole.write"))

    def _fault(self, exc: PoleError) -> None:
        if self.status != exc.code:
            log.warning("pole display: %s", exc)
        self.status = exc.code
