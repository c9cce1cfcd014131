"""The endpoint plate-recognition cameras post to: one small HTTP server thread in the
parking terminal's process. The contract is ``docs/parking.md`` "Camera endpoint".

The standard library's ThreadingHTTPServer is enough for a few cameras posting a few
hundred bytes each; uvicorn and FastAPI are the hub's dependencies and would load an event
loop into every parking terminal for one route.

A post is checked completely (secret, size, JSON, fields, plate, confidence) before
``on_event`` is called; anything wrong is a 4xx with a code and a reason, and nothing is
done. ``on_event`` runs on the server's thread: the caller queues it to where it belongs.
"""

from __future__ import annotations

import enum
import hmac
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from kiosk.errors import KioskError

__all__ = [
    "MAX_BODY",
    "PATH",
    "SECRET_HEADER",
    "CameraEndpoint",
    "CameraError",
    "CameraEvent",
    "Direction",
    "parse_event",
]

log = logging.getLogger(__name__)

PATH = "/parking/camera"
SECRET_HEADER = "X-Kiosk-Camera-Secret"  # noqa: S105 - a header name, not a secret
#: A plate event is a few hundred bytes; pictures are not accepted here.
MAX_BODY = 16 * 1024


class Direction(enum.StrEnum):
    ENTRY = "entry"
    EXIT = "exit"


class CameraError(KioskError):
    """A post the endpoint refused; ``status`` is the HTTP status it answers with."""

    code = "camera.bad_request"

    def __init__(self, message: str, *, code: str, status: HTTPStatus) -> None:
        super().__init__(message, code=code)
        self.status = status


@dataclass(frozen=True)
class CameraEvent:
    """A recognised plate at a lane: as if the attendant had typed it."""

    plate: str
    at: datetime
    lane: str
    direction: Direction
    confidence: int


def _bad(message: str, code: str = "camera.bad_field") -> CameraError:
    return CameraError(message, code=code, status=HTTPStatus.BAD_REQUEST)


def _object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _bad(f"not JSON: {exc}", "camera.bad_json") from exc
    if not isinstance(data, dict):
        raise _bad("the body must be a JSON object", "camera.bad_json")
    unknown = sorted(set(data) - {"plate", "time", "lane", "direction", "confidence"})
    if unknown:
        raise _bad(f"unknown field {unknown[0]!r}")
    return data


def _time(when: Any) -> datetime:
    if not isinstance(when, str):
        raise _bad("time: an ISO 8601 string with its UTC offset is required")
    try:
        at = datetime.fromisoformat(when)
    except ValueError as exc:
        raise _bad(f"time: not ISO 8601: {when!r}") from exc
    if at.tzinfo is None:
        raise _bad("time: the UTC offset is missing")
    return at


def parse_event(
    body: bytes, *, check_plate: Callable[[str], str], min_confidence: int
) -> CameraEvent:
    """The event in ``body`` (see docs/parking.md); CameraError otherwise. ``check_plate``
    returns the plate normalised or raises a KioskError in plain words."""
    data = _object(body)
    plate, lane, direction = data.get("plate"), data.get("lane"), data.get("direction")
    confidence = data.get("confidence")
    if not isinstance(plate, str) or not plate:
        raise _bad("plate: a non-empty string is required")
    if not isinstance(lane, str) or not 0 < len(lane) <= 32:
        raise _bad("lane: a string of 1–32 characters is required")
    if direction not in (Direction.ENTRY.value, Direction.EXIT.value):
        raise _bad("direction: 'entry' or 'exit' is required")
    if (
        isinstance(confidence, bool)
        or not isinstance(confidence, int)
        or not 0 <= confidence <= 100
    ):
        raise _bad("confidence: an integer 0–100 is required")
    at = _time(data.get("time"))
    if confidence < min_confidence:
        raise CameraError(
            f"confidence {confidence} below {min_confidence}: the attendant types the plate",
            code="camera.low_confidence",
            status=HTTPStatus.UNPROCESSABLE_ENTITY,
        )
    try:
        normal = check_plate(plate)
    except KioskError as exc:
        raise CameraError(
            f"plate {plate!r}: {exc}", code=exc.code, status=HTTPStatus.UNPROCESSABLE_ENTITY
        ) from exc
    return CameraEvent(normal, at, lane, Direction(direction), confidence)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "kiosk-camera"
    sys_version = ""

    def do_POST(self) -> None:
        try:
            event = self._event()
        except CameraError as exc:
            log.warning("camera post refused from %s: %s", self.client_address[0], exc)
            self._answer(exc.status, {"ok": False, "code": exc.code, "reason": str(exc)})
            return
        self.server.on_event(event)
        self._answer(
            HTTPStatus.ACCEPTED,
            {"ok": True, "plate": event.plate, "lane": event.lane, "direction": event.direction},
        )

    def _event(self) -> CameraEvent:
        if self.path != PATH:
            raise CameraError(
                f"no endpoint {self.path}", code="camera.path", status=HTTPStatus.NOT_FOUND
            )
        given = self.headers.get(SECRET_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, self.server.secret):
            raise CameraError(
                "wrong or missing camera secret",
                code="camera.secret",
                status=HTTPStatus.UNAUTHORIZED,
            )
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError as exc:
            raise CameraError(
                "Content-Length is required",
                code="camera.length",
                status=HTTPStatus.LENGTH_REQUIRED,
            ) from exc
        if not 0 <= length <= MAX_BODY:
            raise CameraError(
                f"body over {MAX_BODY} bytes",
                code="camera.too_large",
                status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            )
        return parse_event(
            self.rfile.read(length),
            check_plate=self.server.check_plate,
            min_confidence=self.server.min_confidence,
        )

    def _answer(self, status: HTTPStatus, body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("camera endpoint: " + format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    secret: bytes
    min_confidence: int
    check_plate: Callable[[str], str]
    on_event: Callable[[CameraEvent], None]


class CameraEndpoint:
    """The server: :meth:`start` binds ``host:port`` (port 0: any) and serves on a thread."""

    def __init__(
        self,
        listen: tuple[str, int],
        *,
        secret: str,
        check_plate: Callable[[str], str],
        on_event: Callable[[CameraEvent], None],
        min_confidence: int = 80,
    ) -> None:
        if len(secret) < 16:
            raise KioskError(
                "the camera secret must have 16 characters or more", code="camera.no_secret"
            )
        self._listen = listen
        self._secret = secret.encode("utf-8")
        self._check_plate, self._on_event = check_plate, on_event
        self._min_confidence = min_confidence
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        """Where it listens (the port chosen when 0 was asked)."""
        assert self._server is not None, "not started"
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        """Bind and serve; OSError (e.g. the port is taken) is a KioskError here."""
        try:
            server = _Server(self._listen, _Handler)
        except OSError as exc:
            raise KioskError(
                f"camera endpoint cannot listen on {self._listen}: {exc}", code="camera.listen"
            ) from exc
        server.secret, server.min_confidence = self._secret, self._min_confidence
        server.check_plate, server.on_event = self._check_plate, self._on_event
        self._server = server
        # A short poll so that stop() returns promptly; a wake-up every 0.1 s costs nothing.
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.1,), name="camera-endpoint", daemon=True
        )
        self._thread.start()
        log.info("camera endpoint on %s:%s%s", *self.address, PATH)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(2)
            self._thread = None
