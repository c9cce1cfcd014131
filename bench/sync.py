"""Journal upload to the hub over loopback: entries per second beside a raw HTTP baseline.

A terminal journal with a backlog of ``--entries`` (100,000) is uploaded by the terminal's
own uploader (``kiosk.sync``: read, sign, gzip, post, move the mark) to the real hub
(``kiosk hub`` on SQLite, then on PostgreSQL when the server binaries are installed). In
the same run, the very request bodies the uploader sent (rebuilt the same way) are posted
with a bare httpx client to a bare ASGI endpoint on uvicorn that only reads them: the most
the transport allows on this machine. Prints both rates and the ratio (goals: the backlog
caught up in under 30 s, ratio >= 0.5). Then ``--fleet`` (50) terminals upload and send
heartbeats at once to one PostgreSQL hub: sustained entries/s and the 99th percentile
answer time.

    python bench/sync.py [--entries 100000] [--batch 1000] [--no-postgres] [--fleet 50]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
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
            "_bare_asgi:app",
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


def fleet(db_url: str, args: argparse.Namespace, root: Path) -> dict[str, Any]:
    """``args.fleet`` terminals at once against one hub: each sends heartbeats and uploads
    ``args.fleet_entries`` in batches of 100, as the worker's rounds do. Sustained entries/s
    over the whole run and the 99th percentile of the answer times."""
    hub = HubProcess(root / "fleet-hub", db_url).start()
    names = [f"FLEET{i:03d}" for i in range(args.fleet)]
    with ThreadPoolExecutor(8) as pool:
        codes = dict(zip(names, pool.map(hub.enroll_code, names), strict=True))
    services = []
    for name in names:
        folder = root / "fleet" / name
        environ = {
            "KIOSK_DATA_DIR": str(folder),
            "KIOSK_TERMINAL__ID": name,
            "KIOSK_SYNC__BATCH_SIZE": "100",
        }
        settings = load_settings(environ=environ)
        store = JournalStore(settings.journal_url, name, key_dir=folder)
        with store.transaction() as tx:
            for i in range(args.fleet_entries):
                tx.append("sale.bench", {"i": i, "amount_fen": 350}, actor="bench")
        enroll(settings, hub.url, codes[name])
        services.append(open_sync(settings, store))
    times: list[float] = []

    def timed(call: Any) -> Any:
        def wrapper(*a: Any, **kw: Any) -> Any:
            start = time.perf_counter()
            try:
                return call(*a, **kw)
            finally:
                times.append(time.perf_counter() - start)

        return wrapper

    def terminal(service: Any) -> None:
        service.client.post_entries = timed(service.client.post_entries)
        service.client.heartbeat = timed(service.client.heartbeat)
        for _ in range(3):  # heartbeats between uploads, as the worker's rounds send them
            service.heartbeat()
            service.push()

    try:
        start = time.perf_counter()
        with ThreadPoolExecutor(args.fleet) as pool:
            list(pool.map(terminal, services))
        elapsed = time.perf_counter() - start
    finally:
        for service in services:
            service.close()
            service.store.dispose()
        hub.kill()
    times.sort()
    out = {
        "fleet": args.fleet,
        "entries": args.fleet * args.fleet_entries,
        "sustained_entries_per_s": round(args.fleet * args.fleet_entries / elapsed),
        "requests": len(times),
        "p99_ms": round(times[int(len(times) * 0.99) - 1] * 1e3, 1),
        "median_ms": round(statistics.median(times) * 1e3, 1),
    }
    print(json.dumps(out), flush=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--fleet", type=int, default=50, help="terminals at once (0: none)")
    parser.add_argument("--fleet-entries", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-sync-") as tmp:
        run("sqlite", None, args, Path(tmp))
        if args.no_postgres or postgres.available():
            return 0
        with postgres.postgres_server() as url:
            run("postgresql", url, args, Path(tmp))
        if args.fleet:
            with postgres.postgres_server() as url:
                fleet(url, args, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
