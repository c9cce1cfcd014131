"""The demo car park's cars: a few already inside when the demo's parking screen opens.

Each car entered at a different time before now, so that the exit shows a free stay, a
day-time fee, a night and a cap, and a large vehicle. Idempotent: a demo car already inside
is left as it is; one that has left comes back (the demo always has cars to let out).
"""

from __future__ import annotations

from datetime import timedelta

from kiosk.checkout.parking import ParkingDesk, Stay
from kiosk.sales.parking import VehicleClass

__all__ = ["DEMO_CARS", "seed_demo_cars"]

#: (plate, class, time inside) of the demo's cars.
DEMO_CARS: tuple[tuple[str, VehicleClass, timedelta], ...] = (
    ("粤B3K7N2", VehicleClass.SMALL, timedelta(hours=3, minutes=20)),
    ("沪A5Q6P1", VehicleClass.LARGE, timedelta(hours=1, minutes=5)),
    ("粤BD12345", VehicleClass.SMALL, timedelta(hours=26, minutes=40)),
    ("川A88H88", VehicleClass.SMALL, timedelta(minutes=8)),
)


def seed_demo_cars(desk: ParkingDesk) -> list[Stay]:
    """Enter each demo car that is not inside, at its time before the desk's clock; the
    stays entered (none when all are inside already)."""
    now = desk.clock()
    return [
        desk.enter(plate, vehicle_class, now=now - ago, actor="demo")
        for plate, vehicle_class, ago in DEMO_CARS
        if not any(stay.plate == plate for stay in desk.inside(plate))
    ]
