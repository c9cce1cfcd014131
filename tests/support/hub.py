"""A real hub (``kiosk hub`` under uvicorn, in its own process) and a signing client."""

from __future__ import annotations

import hashlib
import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from kiosk.sync.protocol import canonical_json, sign_request, unb64

#: The ``kiosk`` script of this interpreter's environment.
KIOSK = str(Path(sys.executable).with_name("kiosk"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hub_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env["KIOSK_DATA_DIR"] = str(data_dir)
    return env


def kiosk_hub(data_dir: Path, db: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``kiosk hub --db DB ARGS``, run to the end."""
    return subprocess.run(
        [KIOSK, "hub", "--db", db, "--key", str(data_dir / "hub.key"), *args],
        env=hub_env(data_dir),
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )


@dataclass
class HubProcess:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def running_hub(
    data_dir: Path, db: str, *, tls: tuple[Path, Path] | None = None
) -> Iterator[HubProcess]:
    """``kiosk hub`` serving ``db`` on a free loopback port, until the block ends; over HTTPS
    with ``tls`` (certificate, key), the certificate then being the client's CA bundle."""
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / f"hub-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                KIOSK, "hub", "--db", db,
                "--key", str(data_dir / "hub.key"), "--listen", f"127.0.0.1:{port}",
                *(("--tls-cert", str(tls[0]), "--tls-key", str(tls[1])) if tls else ()),
            ],
            env=hub_env(data_dir),
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    hub = HubProcess(f"{'https' if tls else 'http'}://127.0.0.1:{port}", process, log)
    verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=tls[0]) if tls else True
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the hub exited:\n{hub.output()}")
            try:
                if httpx.get(f"{hub.url}/healthz", timeout=1, verify=verify).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the hub did not come up:\n{hub.output()}")
            time.sleep(0.1)
        yield hub
    finally:
        hub.stop()


def enrol(data_dir: Path, db: str, hub_url: str, terminal: str) -> Terminal:
    """Enrol ``terminal`` the way an installer does: a code from the CLI, exchanged over HTTP."""
    done = kiosk_hub(data_dir, db, "enroll", terminal)
    assert done.returncode == 0, done.stderr
    code = done.stdout.strip().splitlines()[-1]
    answer = httpx.post(
        f"{hub_url}/api/v1/enroll", json={"terminal_id": terminal, "code": code}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    return Terminal(
        terminal,
        unb64(answer.json()["terminal_key"], what="key", size=32),
        hub_url,
        unb64(answer.json()["hub_key"], what="hub key", size=32),
    )


@dataclass
class Terminal:
    """A terminal's side of the protocol, enough to drive the hub: signs with its key."""

    id: str
    key: bytes
    hub_url: str
    #: The hub's public key as pinned at enrolment.
    hub_key: bytes = b""

    def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        *,
        headers: dict[str, str] | None = None,
        now: float | None = None,
        nonce: str | None = None,
        sign_as: str | None = None,
        sign_target: str | None = None,
        send: bytes | None = None,
    ) -> httpx.Response:
        """A signed request; ``sign_as``, ``sign_target`` and ``send`` make it lie."""
        signing = sign_request(
            self.key,
            sign_as or self.id,
            method,
            sign_target or path,
            body,
            now=time.time() if now is None else now,
            nonce=nonce,
        )
        return httpx.request(
            method,
            self.hub_url + path,
            content=body if send is None else send,
            headers={"Content-Type": "application/json", **signing, **(headers or {})},
            timeout=30,
        )

    def at(self, hub_url: str) -> Terminal:
        """The same terminal talking to another hub of the same database."""
        return Terminal(self.id, self.key, hub_url, self.hub_key)

    def post_entries(self, entries: list[dict[str, Any]], **kw: Any) -> httpx.Response:
        body = canonical_json({"entries": entries})
        return self.request("POST", f"/api/v1/terminals/{self.id}/entries", body, **kw)


def chain(terminal: str, count: int, *, start: int = 1, prev: str = "") -> list[dict[str, Any]]:
    """``count`` journal-shaped entries linked by hash, from ``start`` after hash ``prev``."""
    entries = []
    for seq in range(start, start + count):
        entry = {
            "seq": seq,
            "ts": f"2026-12-05T10:00:{seq % 60:02d}.000000Z",
            "event": "print.queued",
            "actor": "kiosk",
            "payload": {"n": seq},
            "prev_hash": prev,
        }
        prev = hashlib.sha256(f"{terminal}|{seq}|{prev}".encode()).hexdigest()
        entries.append({**entry, "hash": prev})
    return entries


def upload_card_sale(terminal: Terminal, path: str, heartbeat: bytes) -> None:
    """Upload an approved ¥30.50 sale on ``path`` dated now, then ``heartbeat``: the
    operator page's row for ``terminal`` shows both."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000000Z")
    entries = chain(terminal.id, 2)
    entries[0].update(
        event="payment.pending", ts=now, payload={"payment": 1, "order": 1, "amount_fen": 3050}
    )
    entries[1].update(
        event="payment.approved", ts=now, payload={"payment": 1, "path": path, "amount_fen": 3050}
    )
    assert terminal.post_entries(entries).json()["acked_seq"] == 2
    answer = terminal.request("POST", f"/api/v1/terminals/{terminal.id}/heartbeat", heartbeat)
    assert answer.status_code < 300, answer.text
