"""Everyday lookups on a small journal and on a big one: they must not grow with it.

A kiosk keeps months of sales, and a site's kiosks and gates share one database. Two
journals are filled through the real checkout (one ticket per sale, each paid by its own
card): ``--small`` sales of one day (the baseline), and ``--sales`` sales over ``--days``
days, with as many today as in the small one or fewer; the same
operations are timed on both in the same run: a gate tap's ticket lookup by card, the
product screen's quota count, today's payments for the day report, the list of uncertain
payments, and one more sale with its commit. Prints medians and the big/small ratio
(close to 1 when indexes do the work).

    python bench/lookups.py [--sales 3000] [--days 90] [--small 100] [--repeat 50]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _timing import median_ms
from journal import OUTCOME  # the same approval as the commit benchmark (bench/journal.py)

from kiosk.checkout.gate_card import card_tickets
from kiosk.checkout.recovery import uncertain_payments
from kiosk.checkout.settlement import day_period, transaction_records
from kiosk.checkout.terminal import KioskServices, build_services
from kiosk.config import load_settings
from kiosk.journal.store import utcnow
from kiosk.sales.tickets import today_in_china


def _sell(services: KioskServices, n: int, *, days: int = 1, first: int = 0) -> None:
    """Record ``n`` paid single-ticket sales spread over the last ``days`` days (today's
    last), sale ``first + i`` paid by card ``tok<first + i>``."""
    checkout, now = services.checkout, utcnow()
    for i in range(n):
        when = now - timedelta(days=(n - 1 - i) * days // n)
        draft = services.catalog.order({"ADULT": 1}, visit_day=today_in_china(when))
        checkout.clock = lambda when=when: when  # type: ignore[misc]
        _, _, pid = checkout._open(draft, "bench")
        outcome = dataclasses.replace(OUTCOME, pan_token=f"tok{first + i:08d}")
        checkout._close(pid, outcome, committed=True, actor="bench")
    checkout.clock = utcnow


def measure(data_dir: Path, sales: int, days: int, repeat: int) -> dict[str, float]:
    settings = dataclasses.replace(load_settings(environ={}), data_dir=data_dir)
    services = build_services(settings)
    _sell(services, sales, days=days)
    today = today_in_china(utcnow())
    probe = f"tok{sales // 2:08d}"
    assert len(card_tickets(services.store, probe)) == 1
    figures = {
        "gate tap: tickets of a card": median_ms(
            lambda: card_tickets(services.store, probe), repeat
        ),
        "product screen: quotas sold": median_ms(lambda: services.sold_on(today), repeat),
        "day report: today's payments": median_ms(
            lambda: list(transaction_records(services.store, day_period(today))), repeat
        ),
        "operator: uncertain payments": median_ms(
            lambda: uncertain_payments(services.store), repeat
        ),
        "one more sale (open + commit)": median_ms(lambda: _sell(services, 1, first=sales), repeat),
    }
    services.dispose()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=3000)
    parser.add_argument("--days", type=int, default=90, help="days the big journal spans")
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=".") as tmp:
        small = measure(Path(tmp) / "small", args.small, 1, args.repeat)
        big = measure(Path(tmp) / "big", args.sales, args.days, args.repeat)
    print(
        f"lookups: medians of {args.repeat}, journal of {args.small} sales (one day) "
        f"vs {args.sales} sales ({args.days} days)"
    )
    for name, base in small.items():
        print(f"  {name:32} {base:8.2f} ms {big[name]:8.2f} ms   ratio {big[name] / base:5.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
