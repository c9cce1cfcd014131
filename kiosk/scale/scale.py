"""A scale on a serial port or TCP, read through pyserial, giving whole grams or a plain
:class:`~kiosk.scale.frames.ScaleError` — never a weight that is not steady and sure.

URLs: ``serial:///dev/ttyUSB0?baudrate=9600&protocol=sics`` (also ``bytesize``,
``parity`` N/E/O, ``stopbits``), ``tcp://host:port?protocol=xk3190`` (pyserial's
``socket://``), ``sim://`` (the demo's simulated scale). ``protocol`` is ``sics`` (the
default: MT-SICS ``SI``, or ``S`` with ``command=S``) or ``xk3190`` (the Yaohua continuous
frame; steady when ``FRAMES_STEADY`` frames in a row agree).
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

from kiosk.scale.frames import (
    ETX,
    FRAME_LEN,
    STX,
    Reading,
    ScaleError,
    ScaleState,
    parse_sics,
    parse_yaohua,
)
from kiosk.serial_ports import open_port

__all__ = [
    "FRAMES_STEADY",
    "Link",
    "Scale",
    "ScaleProtocol",
    "SimScale",
    "open_scale",
    "read_weight",
]

FRAMES_STEADY = 3


class ScaleProtocol(enum.StrEnum):
    SICS = "sics"
    XK3190 = "xk3190"


class Link(Protocol):
    """What the scale needs of a pyserial port (``serial.Serial`` and ``socket://``)."""

    timeout: float | None

    def write(self, data: bytes) -> int | None: ...
    def read(self, size: int = 1) -> bytes: ...
    def read_until(self, expected: bytes = b"\n", size: int | None = None) -> bytes: ...
    def reset_input_buffer(self) -> None: ...
    def close(self) -> None: ...


def _checked(grams: int, state: ScaleState) -> int:
    """Only a steady weight above zero goes into a line."""
    if state is ScaleState.DYNAMIC:
        raise ScaleError("the weight is not steady yet", code="scale.dynamic", grams=grams)
    if grams < 0:
        raise ScaleError("the scale shows a negative weight", code="scale.negative")
    if grams == 0:
        raise ScaleError("nothing on the scale", code="scale.empty")
    return grams


@dataclass
class Scale:
    """One scale on an open link; :meth:`read` answers within about ``timeout_s``."""

    link: Link
    protocol: ScaleProtocol = ScaleProtocol.SICS
    timeout_s: float = 1.0
    command: bytes = b"SI"
    clock: Callable[[], float] = time.monotonic

    def read(self) -> int:
        """A steady weight in grams. Raises ScaleError: ``scale.silent`` (no answer),
        ``scale.dynamic``, ``scale.busy``, ``scale.overload``, ``scale.underload``,
        ``scale.garbage``, ``scale.empty``, ``scale.negative``, ``scale.unavailable``."""
        try:
            self.link.reset_input_buffer()
            if self.protocol is ScaleProtocol.SICS:
                return self._read_sics()
            return self._read_frames()
        except OSError as exc:  # pyserial's SerialException is an OSError (the port went away)
            raise ScaleError(f"the scale link failed: {exc}", code="scale.unavailable") from exc

    def _read_sics(self) -> int:
        self.link.timeout = self.timeout_s
        self.link.write(self.command + b"\r\n")
        line = self.link.read_until(b"\n", 256)
        if not line.endswith(b"\n"):
            code = "scale.garbage" if line.strip() else "scale.silent"
            raise ScaleError(
                "the scale does not answer"
                if code == "scale.silent"
                else "the scale's answer was cut off",
                code=code,
            )
        reading: Reading = parse_sics(line)
        return _checked(reading.grams, reading.state)

    def _read_frames(self) -> int:
        """Frames until FRAMES_STEADY agree; garbage between frames is skipped (a frame
        may start mid-stream), but only garbage until the deadline is ``scale.garbage``."""
        deadline = self.clock() + self.timeout_s
        self.link.timeout = 0.05
        buffer, seen, run, last = b"", False, 0, None
        while self.clock() < deadline:
            chunk = self.link.read(64)
            seen = seen or bool(chunk)
            buffer += chunk
            while True:
                start = buffer.find(bytes([STX]))
                if start < 0:
                    buffer = b""
                    break
                frame = buffer[start : start + FRAME_LEN]
                if len(frame) < FRAME_LEN:
                    buffer = buffer[start:]
                    break
                if frame[-1] != ETX:
                    buffer = buffer[start + 1 :]
                    continue
                buffer = buffer[start + FRAME_LEN :]
                try:
                    grams = parse_yaohua(frame)
                except ScaleError as exc:
                    if exc.code == "scale.negative":
                        raise
                    continue
                run = run + 1 if grams == last else 1
                last = grams
                if run >= FRAMES_STEADY:
                    return _checked(grams, ScaleState.STABLE)
        if last is not None:
            raise ScaleError("the weight is not steady yet", code="scale.dynamic", grams=last)
        if seen:
            raise ScaleError("the scale sends something unreadable", code="scale.garbage")
        raise ScaleError("the scale does not answer", code="scale.silent")

    def close(self) -> None:
        self.link.close()


@dataclass
class SimScale:
    """The demo's scale: the weight set on the demo panel, or an error code it shows."""

    grams: int = 0
    steady: bool = True

    def read(self) -> int:
        return _checked(self.grams, ScaleState.STABLE if self.steady else ScaleState.DYNAMIC)

    def close(self) -> None:
        """Nothing to close."""


def open_scale(url: str, *, timeout_s: float = 1.0) -> Scale | SimScale:
    """The scale at ``url`` (see the module docstring). Raises ScaleError
    ``scale.url`` for a URL it cannot use, ``scale.unavailable`` when the port will not open."""
    parts = urlsplit(url)
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    if parts.scheme == "sim":
        return SimScale(int(query.get("grams", "0")))
    try:
        protocol = ScaleProtocol(query.get("protocol", "sics"))
        command = query.get("command", "SI").upper().encode("ascii")
        if command not in (b"S", b"SI"):
            raise ValueError("command must be S or SI")
        link = open_port(parts, query, timeout_s=timeout_s)
    except ValueError as exc:
        raise ScaleError(f"bad scale URL {url!r}: {exc}", code="scale.url") from exc
    except OSError as exc:  # pyserial's SerialException is an OSError
        raise ScaleError(f"cannot open the scale {url!r}: {exc}", code="scale.unavailable") from exc
    return Scale(link, protocol, timeout_s, command)


def read_weight(url: str, *, timeout_s: float = 2.0) -> int:
    """One steady weight in grams from the scale at ``url``, the port closed again: what an
    installer's test does. Raises ScaleError with the reason."""
    scale = open_scale(url, timeout_s=timeout_s)
    try:
        return scale.read()
    finally:
        scale.close()
