"""The camera endpoint with a real HTTP client on loopback: a good post reaches the lane
once; a wrong secret, bad JSON, bad fields, a bad plate or low confidence get a 4xx with
a reason and reach nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from kiosk.errors import KioskError
from kiosk.parking.camera import (
    MAX_BODY,
    PATH,
    SECRET_HEADER,
    CameraEndpoint,
    CameraEvent,
    Direction,
)

SECRET = "s3cret-for-the-lane-cameras"
#: The lane's plate rule is the caller's; here a narrow one that normalises and refuses.
_PLATE = re.compile(r"[粤京][A-Z][A-HJ-NP-Z0-9]{5}")


def check_plate(text: str) -> str:
    plate = text.strip().upper()
    if not _PLATE.fullmatch(plate):
        raise KioskError(f"not a plate: {text!r}", code="plate.bad")
    return plate


@pytest.fixture
def endpoint() -> Iterator[tuple[str, list[CameraEvent]]]:
    events: list[CameraEvent] = []
    server = CameraEndpoint(
        ("127.0.0.1", 0), secret=SECRET, check_plate=check_plate, on_event=events.append
    )
    server.start()
    host, port = server.address
    yield f"http://{host}:{port}", events
    server.stop()


def _event(**changes: Any) -> dict[str, Any]:
    body = {
        "plate": "粤b12345",
        "time": "2026-12-05T10:00:00+08:00",
        "lane": "exit-1",
        "direction": "exit",
        "confidence": 93,
    }
    body.update(changes)
    return body


def _post(base: str, body: Any, secret: str | None = SECRET, **kw: Any) -> httpx.Response:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(base + kw.pop("path", PATH), content=content, headers=headers, timeout=5)


def test_a_good_post_reaches_the_lane(endpoint: tuple[str, list[CameraEvent]]) -> None:
    """202, and one event with the plate normalised and the camera's time kept."""
    base, events = endpoint
    answer = _post(base, _event())
    assert answer.status_code == 202
    assert answer.json() == {"ok": True, "plate": "粤B12345", "lane": "exit-1", "direction": "exit"}
    tz = timezone(timedelta(hours=8))
    assert events == [
        CameraEvent("粤B12345", datetime(2026, 12, 5, 10, tzinfo=tz), "exit-1", Direction.EXIT, 93)
    ]


@pytest.mark.parametrize(
    ("body", "secret", "status", "code"),
    [
        (_event(), None, 401, "camera.secret"),
        (_event(), "s3cret-for-the-lane-camerax", 401, "camera.secret"),
        (_event(), "", 401, "camera.secret"),
        (b"{not json", SECRET, 400, "camera.bad_json"),
        (b"\xff\xfe", SECRET, 400, "camera.bad_json"),
        ([1, 2], SECRET, 400, "camera.bad_json"),
        (_event(plate=""), SECRET, 400, "camera.bad_field"),
        (_event(plate=7), SECRET, 400, "camera.bad_field"),
        (_event(direction="up"), SECRET, 400, "camera.bad_field"),
        (_event(lane=""), SECRET, 400, "camera.bad_field"),
        (_event(confidence=101), SECRET, 400, "camera.bad_field"),
        (_event(confidence=True), SECRET, 400, "camera.bad_field"),
        (_event(confidence=-1), SECRET, 400, "camera.bad_field"),
        (_event(time="yesterday"), SECRET, 400, "camera.bad_field"),
        (_event(time="2026-12-05T10:00:00"), SECRET, 400, "camera.bad_field"),
        (_event(speed=40), SECRET, 400, "camera.bad_field"),
        (_event(plate="沪X1234"), SECRET, 422, "plate.bad"),
        (_event(confidence=79), SECRET, 422, "camera.low_confidence"),
    ],
    ids=[
        "no-secret", "wrong-secret", "empty-secret", "bad-json", "not-utf8", "not-object",
        "empty-plate", "plate-number", "direction", "lane", "confidence-101",
        "confidence-bool", "confidence-negative", "time-words", "time-naive",
        "unknown-field", "bad-plate", "low-confidence",
    ],
)  # fmt: skip
def test_refusals_say_why_and_do_nothing(
    endpoint: tuple[str, list[CameraEvent]], body: Any, secret: str | None, status: int, code: str
) -> None:
    """Each refusal has its status, a stable code and a reason; no event is handed on."""
    base, events = endpoint
    answer = _post(base, body, secret)
    assert answer.status_code == status
    assert answer.json()["ok"] is False and answer.json()["code"] == code
    assert answer.json()["reason"]
    assert events == []


def test_wrong_path_and_oversized_body(endpoint: tuple[str, list[CameraEvent]]) -> None:
    """Another path is 404; a body over the limit is 413 before it is read."""
    base, events = endpoint
    assert _post(base, _event(), path="/other").status_code == 404
    big = json.dumps(_event(lane="x" * MAX_BODY)).encode()
    assert _post(base, big).status_code == 413
    assert events == []


def test_a_short_secret_is_refused() -> None:
    """A guessable secret never starts the endpoint."""
    with pytest.raises(KioskError) as caught:
        CameraEndpoint(("127.0.0.1", 0), secret="1234", check_plate=str, on_event=print)
    assert caught.value.code == "camera.no_secret"
