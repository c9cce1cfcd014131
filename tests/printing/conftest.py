"""Fixtures for the printing tests: the ``emupos`` receipt-printer emulator on loopback.

emupos needs Python >= 3.13, so it runs from its own virtualenv, ``<repo>/.venv-emupos``
(``./dev setup`` creates it; ``KIOSK_EMUPOS_VENV`` points elsewhere). Without it the
emulator tests skip and say why. The emulator is started once per session with two
printers on free ports: ``p80`` (Epson TM-T20III profile, 576 dots) and ``p58`` (a 58 mm
profile written here, 384 dots). Every test starts with faults cleared.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]

PROFILE_58 = """\
type: printer
name: Generic 58 mm thermal printer
dpi: 203
width_dots: 384
font_a: { width: 12, height: 24 }
font_b: { width: 9, height: 17 }
code_pages: { 0: PC437, 2: PC850, 16: WPC1252, 19: PC858 }
default_code_page: 0
drawer_sensor_open_level: high
"""

CONFIG = """\
schema: 1
api: {{ host: 127.0.0.1, port: {api} }}
devices:
  - id: p80
    type: printer
    profile: epson-tm-t20iii
    connections: [ {{ tcp: {{ host: 127.0.0.1, port: {p80} }} }} ]
    receipts_dir: ./receipts
  - id: p58
    type: printer
    profile: ./generic-58mm.yaml
    connections: [ {{ tcp: {{ host: 127.0.0.1, port: {p58} }} }} ]
    receipts_dir: ./receipts
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Receipt:
    id: str
    png: bytes
    text: str
    width_dots: int


class Emulator:
    """The running emulator: printer URLs and its control API (faults, receipts, drawer)."""

    def __init__(self, api: str, ports: dict[str, int]) -> None:
        self.api = httpx.Client(base_url=f"{api}/api/v1", timeout=5.0)
        self.ports = ports

    def url(self, device: str) -> str:
        return f"tcp://127.0.0.1:{self.ports[device]}"

    def fault(self, device: str, fault: str, *, active: bool = True) -> None:
        path = f"/devices/{device}/faults/{fault}"
        response = self.api.put(path) if active else self.api.delete(path)
        response.raise_for_status()

    def state(self, device: str) -> dict[str, object]:
        return dict(self.api.get(f"/devices/{device}").raise_for_status().json()["state"])

    def receipt_ids(self, device: str) -> list[str]:
        """Completed receipts, newest first."""
        return [r["id"] for r in self.api.get(f"/devices/{device}/receipts").json()]

    def receipt(self, device: str, receipt_id: str) -> Receipt:
        base = f"/devices/{device}/receipts/{receipt_id}"
        meta = self.api.get(base).raise_for_status().json()
        png = self.api.get(f"{base}/image").raise_for_status().content
        text = self.api.get(f"{base}/text").raise_for_status().text
        return Receipt(meta["id"], png, text, meta["width_dots"])

    def wait_for_receipts(self, device: str, count: int, timeout: float = 5.0) -> list[str]:
        """Wait until the device has at least ``count`` receipts; return their ids."""
        deadline = time.monotonic() + timeout
        while len(ids := self.receipt_ids(device)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{device}: {len(ids)} receipts, expected {count}")
            time.sleep(0.05)
        return ids

    def reset(self) -> None:
        for device in self.ports:
            for fault in ("paper-out", "cover-open", "offline", "paper-near-end"):
                self.fault(device, fault, active=False)
            self.api.post(f"/devices/{device}/drawer/close").raise_for_status()


def _emupos_binary() -> Path | None:
    venv = Path(os.environ.get("KIOSK_EMUPOS_VENV", REPO / ".venv-emupos"))
    binary = venv / "bin" / "emupos"
    return binary if binary.exists() else None


@pytest.fixture(scope="session")
def emulator_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    binary = _emupos_binary()
    if binary is None:
        pytest.skip("emupos is not installed: run ./dev setup to create .venv-emupos")
    workdir = tmp_path_factory.mktemp("emupos")
    ports = {"api": _free_port(), "p80": _free_port(), "p58": _free_port()}
    (workdir / "generic-58mm.yaml").write_text(PROFILE_58)
    (workdir / "emupos.yaml").write_text(CONFIG.format(**ports))
    log = (workdir / "emupos.log").open("w")
    proc = subprocess.Popen(
        [str(binary), "run", "--config", "emupos.yaml"],
        cwd=workdir,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    api = f"http://127.0.0.1:{ports['api']}"
    emu = Emulator(api, {"p80": ports["p80"], "p58": ports["p58"]})
    deadline = time.monotonic() + 30
    while True:
        try:
            if emu.api.get("/health").status_code == 200:
                break
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"emupos did not start: {(workdir / 'emupos.log').read_text()}")
        time.sleep(0.1)
    try:
        yield emu
    finally:
        emu.api.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def emulator(emulator_session: Emulator) -> Iterator[Emulator]:
    """The emulator with no faults active and drawers closed, before and after the test."""
    emulator_session.reset()
    yield emulator_session
    emulator_session.reset()
