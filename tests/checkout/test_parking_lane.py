"""The lane's barrier through the checkout layer: every opening is journaled with its
reason and who, a manual one only with a supervisor and a reason, a failure journaled
and raised; the camera endpoint checks plates as the keyboard does."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import httpx
import pytest

from kiosk.checkout.parking_lane import (
    OpenReason,
    ParkingLane,
    SupervisorRequiredError,
    camera_endpoint,
)
from kiosk.errors import KioskError
from kiosk.journal.store import JournalStore
from kiosk.parking.barrier import BarrierError, CommandBarrier, SimBarrier
from kiosk.parking.camera import PATH, SECRET_HEADER, CameraEvent

SECRET = "lane-camera-secret-0001"


@pytest.fixture
def store(tmp_path: Path):
    store = JournalStore(f"sqlite:///{tmp_path / 'journal.db'}", "PARK0001")
    yield store
    store.dispose()


def _events(store: JournalStore) -> list[tuple[str, str, dict]]:
    return [(e.event, e.actor, e.payload) for e in store.entries() if e.event.startswith("parking")]


def test_a_paid_exit_opens_a_real_program_and_is_journaled(store, tmp_path: Path) -> None:
    """The command line runs once; the journal says lane, reason, plate and who."""
    mark = tmp_path / "opened"
    program = (sys.executable, "-c", f"open({str(mark)!r}, 'a').write('up')")
    lane = ParkingLane(store, CommandBarrier(program))
    lane.open(lane="exit-1", reason=OpenReason.PAID, actor="attendant", plate="粤B12345")
    assert mark.read_text() == "up"
    assert _events(store) == [
        (
            "parking.barrier_opened",
            "attendant",
            {"lane": "exit-1", "reason": "paid", "plate": "粤B12345"},
        )
    ]


def test_a_manual_opening_needs_a_supervisor_and_a_reason(store) -> None:
    """Without both nothing opens and nothing is journaled; with both, both are kept."""
    barrier = SimBarrier()
    lane = ParkingLane(store, barrier)
    for supervisor, note in (("", "ambulance"), ("S01", ""), ("S01", "   ")):
        with pytest.raises(SupervisorRequiredError):
            lane.open(
                lane="exit-1",
                reason=OpenReason.MANUAL,
                actor="S01",
                supervisor=supervisor,
                note=note,
            )
    assert barrier.opened == 0 and _events(store) == []
    lane.open(
        lane="exit-1", reason=OpenReason.MANUAL, actor="S01", supervisor="S01", note="ambulance "
    )
    assert barrier.opened == 1
    assert _events(store) == [
        (
            "parking.barrier_opened",
            "S01",
            {
                "lane": "exit-1",
                "reason": "manual",
                "plate": "",
                "supervisor": "S01",
                "note": "ambulance",
            },
        )
    ]


def test_a_barrier_that_fails_is_journaled_and_raised(store) -> None:
    """The program's refusal reaches the screen as a code; the journal keeps the attempt."""
    lane = ParkingLane(store, CommandBarrier((sys.executable, "-c", "raise SystemExit(3)")))
    with pytest.raises(BarrierError) as caught:
        lane.open(lane="in-1", reason=OpenReason.ENTRY, actor="attendant", plate="京A12345")
    assert caught.value.code == "barrier.failed"
    assert _events(store) == [
        (
            "parking.barrier_failed",
            "attendant",
            {"lane": "in-1", "reason": "entry", "plate": "京A12345", "code": "barrier.failed"},
        )
    ]


def test_the_camera_endpoint_checks_plates_with_the_plate_rules() -> None:
    """A real plate passes normalised; a bad one is 422 with the plate rule's own code."""
    events: list[CameraEvent] = []
    endpoint = camera_endpoint("127.0.0.1:0", SECRET, events.append, min_confidence=50)
    endpoint.start()
    try:
        host, port = endpoint.address
        body = {"time": "2026-12-05T10:00:00+08:00", "lane": "in-1", "direction": "entry"}
        url, headers = f"http://{host}:{port}{PATH}", {SECRET_HEADER: SECRET}
        good = httpx.post(
            url, json={**body, "plate": "粤b 12345", "confidence": 90}, headers=headers
        )
        bad = httpx.post(url, json={**body, "plate": "粤BI2345", "confidence": 90}, headers=headers)
    finally:
        endpoint.stop()
    assert good.status_code == 202 and [e.plate for e in events] == ["粤B12345"]
    assert bad.status_code == 422 and bad.json()["code"].startswith("plate.")


def test_a_bad_listen_address_is_refused() -> None:
    with pytest.raises(KioskError) as caught:
        camera_endpoint("8088", SECRET, print, min_confidence=50)
    assert caught.value.code == "camera.listen"


def test_without_a_barrier_output_the_opening_is_journaled(store) -> None:
    """A lane whose attendant lifts the barrier by hand still journals each opening."""
    lane = ParkingLane(store, None)
    lane.open(lane="exit-1", reason=OpenReason.FREE, actor="attendant", plate="京A12345")
    lane.close()
    assert [e for e, _a, _p in _events(store)] == ["parking.barrier_opened"]


def _services(tmp_path: Path, *, demo: bool = True, **parking):
    from kiosk.checkout.terminal import KioskServices
    from kiosk.sales.tickets import load_catalog
    from tests.checkout.conftest import kiosk_settings

    base = kiosk_settings(tmp_path)
    tmp_path.mkdir(parents=True, exist_ok=True)
    keys = tmp_path / "ticket.keys"
    keys.write_text("1 " + "ab" * 32 + "\n", encoding="utf-8")
    settings = dataclasses.replace(
        base,
        demo=demo,
        terminal=dataclasses.replace(base.terminal, ticket_key_file=str(keys)),
        parking=dataclasses.replace(base.parking, **parking),
    )
    store = JournalStore(settings.journal_url, settings.terminal.id)
    return KioskServices(settings, store, load_catalog(), printer=None, provider=None)


def test_the_terminal_wires_the_configured_barrier_and_cameras(tmp_path: Path) -> None:
    """The demo's barrier is simulated, production without one has none, a cmd: runs that
    program; the camera endpoint exists only when an address is configured."""
    services = _services(tmp_path / "demo")
    assert isinstance(services.parking_lane().barrier, SimBarrier)
    assert services.parking_camera(print) is None
    services.store.dispose()
    services = _services(tmp_path / "prod", demo=False)
    assert services.parking_lane().barrier is None
    services.store.dispose()
    services = _services(
        tmp_path / "cmd",
        barrier="cmd:/bin/true --lane 1",
        barrier_timeout_s=2.0,
        camera_listen="127.0.0.1:0",
        camera_secret=SECRET,
    )
    barrier = services.parking_lane().barrier
    assert isinstance(barrier, CommandBarrier)
    assert barrier.argv == ("/bin/true", "--lane", "1") and barrier.timeout_s == 2.0
    endpoint = services.parking_camera(print)
    assert endpoint is not None
    endpoint.start()
    endpoint.stop()
    services.store.dispose()
