"""Parking benchmark: the tariff engine's cost per fee, and the exit flow from plate to
receipt bytes with the in-process card.

Fees: 100,000 random stays (seeded; up to 3 days, both classes, entries over a year) on the
demo tariff, timed in batches of 1,000; the median µs per fee beside a baseline from the same
run, a loop doing only the datetime subtraction every fee starts with. Exit flow: the demo
terminal (``kiosk run --mode parking`` without the window: SQLite journal in a temporary
folder, the software card in the in-process reader, the preview printer) takes a car in,
then at 11:10 finds it by plate, quotes, takes ¥11.00 on a fresh ``debit-ec`` card and
stops the clock when the receipt's ESC/POS bytes are in the printer, then lets it out.

    .venv/bin/python bench/parking.py [RUNS]
"""

from __future__ import annotations

import dataclasses
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

os.environ.pop("KIOSK_CONFIG", None)

from kiosk.checkout.terminal import KioskServices, build_services
from kiosk.config import Mode, load_settings
from kiosk.payment.cardsim.profiles import load_card
from kiosk.sales.parking import VehicleClass, exit_fee, load_tariff

STAYS, BATCH = 100_000, 1_000


def random_stays(n: int) -> list[tuple[datetime, datetime, VehicleClass]]:
    tariff = load_tariff()
    rng = random.Random(15)
    start = datetime(2026, 1, 1, tzinfo=tariff.timezone)
    classes = list(VehicleClass)
    return [
        (
            entry := start + timedelta(seconds=rng.randrange(365 * 86400)),
            entry + timedelta(seconds=rng.randrange(3 * 86400)),
            rng.choice(classes),
        )
        for _ in range(n)
    ]


def fee_us(stays: list[tuple[datetime, datetime, VehicleClass]]) -> tuple[float, float, int]:
    """(median µs per fee, median µs per subtraction baseline, total fen as a checksum)."""
    tariff = load_tariff()
    per_fee, per_sub, total = [], [], 0
    for i in range(0, len(stays), BATCH):
        batch = stays[i : i + BATCH]
        t0 = time.perf_counter()
        total += sum(exit_fee(tariff, a, b, c).fee_fen for a, b, c in batch)
        t1 = time.perf_counter()
        total += 0 * sum(int((b - a).total_seconds()) for a, b, _ in batch)  # used, not added
        t2 = time.perf_counter()
        per_fee.append((t1 - t0) / len(batch) * 1e6)
        per_sub.append((t2 - t1) / len(batch) * 1e6)
    return statistics.median(per_fee), statistics.median(per_sub), total


def exit_flow(services: KioskServices, n: int) -> float:
    """Car ``n`` in at 09:00, out at 11:10 by plate, paid by card: plate to receipt bytes, ms."""
    desk = services.parking_desk()
    entry = datetime(2026, 3, 2, 9, 0, tzinfo=desk.tariff.timezone)
    plate = f"京A{n:05d}"
    desk.enter(plate, now=entry)
    assert services.sim_reader is not None and services.printer is not None
    services.sim_reader.insert(load_card("debit-ec"))
    printer = services.printer.service
    printed = len(printer.jobs)  # type: ignore[union-attr]
    at = entry + timedelta(hours=2, minutes=10)
    start = time.perf_counter()
    stay = desk.find(plate)
    desk.pay_card(stay, at, actor="bench")
    assert len(printer.jobs) > printed  # type: ignore[union-attr]
    elapsed = (time.perf_counter() - start) * 1e3
    desk.leave(stay, at + timedelta(minutes=1))
    return elapsed


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    stays = random_stays(STAYS)
    fee, baseline, checksum = fee_us(stays)
    print(f"fee of a stay, median over {STAYS} random stays: {fee:7.2f} µs  (checksum {checksum})")
    print(
        f"  baseline: datetime subtraction alone:  {baseline:7.2f} µs  ratio {fee / baseline:.0f}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        base = load_settings(environ={})
        settings = dataclasses.replace(
            base,
            data_dir=Path(tmp),
            terminal=dataclasses.replace(base.terminal, mode=Mode.PARKING, unattended=False),
            payment=dataclasses.replace(base.payment, reader="sim:debit-ec"),
        )
        services = build_services(settings)
        try:
            exit_flow(services, 0)  # warm-up: fonts, compiled statements, code pages
            flows = [exit_flow(services, n) for n in range(1, runs + 1)]
        finally:
            services.dispose()
    print(
        f"exit flow, plate to receipt bytes, median of {runs}: {statistics.median(flows):7.1f} ms"
    )


if __name__ == "__main__":
    main()
