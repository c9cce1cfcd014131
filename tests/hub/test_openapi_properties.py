"""Property tests from the hub's own OpenAPI document (schemathesis): whatever is generated
for any endpoint, sent unsigned and signed by an enrolled terminal, the hub never answers 5xx.

``KIOSK_OPENAPI_EXAMPLES`` sets the examples per endpoint (default 80: about 20 s here)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings

from tests.support.hub import HubProcess, Terminal, enrol, running_hub

schemathesis = pytest.importorskip("schemathesis")
NotSet = pytest.importorskip("schemathesis.core").NotSet

EXAMPLES = int(os.environ.get("KIOSK_OPENAPI_EXAMPLES", "80"))


@pytest.fixture(scope="module")
def hub_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[HubProcess, Terminal]]:
    """A hub on SQLite and one terminal enrolled on it."""
    data_dir: Path = tmp_path_factory.mktemp("hub")
    db = f"sqlite:///{data_dir / 'hub.db'}"
    with running_hub(data_dir, db) as process:
        yield process, enrol(data_dir, db, process.url, "PROP1")


def _target(path: str, path_parameters: dict[str, object], query: object) -> str:
    for name, value in path_parameters.items():
        path = path.replace(f"{{{name}}}", quote(str(value), safe=""))
    if isinstance(query, dict) and query:
        path += "?" + urlencode(query, doseq=True)
    return path


def test_no_input_gets_a_5xx(hub_api: tuple[HubProcess, Terminal]) -> None:
    """Every endpoint's generated requests, unsigned and then signed as the enrolled
    terminal (its id in the path, so that the body reaches the endpoint), are answered
    below 500. (schemathesis' own pytest plugin does not run on this pytest; its strategies
    are driven by hypothesis directly.)"""
    process, terminal = hub_api
    schema = schemathesis.openapi.from_url(f"{process.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 4
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case: Any) -> None:
            _send_both_ways(process, terminal, case)

        check()


def _send_both_ways(process: HubProcess, terminal: Terminal, case: Any) -> None:
    body = b"" if isinstance(case.body, NotSet) or case.body is None else case.body
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    params = dict(case.path_parameters or {})
    method = case.method.upper()
    target = _target(case.path, params, case.query)
    unsigned = httpx.request(
        method,
        process.url + target,
        content=raw or None,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert unsigned.status_code < 500, (method, target, raw[:200], unsigned.text[:300])
    if "terminal_id" in params:
        params["terminal_id"] = terminal.id
    target = _target(case.path, params, case.query)
    signed = terminal.request(method, target, raw)
    assert signed.status_code < 500, (method, target, raw[:200], signed.text[:300])
