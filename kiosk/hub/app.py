"""The hub's ASGI application (FastAPI): the endpoints of ``docs/sync.md``.

Signed endpoints read the raw body themselves: the signature covers the bytes as sent
(gzip-compressed or not), so FastAPI's own body parsing cannot be used for them; the
bodies are validated with the pydantic models of :mod:`kiosk.hub.schemas`, which the
OpenAPI document also describes. Every refusal is ``{"error", "reason"}`` with a 4xx.
"""

from __future__ import annotations

import logging
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from fastapi import FastAPI, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from kiosk import __version__
from kiosk.hub import bundles, operator
from kiosk.hub.auth import authenticate
from kiosk.hub.enrol import redeem_code
from kiosk.hub.errors import HubError
from kiosk.hub.ingest import ingest
from kiosk.hub.keys import HubKey
from kiosk.hub.models import HubTerminal
from kiosk.hub.schemas import (
    MAX_INT,
    BundleOut,
    EnrolIn,
    EnrolOut,
    EntriesIn,
    EntriesOut,
    ErrorOut,
    HeartbeatIn,
    HeartbeatOut,
)
from kiosk.sync.protocol import API, b64

log = logging.getLogger(__name__)

#: Largest body accepted on the wire, and once inflated (a gzip bomb stops there).
MAX_BODY = 4 * 1024 * 1024
MAX_INFLATED = 32 * 1024 * 1024
Model = TypeVar("Model", bound=BaseModel)
_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut} for status in (400, 401, 403, 409, 413, 415, 422)
}


@dataclass(frozen=True)
class Hub:
    """What every request needs: the database and the hub key (configuration, no state)."""

    sessions: sessionmaker[Session]
    key: HubKey
    #: Served over TLS: the operator's session cookie is then sent over HTTPS only.
    tls: bool = False


async def _body(request: Request) -> bytes:
    """The body as sent, at most :data:`MAX_BODY` bytes (413 beyond)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY:
        raise HubError(f"bodies are at most {MAX_BODY} bytes", code="request.too_large", status=413)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise HubError(
                f"bodies are at most {MAX_BODY} bytes", code="request.too_large", status=413
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _inflate(request: Request, body: bytes) -> bytes:
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding == "identity":
        return body
    if encoding != "gzip":
        raise HubError(
            f"content encoding {encoding[:20]!r} is not accepted (gzip is)",
            code="request.encoding",
            status=415,
        )
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, MAX_INFLATED)
    except zlib.error:
        raise HubError("the body is not valid gzip", code="request.encoding", status=400) from None
    if inflater.unconsumed_tail:
        raise HubError(
            f"bodies inflate to at most {MAX_INFLATED} bytes", code="request.too_large", status=413
        )
    if not inflater.eof:
        raise HubError("the gzip body is truncated", code="request.encoding", status=400)
    return data


def _parse(model: type[Model], data: bytes) -> Model:
    try:
        return model.model_validate_json(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        if first.get("type") == "json_invalid":
            raise HubError("the body is not JSON", code="request.json", status=400) from None
        reason = f"{where}: {first.get('msg', 'invalid')}" if where else first.get("msg", "")
        raise HubError(reason[:200], code="request.invalid", status=422) from None


def _target(request: Request) -> str:
    """The request target as sent: what the signature covers."""
    raw = request.scope.get("raw_path") or request.url.path.encode()
    query = request.scope.get("query_string", b"")
    return (raw + (b"?" + query if query else b"")).decode("latin-1")


def _iso_ms(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def create_app(hub: Hub) -> FastAPI:
    app = FastAPI(
        title="kiosk hub",
        version=__version__,
        description="The back-office hub of kiosk terminals (docs/sync.md is the contract).",
    )
    _install_error_handlers(app)
    operator.install(app, hub.sessions, hub.key, https_only=hub.tls)

    async def signed(request: Request, terminal: str, work: Callable[[Session, float], Any]) -> Any:
        """Check the request's signature, then run ``work`` in one session."""
        body = await _body(request)
        method, target, headers = request.method, _target(request), dict(request.headers)

        def run() -> Any:
            now = time.time()
            with hub.sessions() as session:
                authenticate(
                    session,
                    hub.key,
                    method=method,
                    target=target,
                    headers=headers,
                    body=body,
                    path_terminal=terminal,
                    now=now,
                )
                return work(session, now)

        request.state.body = body
        return await run_in_threadpool(run)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """Unauthenticated: the hub is up and reaches its database."""
        with hub.sessions() as session:
            session.execute(text("SELECT 1"))
        return {"status": "ok"}

    @app.post(
        f"{API}/enroll",
        response_model=EnrolOut,
        responses=_ERRORS,
        openapi_extra=_request_body(EnrolIn),
        tags=["terminal"],
    )
    async def enroll(request: Request) -> EnrolOut:
        """Exchange a one-time code for the terminal's key (not signed: the code is the proof)."""
        form = _parse(EnrolIn, _inflate(request, await _body(request)))

        def run() -> bytes:
            with hub.sessions() as session:
                return redeem_code(session, hub.key, form.terminal_id, form.code, now=time.time())

        key = await run_in_threadpool(run)
        return EnrolOut(
            terminal_id=form.terminal_id,
            terminal_key=b64(key),
            hub_key=b64(hub.key.public_raw()),
            hub_url=str(request.base_url).rstrip("/"),
        )

    @app.post(
        f"{API}/terminals/{{terminal}}/entries",
        response_model=EntriesOut,
        responses=_ERRORS,
        openapi_extra=_request_body(EntriesIn),
        tags=["terminal"],
    )
    async def entries(terminal: str, request: Request) -> EntriesOut:
        """Journal entries in sequence order; answers the highest contiguous sequence held."""

        def work(session: Session, now: float) -> int:
            batch = _parse(EntriesIn, _inflate(request, request.state.body))
            return ingest(session, terminal, batch.entries, now=now)

        return EntriesOut(acked_seq=await signed(request, terminal, work), alerts=[])

    @app.post(
        f"{API}/terminals/{{terminal}}/heartbeat",
        response_model=HeartbeatOut,
        responses=_ERRORS,
        openapi_extra=_request_body(HeartbeatIn),
        tags=["terminal"],
    )
    async def heartbeat(terminal: str, request: Request) -> HeartbeatOut:
        """The terminal's state, for the operator; answers the hub's time and newest bundle."""

        def work(session: Session, now: float) -> HeartbeatOut:
            beat = _parse(HeartbeatIn, _inflate(request, request.state.body))
            row = session.execute(
                select(HubTerminal).where(HubTerminal.id == terminal).with_for_update()
            ).scalar_one()
            row.heartbeat, row.last_seen_at = beat.model_dump(mode="json"), now
            newest = bundles.newest_for(session, terminal)
            session.commit()
            return HeartbeatOut(
                server_time=_iso_ms(now), bundle_version=newest.version if newest else 0
            )

        result: HeartbeatOut = await signed(request, terminal, work)
        return result

    @app.get(
        f"{API}/terminals/{{terminal}}/bundle",
        response_model=BundleOut,
        responses={**_ERRORS, 204: {"description": "nothing newer than `after`"}},
        tags=["terminal"],
    )
    async def bundle(
        terminal: str, request: Request, after: int = Query(0, ge=0, le=MAX_INT)
    ) -> Any:
        """The newest parameter bundle for this terminal, if newer than version ``after``."""

        def work(session: Session, _now: float) -> Any:
            newest = bundles.newest_for(session, terminal)
            if newest is None or newest.version <= after:
                return Response(status_code=204)
            return bundles.answer(newest)

        return await signed(request, terminal, work)

    _with_body_schemas(app)
    return app


def _with_body_schemas(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            for model in _BODIES:
                schemas.update(model.model_json_schema(ref_template=_REF).get("$defs", {}))
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


_REF = "#/components/schemas/{model}"
#: The bodies signed endpoints read themselves (see :func:`_request_body`).
_BODIES = (EnrolIn, EntriesIn, HeartbeatIn)


def _request_body(model: type[BaseModel]) -> dict[str, Any]:
    """An OpenAPI request body for an endpoint that reads its body itself; the models it
    refers to are added to the document's components by :func:`_with_body_schemas`."""
    schema = model.model_json_schema(ref_template=_REF)
    schema.pop("$defs", None)
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
    }


def _refusal(status: int, code: str, reason: str, **extra: Any) -> JSONResponse:
    headers = {"Retry-After": "5"} if status in (429, 503) else None
    return JSONResponse({"error": code, "reason": reason, **extra}, status, headers=headers)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(HubError)
    async def hub_error(_request: Request, exc: HubError) -> JSONResponse:
        return _refusal(exc.status, exc.code, str(exc), **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return _refusal(422, "request.invalid", f"{where}: {first.get('msg', 'invalid')}"[:200])

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _refusal(exc.status_code, f"http.{exc.status_code}", str(exc.detail))

    @app.exception_handler(OperationalError)
    async def database_down(_request: Request, exc: OperationalError) -> JSONResponse:
        log.error("database unavailable: %s", getattr(exc, "orig", exc))
        return _refusal(503, "hub.database", "the hub's database is unavailable; retry later")
