"""Whatever a client sends, the hub answers 4xx with a reason, never 5xx, and keeps nothing."""

from __future__ import annotations

import gzip
import json

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.hub.app import MAX_BODY, MAX_INFLATED
from kiosk.hub.models import HubEntry
from tests.hub.conftest import LiveHub
from tests.support.hub import Terminal, chain


def _entries_path(terminal: Terminal) -> str:
    return f"/api/v1/terminals/{terminal.id}/entries"


def _refused(answer: httpx.Response, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.json()["error"] == code
    assert answer.json()["reason"]


def _entry(**change: object) -> bytes:
    return json.dumps({"entries": [{**chain("X", 1)[0], **change}]}).encode()


BAD_BODIES = {
    "not JSON": (b"{", 400, "request.json"),
    "empty": (b"", 400, "request.json"),
    "not UTF-8": (b'{"entries": "\xff"}', 400, "request.json"),
    "a list": (b"[]", 422, "request.invalid"),
    "a number as text": (_entry(seq="1"), 422, "request.invalid"),
    "a huge sequence": (_entry(seq=10**30), 422, "request.invalid"),
    "a negative sequence": (_entry(seq=-1), 422, "request.invalid"),
    "a bad hash": (_entry(hash="zz"), 422, "request.invalid"),
    "NUL in the event": (_entry(event="print\u0000queued"), 422, "request.invalid"),
    "an unknown field": (_entry(extra=1), 422, "request.invalid"),
    "an infinite number": (_entry(payload={"x": 1e999}), 422, "request.invalid"),
    "deep nesting": (_entry(payload={"x": "DEEP"}), 422, "request.invalid"),
    "deeper than the parser goes": (_entry(payload={"x": "DEEPER"}), 400, "request.json"),
}


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
def test_a_bad_body_is_refused_with_a_reason(live_hub: LiveHub, case: str):
    terminal = live_hub.terminal()
    body, status, code = BAD_BODIES[case]
    body = body.replace(b'"DEEP"', b"[" * 40 + b"]" * 40)
    body = body.replace(b'"DEEPER"', b"[" * 5000 + b"]" * 5000)
    _refused(terminal.request("POST", _entries_path(terminal), body), status, code)
    assert live_hub.count(HubEntry, terminal_id=terminal.id) == 0


def test_oversized_and_mis_encoded_bodies_are_refused(live_hub: LiveHub, terminal: Terminal):
    path = _entries_path(terminal)
    _refused(terminal.request("POST", path, b" " * (MAX_BODY + 1)), 413, "request.too_large")
    bomb = gzip.compress(b" " * (MAX_INFLATED + 1))
    gz = {"Content-Encoding": "gzip"}
    _refused(terminal.request("POST", path, bomb, headers=gz), 413, "request.too_large")
    _refused(terminal.request("POST", path, b"not gzip", headers=gz), 400, "request.encoding")
    truncated = gzip.compress(b'{"entries": []}')[:-6]
    _refused(terminal.request("POST", path, truncated, headers=gz), 400, "request.encoding")
    br = {"Content-Encoding": "br"}
    _refused(terminal.request("POST", path, b"{}", headers=br), 415, "request.encoding")
    assert live_hub.count(HubEntry, terminal_id=terminal.id) == 0


def test_bad_queries_routes_and_methods_get_json_refusals(live_hub: LiveHub, terminal: Terminal):
    for after in ("-1", "x", str(10**30), "1e3"):
        path = f"/api/v1/terminals/{terminal.id}/bundle?after={after}"
        _refused(terminal.request("GET", path), 422, "request.invalid")
    _refused(httpx.get(f"{live_hub.url}/api/v1/nothing"), 404, "http.404")
    _refused(httpx.get(f"{live_hub.url}/api/v1/enroll"), 405, "http.405")
    _refused(
        httpx.post(f"{live_hub.url}/api/v1/enroll", json={"terminal_id": "a b", "code": "x"}),
        422,
        "request.invalid",
    )


def test_the_openapi_document_describes_every_endpoint(live_hub: LiveHub):
    document = httpx.get(f"{live_hub.url}/openapi.json").json()
    paths = document["paths"]
    assert set(paths) >= {
        "/healthz",
        "/api/v1/enroll",
        "/api/v1/terminals/{terminal}/entries",
        "/api/v1/terminals/{terminal}/heartbeat",
        "/api/v1/terminals/{terminal}/bundle",
    }
    body = paths["/api/v1/terminals/{terminal}/entries"]["post"]["requestBody"]
    schema_ref = body["content"]["application/json"]["schema"]
    assert "entries" in schema_ref["properties"]
    assert "EntryIn" in document["components"]["schemas"]


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
ENTRY = st.fixed_dictionaries(
    {},
    optional={
        "seq": st.integers(min_value=-5, max_value=2**64) | JSON,
        "ts": st.text(max_size=50) | JSON,
        "event": st.text(max_size=70) | JSON,
        "actor": st.text(max_size=70) | JSON,
        "payload": JSON,
        "prev_hash": st.sampled_from(["", "0" * 64]) | JSON,
        "hash": st.sampled_from(["1" * 64]) | st.text(max_size=70),
    },
)
BODIES = (
    st.builds(lambda entries: {"entries": entries}, st.lists(ENTRY, max_size=3))
    | st.dictionaries(
        st.sampled_from(["version", "mode", "backlog", "printer", "clock", "x"]), JSON
    )
    | st.fixed_dictionaries({"terminal_id": JSON, "code": JSON})
    | JSON
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    endpoint=st.sampled_from(["entries", "heartbeat", "bundle", "enroll"]),
    body=BODIES | st.binary(max_size=200),
)
def test_generated_bodies_never_get_a_5xx(live_hub: LiveHub, endpoint: str, body: object):
    terminal = _fuzzed(live_hub)
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    if endpoint == "enroll":
        answer = httpx.post(f"{live_hub.url}/api/v1/enroll", content=data, timeout=30)
    elif endpoint == "bundle":
        path = f"/api/v1/terminals/{terminal.id}/bundle?after={len(data)}"
        answer = terminal.request("GET", path, data)
    else:
        answer = terminal.request("POST", f"/api/v1/terminals/{terminal.id}/{endpoint}", data)
    assert answer.status_code < 500, answer.text
    if answer.status_code >= 400:
        assert set(answer.json()) >= {"error", "reason"}


_FUZZED: dict[str, Terminal] = {}


def _fuzzed(live_hub: LiveHub) -> Terminal:
    """One terminal per hub for the generated requests (enrolling each time is slow)."""
    if live_hub.url not in _FUZZED:
        _FUZZED[live_hub.url] = live_hub.terminal()
    return _FUZZED[live_hub.url]
