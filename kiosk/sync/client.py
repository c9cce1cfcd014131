"""The terminal's HTTP client for the hub: every request signed, every failure one SyncError.

The one thin wrapper around httpx (``docs/sync.md``): an explicit timeout on every call,
the body signed as sent (gzip included), and httpx's exceptions and the hub's error answers
mapped here, once, to :class:`SyncError` with a stable code, the HTTP status and the
``Retry-After`` the hub asked for. Retrying is the caller's (:mod:`kiosk.sync.uploader`).
"""

from __future__ import annotations

import gzip as gzip_codec
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from kiosk.errors import KioskError
from kiosk.sync.protocol import API, sign_request


class SyncError(KioskError):
    """The hub could not be reached or refused a request.

    ``code``: ``sync.timeout``, ``sync.network``, ``sync.server`` (5xx), ``sync.refused``
    (another 4xx) or the hub's own error code (``ingest.gap``, ``auth.signature`` …).
    ``status``: the HTTP status (0 without an answer); ``retry_after``: seconds the hub
    asked to wait, or None; ``body``: the hub's JSON answer, when it sent one.
    """

    code = "sync.network"

    def __init__(
        self,
        message: str,
        *,
        code: str,
        status: int = 0,
        retry_after: float | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, code=code)
        self.status, self.retry_after, self.body = status, retry_after, dict(body or {})


#: Answers longer than this are not a hub's (a misconfigured URL pointing at a web site).
MAX_ANSWER_BYTES = 1 << 20


@dataclass(frozen=True)
class Credentials:
    """Who signs: the terminal id and its key (from enrolment)."""

    terminal_id: str
    key: bytes


def _retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds (the HTTP-date form is not used by the hub: ignored)."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return min(max(seconds, 0.0), 3600.0)


def _answer_json(response: httpx.Response) -> dict[str, Any]:
    if len(response.content) > MAX_ANSWER_BYTES:
        return {}
    try:
        body = json.loads(response.content or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


class HubClient:
    """Signed requests to one hub. ``transport`` replaces the network (unit tests)."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        *,
        timeout_s: float = 10.0,
        gzip: bool = True,
        ca_bundle: str = "",
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials, self.gzip, self._clock = credentials, gzip, clock
        self._http = _http_client(base_url, timeout_s, ca_bundle, transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> HubClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def _terminal_path(self) -> str:
        return f"{API}/terminals/{self.credentials.terminal_id}"

    def request(
        self, method: str, target: str, payload: Any = None, *, compress: bool = False
    ) -> httpx.Response:
        """Send one signed request; a 2xx answer, or SyncError."""
        body = b"" if payload is None else json.dumps(payload, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json"} if payload is not None else {}
        if compress and body:
            body = gzip_codec.compress(body, compresslevel=1)
            headers["Content-Encoding"] = "gzip"
        headers |= sign_request(
            self.credentials.key,
            self.credentials.terminal_id,
            method,
            target,
            body,
            now=self._clock(),
        )
        return _send(self._http, method, target, content=body, headers=headers)

    def post_entries(self, entries: Sequence[Mapping[str, Any]]) -> int:
        """Upload a batch; the hub's ``acked_seq``."""
        response = self.request(
            "POST", f"{self._terminal_path}/entries", {"entries": list(entries)}, compress=self.gzip
        )
        return _int_field(_answer_json(response), "acked_seq")

    def heartbeat(self, beat: Mapping[str, Any]) -> dict[str, Any]:
        """Send a heartbeat; the hub's answer (``server_time``, ``bundle_version``)."""
        return _answer_json(self.request("POST", f"{self._terminal_path}/heartbeat", dict(beat)))

    def bundle_after(self, version: int) -> dict[str, Any] | None:
        """The newest bundle for this terminal if newer than ``version``, else None."""
        response = self.request("GET", f"{self._terminal_path}/bundle?after={version}")
        if response.status_code == 204:
            return None
        return _answer_json(response)


def _int_field(answer: Mapping[str, Any], name: str) -> int:
    value = answer.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise SyncError(f"the hub's answer has no valid {name}", code="sync.bad_answer")
    return value


def enroll(
    hub_url: str,
    terminal_id: str,
    code: str,
    *,
    timeout_s: float = 10.0,
    ca_bundle: str = "",
    transport: httpx.BaseTransport | None = None,
) -> dict[str, Any]:
    """Exchange a one-time code for the terminal's key (the one unsigned request)."""
    with _http_client(hub_url, timeout_s, ca_bundle, transport) as http:
        response = _send(
            http, "POST", f"{API}/enroll", json={"terminal_id": terminal_id, "code": code}
        )
    return _answer_json(response)


def _http_client(
    base_url: str, timeout_s: float, ca_bundle: str, transport: httpx.BaseTransport | None
) -> httpx.Client:
    return httpx.Client(
        base_url=base_url.rstrip("/"),
        timeout=httpx.Timeout(timeout_s),
        verify=ca_bundle or True,
        transport=transport,
    )


def _send(http: httpx.Client, method: str, target: str, **kwargs: Any) -> httpx.Response:
    """One request; a 2xx answer, or SyncError (every httpx exception mapped here)."""
    try:
        response = http.request(method, target, **kwargs)
    except httpx.TimeoutException as exc:
        raise SyncError(f"the hub did not answer in time: {exc}", code="sync.timeout") from exc
    except httpx.HTTPError as exc:
        raise SyncError(f"cannot reach the hub: {exc}", code="sync.network") from exc
    if response.is_success:
        return response
    answer = _answer_json(response)
    status = response.status_code
    code = str(answer.get("error") or ("sync.server" if status >= 500 else "sync.refused"))
    raise SyncError(
        f"the hub answered {status}: {answer.get('reason') or response.reason_phrase}",
        code=code,
        status=status,
        retry_after=_retry_after(response.headers.get("Retry-After")),
        body=answer,
    )
