"""Journal upload to the hub over loopback: entries per second beside a raw HTTP baseline.

A terminal journal with a backlog of ``--entries`` (100,000) is uploaded by the terminal's
own uploader (``kiosk.sync``: read, sign, gzip, post, move the mark) to the real hub
(``kiosk hub`` on SQLite, then on PostgreSQL when the server binaries are installed). In
the same run, the very request bodies the uploader sent (rebuilt the same way) are posted
with a bare httpx client to a bare ASGI endpoint on uvicorn that only reads them: the most
the transport allows on this machine. Prints both rates and the ratio (goals: the backlog
caught up in under 30 s, ratio >= 0.5).

    python bench/sync.py [--entries 100000] [--batch 1000] [--no-postgres]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.config import load_settings
from kiosk.journal.store import JournalStore
from kiosk.sync.enrolment import enroll
from kiosk.sync.service import open_sync
from kiosk.sync.uploader import read_batch
from tests.support import postgres
from tests.support.hub import free_port
from tests.sync.hub_process import HubProcess

REPO = Path(__file__).resolve().parents[1]
TID = "BENCH001"


async def bare_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The baseline endpoint: read the whole body, answer a small JSON object."""
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
    await send({"type": "http.response.body", "body": b'{"acked_seq":0,"alerts":[]}'})


@contextlib.contextmanager
def bare_server() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--app-dir",
            str(REPO / "bench"),
            "sync:bare_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            with contextlib.suppress(httpx.HTTPError):
                httpx.post(url, content=b"", timeout=1)
                break
            time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def journal(folder: Path, entries: int) -> tuple[Any, JournalStore]:
    settings = load_settings(environ={"KIOSK_DATA_DIR": str(folder), "KIOSK_TERMINAL__ID": TID})
    store = JournalStore(settings.journal_url, TID, key_dir=folder)
    for start in range(0, entries, 10_000):
        with store.transaction() as tx:
            for i in range(start, min(entries, start + 10_000)):
                tx.append("sale.bench", {"i": i, "amount_fen": 350, "sku": "VEG"}, actor="bench")
    return settings, store


def upload(settings: Any, store: JournalStore, hub: HubProcess, batch: int) -> float:
    """Seconds for the terminal's uploader to bring the hub's mark to the journal's end."""
    settings = load_settings(
        environ={
            "KIOSK_DATA_DIR": str(settings.data_dir),
            "KIOSK_TERMINAL__ID": TID,
            "KIOSK_SYNC__BATCH_SIZE": str(batch),
        }
    )
    enroll(settings, hub.url, hub.enroll_code(TID))
    service = open_sync(settings, store)
    service.state.acknowledged(0, hub_url=hub.url)  # a fresh hub: from the start
    start = time.perf_counter()
    result = service.push()
    elapsed = time.perf_counter() - start
    service.close()
    assert result.backlog == 0, result
    return elapsed


def raw_bodies(store: JournalStore, batch: int) -> list[bytes]:
    """The request bodies the uploader sends, made the same way (JSON, gzip level 1)."""
    bodies, after = [], 0
    while rows := read_batch(store, after, batch):
        text = json.dumps({"entries": rows}, separators=(",", ":")).encode()
        bodies.append(gzip.compress(text, compresslevel=1))
        after = rows[-1]["seq"]
    return bodies


def raw_post(url: str, bodies: list[bytes]) -> float:
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    with httpx.Client(timeout=30) as client:
        start = time.perf_counter()
        for body in bodies:
            client.post(url + "/api/v1/terminals/X/entries", content=body, headers=headers)
        return time.perf_counter() - start


def run(label: str, db_url: str | None, args: argparse.Namespace, root: Path) -> dict[str, Any]:
    folder = root / label
    settings, store = journal(folder / "terminal", args.entries)
    hub = HubProcess(folder / "hub", db_url).start()
    try:
        bodies = raw_bodies(store, args.batch)
        with bare_server() as bare:
            raw_s = raw_post(bare, bodies)
        sync_s = upload(settings, store, hub, args.batch)
    finally:
        hub.kill()
        store.dispose()
    out = {
        "hub": label,
        "entries": args.entries,
        "batch": args.batch,
        "sync_s": round(sync_s, 2),
        "sync_entries_per_s": round(args.entries / sync_s),
        "raw_entries_per_s": round(args.entries / raw_s),
        "ratio": round(raw_s / sync_s, 2),
    }
    print(json.dumps(out), flush=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-sync-") as tmp:
        run("sqlite", None, args, Path(tmp))
        if args.no_postgres or postgres.available():
            return 0
        with postgres.postgres_server() as url:
            run("postgresql", url, args, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
