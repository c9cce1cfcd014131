"""One framed exchange over TCP, and every way it can fail mapped to a ``HostError``.

Short connections, one per request, as CUPS POS front ends expect: connect, write the
frame, read one frame back, close. A test proves each failure has its code:

- ``host.unreachable``: nothing listens, no route, connect timed out (nothing was sent);
- ``host.timeout``: sent, but no complete answer within the time allowed;
- ``host.disconnected``: the acquirer closed the connection before a whole answer;
- ``host.malformed``: the answer is not a frame (length, TPDU, header).
"""

from __future__ import annotations

import socket
import struct

from kiosk.payment.errors import HostError
from kiosk.payment.host.cups import Frame, frame, unframe

__all__ = ["exchange", "read_frame"]


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise HostError(
                "the acquirer closed the connection before a whole answer",
                code="host.disconnected",
            )
        data += chunk
    return bytes(data)


def read_frame(sock: socket.socket) -> Frame:
    """Read one length-prefixed frame; the caller's socket timeout bounds it."""
    (length,) = struct.unpack(">H", _read_exactly(sock, 2))
    return unframe(_read_exactly(sock, length))


def exchange(
    address: tuple[str, int], request: Frame, *, timeout_s: float, connect_timeout_s: float = 5.0
) -> Frame:
    """Send ``request`` and return the answer's frame (see the module docstring)."""
    try:
        sock = socket.create_connection(address, timeout=min(connect_timeout_s, timeout_s))
    except OSError as exc:
        raise HostError(
            f"the acquirer at {address[0]}:{address[1]} cannot be reached ({exc.strerror or exc})",
            code="host.unreachable",
        ) from exc
    with sock:
        try:
            sock.settimeout(timeout_s)
            sock.sendall(frame(request))
            return read_frame(sock)
        except TimeoutError as exc:
            raise HostError("the acquirer did not answer in time", code="host.timeout") from exc
        except OSError as exc:
            raise HostError(
                f"the connection to the acquirer failed ({exc.strerror or exc})",
                code="host.disconnected",
            ) from exc
