"""The real hub (``kiosk hub``) as a subprocess on a fixed loopback port, for sync tests:
killed and started again on the same address (``tests.support.hub`` runs one per block)."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import column, create_engine, inspect, select, table

from tests.support.hub import KIOSK, free_port, hub_env, kiosk_hub


class HubProcess:
    """``kiosk hub --listen 127.0.0.1:PORT --db URL``, started, killed and restarted."""

    def __init__(self, folder: Path, db_url: str | None = None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.db_url = db_url or f"sqlite:///{folder / 'hub.db'}"
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _env(self) -> dict[str, str]:
        return hub_env(self.folder)

    def _kiosk(self, *args: str) -> list[str]:
        return [KIOSK, "hub", "--db", self.db_url, *args]

    def start(self) -> HubProcess:
        self.proc = subprocess.Popen(
            self._kiosk(
                "--key", str(self.folder / "hub.key"), "--listen", f"127.0.0.1:{self.port}"
            ),
            cwd=self.folder,
            env=self._env(),
            stdout=subprocess.DEVNULL,
            stderr=(self.folder / "hub.log").open("ab"),
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the hub exited: {(self.folder / 'hub.log').read_text()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("the hub did not come up in 30 s")

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, whatever was in flight is cut."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None

    def enroll_code(self, terminal_id: str) -> str:
        """A one-time code for ``terminal_id`` (the last line ``kiosk hub enroll`` prints)."""
        out = kiosk_hub(self.folder, self.db_url, "enroll", terminal_id)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip().splitlines()[-1]

    def held_entries(self, terminal_id: str) -> list[dict[str, Any]]:
        """Every entry row the hub's database holds for ``terminal_id`` (the table with
        terminal id, seq and hash columns, found by inspection), in storage order."""
        engine = create_engine(self.db_url)
        try:
            inspector = inspect(engine)
            for name in inspector.get_table_names():
                cols = {c["name"] for c in inspector.get_columns(name)}
                tid = next((c for c in ("terminal_id", "terminal") if c in cols), None)
                if tid and {"seq", "hash", "prev_hash"} <= cols:
                    t = table(name, column(tid), column("seq"), column("hash"))
                    with engine.connect() as conn:
                        rows = conn.execute(
                            select(t.c.seq, t.c.hash).where(t.c[tid] == terminal_id)
                        )
                        return [r._asdict() for r in rows]
            raise AssertionError("no entry table found in the hub's database")
        finally:
            engine.dispose()
