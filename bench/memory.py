"""Resident memory of one process over many sales: flat, or something is kept per sale.

Runs whole ticket sales in one process, as ``kiosk sell`` does (order, card on the in-process
simulator, approved online by the in-process issuer, journal, receipt and ticket to the
printer preview), and reads the process's resident set size (``/proc/self/status`` VmRSS)
after sale 100 and after the last. Goal: less than 5 % growth from sale 100 to sale 1,000
(the first hundred warm caches, compiled statements and Qt-free imports up). The simulated
issuer's account runs dry after about 185 sales of ¥54; the rest are declined online
(response 51) — whole card transactions still, journalled, without the printing.

    python bench/memory.py [--sales 1000] [--warm 100]
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.checkout.sell import ItemChoice, _sell
from kiosk.checkout.terminal import build_services
from kiosk.config import load_settings


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=1000)
    parser.add_argument("--warm", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kiosk-memory-") as tmp:
        settings = load_settings(
            environ={
                "KIOSK_DATA_DIR": tmp,
                "KIOSK_PAYMENT__HOST": "sim",
                "KIOSK_PAYMENT__ONLINE": "always",
            }
        )
        services = build_services(settings)
        statuses: dict[str, int] = {}
        marks: dict[int, int] = {}
        try:
            for n in range(1, args.sales + 1):
                report, _code = _sell(services, [ItemChoice("ADULT")])
                statuses[report["status"]] = statuses.get(report["status"], 0) + 1
                if n in (args.warm, args.sales) or n % 100 == 0:
                    gc.collect()
                    marks[n] = rss_kib()
        finally:
            services.dispose()
    for n, kib in marks.items():
        print(f"after sale {n:5d}: RSS {kib / 1024:7.1f} MiB")
    growth = (marks[args.sales] - marks[args.warm]) / marks[args.warm]
    print(f"sales: {statuses}")
    print(f"growth from sale {args.warm} to {args.sales}: {growth:+.1%} (goal < 5 %)")
    return 0 if growth < 0.05 else 1


if __name__ == "__main__":
    sys.exit(main())
