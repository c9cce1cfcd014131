"""A faithful HTTP relay between the terminal and the real hub that injects faults on cue.

The hub on loopback cannot be made to answer 500 or 503, drop a connection or answer late
on demand; this relay can, one request at a time. Every request it lets through is
forwarded byte for byte (method, target, headers, body) to the real hub and the hub's
answer is returned as it came. Faults (:class:`Fault`), queued in :attr:`FaultProxy.faults`,
apply to the next requests in order:

- ``SERVER_ERROR`` / ``UNAVAILABLE``: answered by the relay (500; 503 with ``Retry-After``),
  the hub never sees the request;
- ``DROP_BEFORE``: the connection is closed without forwarding;
- ``DROP_AFTER``: forwarded (the hub stores the batch), then the connection is closed
  without an answer: the terminal must not lose or duplicate anything for it;
- ``SLOW``: forwarded, then answered only after ``slow_s`` (longer than the terminal's
  timeout): the hub stored it, the terminal gave up waiting.
"""

from __future__ import annotations

import contextlib
import enum
import socket
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

#: Hop-by-hop headers a relay does not forward (RFC 9110 §7.6.1).
_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host"}


class Fault(enum.Enum):
    SERVER_ERROR = "500"
    UNAVAILABLE = "503"
    DROP_BEFORE = "drop-before"
    DROP_AFTER = "drop-after"
    SLOW = "slow"


class FaultProxy:
    """Listens on a free loopback port and relays to ``upstream`` (``http://host:port``)."""

    def __init__(self, upstream: str, *, slow_s: float = 2.0, retry_after: int = 1) -> None:
        self.upstream, self.slow_s, self.retry_after = upstream.rstrip("/"), slow_s, retry_after
        self.faults: deque[Fault] = deque()
        self.injected: list[Fault] = []
        self.forwarded = 0
        self._lock = threading.Lock()
        self._http = httpx.Client(timeout=30.0)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: object) -> None:
                pass

            def _relay(self) -> None:
                proxy.handle(self)

            do_GET = do_POST = do_PUT = do_DELETE = _relay  # noqa: N815 - http.server's names

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def _next_fault(self) -> Fault | None:
        with self._lock:
            fault = self.faults.popleft() if self.faults else None
            if fault is not None:
                self.injected.append(fault)
            return fault

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        fault = self._next_fault()
        if fault is Fault.SERVER_ERROR:
            return _answer(request, 500, {}, b'{"error":"internal","reason":"injected"}')
        if fault is Fault.UNAVAILABLE:
            retry = {"Retry-After": str(self.retry_after)}
            return _answer(request, 503, retry, b'{"error":"busy","reason":"injected"}')
        if fault is Fault.DROP_BEFORE:
            return _drop(request)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
        upstream = self._http.request(
            request.command, self.upstream + request.path, headers=headers, content=body
        )
        with self._lock:
            self.forwarded += 1
        if fault is Fault.DROP_AFTER:
            return _drop(request)
        if fault is Fault.SLOW:
            time.sleep(self.slow_s)
        answer_headers = {
            k: v
            for k, v in upstream.headers.items()
            if k.lower() not in _HOP | {"content-length", "content-encoding"}
        }
        return _answer(request, upstream.status_code, answer_headers, upstream.content)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._http.close()


def _answer(
    request: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes
) -> None:
    try:
        request.send_response(status)
        for name, value in headers.items():
            request.send_header(name, value)
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)
    except OSError:
        request.close_connection = True  # the terminal gave up waiting (SLOW)


def _drop(request: BaseHTTPRequestHandler) -> None:
    request.close_connection = True
    with contextlib.suppress(OSError):
        request.connection.shutdown(socket.SHUT_RDWR)
