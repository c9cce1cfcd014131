"""The baseline of ``bench/hub_ingest.py`` and ``bench/sync.py``: an ASGI endpoint that
reads a body and answers a fixed JSON, under the same uvicorn (not a benchmark itself:
``./dev bench`` skips ``_*.py``)."""

from __future__ import annotations

from typing import Any

ANSWER = b'{"acked_seq":0,"alerts":[]}'


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": ANSWER})
