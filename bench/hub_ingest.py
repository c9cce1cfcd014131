"""Entries per second the hub ingests over loopback, beside a bare ASGI endpoint.

A 100,000-entry backlog of one terminal, posted in signed batches of 1,000 with httpx to
``kiosk hub`` (a uvicorn process, SQLite, then PostgreSQL when its server binaries are
installed), and the same bytes posted to a bare ASGI endpoint under the same uvicorn: the
ratio is what the hub's checks, signing and database cost. Goals on a 2-core machine: the
backlog in under 30 s, the ratio at least 0.5.

Then a fleet on the PostgreSQL hub: 50 terminals at once, each sending a heartbeat and a
batch of 100 entries in turn; sustained entries per second and the 99th percentile answer.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text

from kiosk.sync.protocol import canonical_json, sign_request, unb64
from tests.support.hub import Terminal, chain, enrol, free_port, running_hub
from tests.support.postgres import available, postgres_server

ENTRIES = 100_000
BATCH = 1_000
FLEET, FLEET_BATCH, FLEET_ROUNDS = 50, 100, 20


def _bodies(terminal_id: str) -> list[bytes]:
    entries = chain(terminal_id, ENTRIES)
    return [canonical_json({"entries": entries[i : i + BATCH]}) for i in range(0, ENTRIES, BATCH)]


def _post_all(url: str, terminal: Terminal | None, bodies: list[bytes]) -> float:
    """Seconds to post every body in order, each answered before the next (as a terminal)."""
    start = time.perf_counter()
    with httpx.Client(timeout=60) as client:
        for body in bodies:
            path = f"/api/v1/terminals/{terminal.id if terminal else 'T'}/entries"
            headers = {"Content-Type": "application/json"}
            if terminal is not None:
                headers |= sign_request(
                    terminal.key, terminal.id, "POST", path, body, now=time.time()
                )
            answer = client.post(url + path, content=body, headers=headers)
            answer.raise_for_status()
    return time.perf_counter() - start


@contextmanager
def _bare_endpoint() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable, "-m", "uvicorn", "_bare_asgi:app", "--app-dir",
            str(Path(__file__).parent), "--port", str(port), "--log-level", "warning",
        ]
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                httpx.get(url)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait()


def bench(label: str, db: str, data_dir: Path, baseline_s: float, bodies: list[bytes]) -> None:
    with running_hub(data_dir, db) as hub:
        terminal = enrol(data_dir, db, hub.url, "BENCH")
        hub_s = _post_all(hub.url, terminal, bodies)
    rate, baseline = ENTRIES / hub_s, ENTRIES / baseline_s
    print(
        f"{label}: {ENTRIES} entries in {hub_s:.1f} s = {rate:,.0f} entries/s;"
        f" bare ASGI {baseline:,.0f} entries/s; ratio {rate / baseline:.2f}"
    )


def _fleet_terminal(hub_url: str, terminal: Terminal) -> list[float]:
    """Answer times (s) of one terminal's heartbeats and batches."""
    times = []
    entries = chain(terminal.id, FLEET_BATCH * FLEET_ROUNDS)
    beat = b'{"version": "0.1.0", "backlog": 0, "printer": "ok"}'
    with httpx.Client(base_url=hub_url, timeout=60) as client:
        for number in range(FLEET_ROUNDS):
            batch = canonical_json(
                {"entries": entries[number * FLEET_BATCH : (number + 1) * FLEET_BATCH]}
            )
            for what, body in (("heartbeat", beat), ("entries", batch)):
                path = f"/api/v1/terminals/{terminal.id}/{what}"
                headers = sign_request(
                    terminal.key, terminal.id, "POST", path, body, now=time.time()
                )
                start = time.perf_counter()
                client.post(path, content=body, headers=headers).raise_for_status()
                times.append(time.perf_counter() - start)
    return times


def bench_fleet(db: str, data_dir: Path) -> None:
    from kiosk.hub.db import open_database
    from kiosk.hub.enrol import issue_code

    with running_hub(data_dir, db) as hub:
        terminals = []
        sessions = open_database(db)
        for number in range(FLEET):
            name = f"F{number}"
            with sessions() as session:
                code = issue_code(session, name, now=time.time())
            answer = httpx.post(
                f"{hub.url}/api/v1/enroll", json={"terminal_id": name, "code": code}
            ).json()
            terminals.append(Terminal(name, unb64(answer["terminal_key"], what="key"), hub.url))
        start = time.perf_counter()
        with ThreadPoolExecutor(FLEET) as pool:
            times = [
                t for ts in pool.map(lambda t: _fleet_terminal(hub.url, t), terminals) for t in ts
            ]
        elapsed = time.perf_counter() - start
    p99 = statistics.quantiles(times, n=100)[98]
    total = FLEET * FLEET_BATCH * FLEET_ROUNDS
    print(
        f"PostgreSQL hub, {FLEET} terminals at once: {total / elapsed:,.0f} entries/s sustained,"
        f" {len(times)} requests, p99 answer {p99 * 1e3:.0f} ms"
    )


def main() -> None:
    bodies = _bodies("BENCH")
    with _bare_endpoint() as url:
        baseline_s = _post_all(url, None, bodies)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        bench("SQLite hub", f"sqlite:///{data_dir / 'hub.db'}", data_dir, baseline_s, bodies)
        reason = available()
        if reason:
            print(f"PostgreSQL hub: skipped ({reason})")
            return
        with postgres_server() as pg:
            bench("PostgreSQL hub", pg, data_dir / "pg", baseline_s, bodies)
            fleet_db = pg.replace("/postgres?", "/fleet?")
            engine = create_engine(pg, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(text('CREATE DATABASE "fleet"'))
            engine.dispose()
            bench_fleet(fleet_db, data_dir / "fleet")


if __name__ == "__main__":
    main()
