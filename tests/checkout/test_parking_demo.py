"""The demo car park's cars: entered at their own times before now, once, on the real journal."""

from __future__ import annotations

from datetime import timedelta

from kiosk.checkout.parking_demo import DEMO_CARS, seed_demo_cars
from kiosk.checkout.terminal import build_services
from tests.checkout.conftest import kiosk_settings


def test_demo_cars_are_entered_once_at_their_times(tmp_path) -> None:
    """Seeding twice leaves one stay per demo car, each entered its own time before now;
    a demo car that left comes back, the others are not entered again."""
    services = build_services(kiosk_settings(tmp_path))
    try:
        desk = services.parking_desk()
        entered = seed_demo_cars(desk)
        now = desk.clock()
        assert [(s.plate, s.vehicle_class) for s in entered] == [(p, c) for p, c, _ in DEMO_CARS]
        for stay, (_plate, _cls, ago) in zip(entered, DEMO_CARS, strict=True):
            assert abs(now - ago - stay.entered_at) < timedelta(seconds=5)
        assert seed_demo_cars(desk) == []
        assert desk.occupancy()[0] == len(DEMO_CARS)
        desk.open_without_payment(entered[0], supervisor="S01", reason="demo", actor="S01")
        assert [s.plate for s in seed_demo_cars(desk)] == [DEMO_CARS[0][0]]
        assert desk.occupancy()[0] == len(DEMO_CARS)
    finally:
        services.dispose()
