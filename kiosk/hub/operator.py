"""The operator page: server-rendered HTML behind a password, a session cookie and CSRF.

The session is a cookie signed with a key derived from the hub key (Starlette's
``SessionMiddleware``): no session is held in memory, so any hub of the database serves
it. Every form carries the session's CSRF token, compared before anything is done.
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware

from kiosk.hub import bundles, fleet
from kiosk.hub.enrol import issue_code
from kiosk.hub.errors import HubError
from kiosk.hub.keys import HubKey
from kiosk.hub.passwords import authenticate_operator
from kiosk.money import format_fen

PREFIX = "/operator"
SESSION_S = 12 * 3600
_MAX_FORM = 1024 * 1024
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
TEMPLATES.env.filters["fen"] = format_fen


def session_secret(hub_key: HubKey) -> str:
    return (
        HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"kiosk hub: sessions v1")
        .derive(hub_key.private_bytes())
        .hex()
    )


def _csrf(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_hex(16)
        request.session["csrf"] = token
    return token


async def _form(request: Request) -> dict[str, str]:
    """The posted form, after its CSRF token is checked (HubError 403 when wrong)."""
    body = await request.body()
    if len(body) > _MAX_FORM:
        raise HubError("the form is too large", code="request.too_large", status=413)
    fields = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    want = request.session.get("csrf")
    if not isinstance(want, str) or not hmac.compare_digest(want, fields.get("csrf", "")):
        raise HubError("the form's CSRF token is missing or wrong", code="auth.csrf", status=403)
    return fields


def _page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    context.update(csrf=_csrf(request), operator=request.session.get("operator"))
    return TEMPLATES.TemplateResponse(request, name, context, status_code=status)


def _signed_in(handler: Callable[..., Any]) -> Callable[..., Any]:
    async def wrapper(request: Request) -> Response:
        if not request.session.get("operator"):
            return RedirectResponse(f"{PREFIX}/login", status_code=303)
        result: Response = await handler(request)
        return result

    wrapper.__name__ = handler.__name__
    wrapper.__doc__ = handler.__doc__
    return wrapper


def install(
    app: FastAPI, sessions: sessionmaker[Session], hub_key: HubKey, *, https_only: bool
) -> None:
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(hub_key),
        session_cookie="kiosk_hub",
        max_age=SESSION_S,
        same_site="strict",
        https_only=https_only,
    )

    async def in_db(work: Callable[[Session], Any]) -> Any:
        def run() -> Any:
            with sessions() as session:
                return work(session)

        return await run_in_threadpool(run)

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse(PREFIX, status_code=303)

    @app.get(f"{PREFIX}/login", include_in_schema=False)
    async def login_page(request: Request) -> HTMLResponse:
        return _page(request, "login.html")

    @app.post(f"{PREFIX}/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        fields = await _form(request)
        name, password = fields.get("name", ""), fields.get("password", "")
        if not await in_db(lambda s: authenticate_operator(s, name, password)):
            return _page(
                request, "login.html", 401, error="用户名或密码错误 Wrong name or password"
            )
        request.session.clear()
        request.session.update(operator=name, csrf=secrets.token_hex(16))
        return RedirectResponse(PREFIX, status_code=303)

    @app.post(f"{PREFIX}/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        await _form(request)
        request.session.clear()
        return RedirectResponse(f"{PREFIX}/login", status_code=303)

    async def dashboard_page(request: Request, status: int = 200, **notice: Any) -> Response:
        now = time.time()

        def read(session: Session) -> dict[str, Any]:
            return {
                "terminals": fleet.terminals(session, now=now),
                "takings": fleet.takings(session, now=now),
                "alerts": fleet.alerts(session),
            }

        return _page(request, "dashboard.html", status, **await in_db(read), **notice)

    @app.get(PREFIX, include_in_schema=False)
    @_signed_in
    async def dashboard(request: Request) -> Response:
        return await dashboard_page(request)

    @app.post(f"{PREFIX}/enrol", include_in_schema=False)
    @_signed_in
    async def enrol(request: Request) -> Response:
        fields = await _form(request)
        terminal = fields.get("terminal_id", "").strip()
        try:
            code = await in_db(lambda s: issue_code(s, terminal, now=time.time()))
        except HubError as exc:
            return await dashboard_page(request, 400, error=str(exc))
        return await dashboard_page(request, code=code, code_terminal=terminal)

    @app.post(f"{PREFIX}/publish", include_in_schema=False)
    @_signed_in
    async def publish(request: Request) -> Response:
        fields = await _form(request)
        names = [t.strip() for t in fields.get("terminals", "").split(",") if t.strip()]
        try:
            sections = json.loads(fields.get("bundle", ""))
            version = await in_db(
                lambda s: bundles.publish(s, hub_key, sections, terminals=names, now=time.time())
            )
        except (json.JSONDecodeError, RecursionError):
            return await dashboard_page(
                request, 400, error="参数包不是 JSON The bundle is not JSON"
            )
        except HubError as exc:
            return await dashboard_page(request, 400, error=str(exc))
        return await dashboard_page(request, published=version)
