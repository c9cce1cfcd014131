"""A pyserial port from a device URL, shared by the devices on a serial line or a serial
server (the scale, the barrier's relay). pyserial is imported only when a port opens.

``serial:///dev/ttyUSB0?baudrate=9600`` (also ``bytesize``, ``parity`` N/E/O, ``stopbits``)
or ``tcp://host:port`` (pyserial's ``socket://``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import SplitResult

__all__ = ["open_port"]


def open_port(parts: SplitResult, query: Mapping[str, str], *, timeout_s: float) -> Any:
    """The open port. ValueError for a URL it cannot use; OSError (pyserial's
    SerialException is one) when the port will not open."""
    import serial

    if parts.scheme == "serial" and parts.path:
        return serial.Serial(
            parts.path,
            baudrate=int(query.get("baudrate", "9600")),
            bytesize=int(query.get("bytesize", "8")),
            parity=query.get("parity", "N").upper(),
            stopbits=float(query.get("stopbits", "1")),
            timeout=timeout_s,
        )
    if parts.scheme == "tcp" and parts.hostname and parts.port:
        return serial.serial_for_url(f"socket://{parts.hostname}:{parts.port}", timeout=timeout_s)
    raise ValueError("expected serial:///dev/… or tcp://host:port")
