"""``kiosk doctor``'s lines for the hub, the WAL and the version (the acquirer's
line is tested with the acquirer link, tests/payment/host/test_health.py): each
fault made for real (a closed port, a listening one, a WAL file past the limit)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kiosk import __version__
from kiosk.config import Settings, load_settings
from kiosk.doctor import CHECKS, WAL_WARN_BYTES, Check, Status
from kiosk.sync.enrolment import enroll
from tests.scale.test_scale import Emulator
from tests.sync.test_enrolment import GOOD, _hub


@pytest.fixture
def listening() -> Iterator[int]:
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


@pytest.fixture
def closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as server:
        return int(server.getsockname()[1])


def line(settings: Settings, name: str) -> Check:
    """The one check named ``name`` (the others would open the journal, which folds the WAL)."""
    [check] = [c for c in CHECKS if c.__name__ == f"_{name}"]
    return check(settings)


def test_hub_down_and_up(tmp_path: Path, closed_port: int, listening: int) -> None:
    settings = load_settings(environ={"KIOSK_DATA_DIR": str(tmp_path)})
    assert line(settings, "hub").detail == "not enrolled (see the sync line)"
    for port, status in ((closed_port, Status.WARN), (listening, Status.OK)):
        url = f"http://127.0.0.1:{port}"
        enroll(settings, url, "ABCD-EFGH-JKMN-PQRS", transport=_hub({**GOOD, "hub_url": url}))
        check = line(settings, "hub")
        assert check.status is status, check
        if status is Status.WARN:
            assert check.detail.startswith(f"{url} unreachable (Connection refused): check")


def test_a_large_wal_warns(tmp_path: Path) -> None:
    settings = load_settings(environ={"KIOSK_DATA_DIR": str(tmp_path)})
    wal = tmp_path / "journal.db-wal"
    with wal.open("wb") as f:
        f.truncate(WAL_WARN_BYTES // 2)  # sparse: the size is what is checked
    assert line(settings, "wal").status is Status.OK
    with wal.open("r+b") as f:
        f.truncate(WAL_WARN_BYTES + 1)
    check = line(settings, "wal")
    assert check.status is Status.WARN and "restart the kiosk" in check.detail


def test_the_version_line() -> None:
    check = line(load_settings(environ={}), "version")
    assert check.status is Status.OK
    assert check.detail.startswith(f"kiosk {__version__} (source), Python ")


class _Dated(BaseHTTPRequestHandler):
    skew_s = 0.0

    def do_GET(self) -> None:
        self.send_response(404)
        self.end_headers()

    def date_time_string(self, timestamp: float | None = None) -> str:
        return formatdate(time.time() + self.skew_s, usegmt=True)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.mark.parametrize(
    ("skew_s", "status"), [(0.0, Status.OK), (200.0, Status.WARN), (-900.0, Status.FAIL)]
)
def test_the_clock_against_the_hub(tmp_path: Path, skew_s: float, status: Status) -> None:
    settings = load_settings(environ={"KIOSK_DATA_DIR": str(tmp_path)})
    assert line(settings, "clock").detail == "not checked: no hub enrolled to compare with"
    handler = type("Handler", (_Dated,), {"skew_s": skew_s})
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}"
        enroll(settings, url, "ABCD-EFGH-JKMN-PQRS", transport=_hub({**GOOD, "hub_url": url}))
        check = line(settings, "clock")
        server.shutdown()
    assert check.status is status, check
    measured, _, _rest = check.detail.partition(" s against the hub")
    assert _ == " s against the hub" and abs(float(measured) - skew_s) <= 1.5, (
        check
    )  # Date: to the second


@pytest.fixture
def pty_scale() -> Iterator[Callable[..., Emulator]]:
    made: list[Emulator] = []

    def make(answer: Callable[[bytes], bytes] | None = None) -> Emulator:
        made.append(Emulator(answer))
        return made[-1]

    yield make
    for emulator in made:
        emulator.close()


def test_the_scale_silent_and_answering(tmp_path: Path, pty_scale: Callable[..., Emulator]) -> None:
    """A scale on a pty: one that never answers is a FAIL naming scale.silent, one that
    answers MT-SICS is OK with its weight."""
    env = {"KIOSK_DATA_DIR": str(tmp_path)}
    settings = load_settings(environ=env)
    assert line(settings, "scale").detail == "sim://: answering (scale.empty)"  # the demo's
    silent = pty_scale()
    settings = load_settings(environ={**env, "KIOSK_SCALE": f"serial://{silent.path}"})
    check = line(settings, "scale")
    assert check.status is Status.FAIL and "scale.silent: check its cable" in check.detail
    answering = pty_scale(lambda _command: b"S S      1250 g\r\n")
    settings = load_settings(environ={**env, "KIOSK_SCALE": f"serial://{answering.path}"})
    assert line(settings, "scale").detail.endswith(": answering, 1250 g")
