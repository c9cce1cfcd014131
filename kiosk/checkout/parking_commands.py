"""``kiosk parking``: the parking mode without the UI.

    kiosk parking fee --entry ISO --exit ISO [--class small|large] [--lost] [--pass]
                      [--paid-at ISO] [--tariff FILE] [--json]

``fee`` prints what a stay costs and its breakdown, so an operator can check a disputed fee
by hand: the tariff file given, else the demo's. A time without an offset is read as the
tariff's local time (Asia/Shanghai for the demo). Bad input is one line on stderr, exit 2.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.money import format_fen
from kiosk.sales.parking import (
    Fee,
    Tariff,
    VehicleClass,
    duration_words,
    exit_fee,
    load_tariff,
)

__all__ = ["fee_json", "register"]


def register(sub: Any) -> None:
    parking = sub.add_parser("parking", help="parking tools: the fee of a stay")
    actions = parking.add_subparsers(dest="parking_command", metavar="ACTION", required=True)
    fee = actions.add_parser("fee", help="the fee of a stay and its breakdown")
    fee.add_argument("--entry", required=True, type=_when, metavar="ISO", help="entry time")
    fee.add_argument("--exit", required=True, type=_when, metavar="ISO", help="exit time")
    fee.add_argument(
        "--class", dest="vehicle_class", choices=[c.value for c in VehicleClass], default="small"
    )
    fee.add_argument("--lost", action="store_true", help="the ticket is lost")
    fee.add_argument("--pass", dest="monthly_pass", action="store_true", help="monthly pass")
    fee.add_argument("--paid-at", type=_when, metavar="ISO", help="when the stay was paid")
    fee.add_argument("--tariff", type=Path, metavar="FILE", help="a tariff TOML file")
    fee.add_argument("--json", action="store_true", help="print one JSON object")
    fee.set_defaults(func=run_fee)


def _when(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: expected an ISO 8601 time") from exc


def _local(tariff: Tariff, moment: datetime | None) -> datetime | None:
    """A naive time is the tariff's local time."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=tariff.timezone)


def run_fee(args: argparse.Namespace) -> int:
    tariff = load_tariff(args.tariff)
    entry, exit_ = _local(tariff, args.entry), _local(tariff, args.exit)
    assert entry is not None and exit_ is not None  # required arguments
    fee = exit_fee(
        tariff,
        entry,
        exit_,
        VehicleClass(args.vehicle_class),
        lost_ticket=args.lost,
        monthly_pass=args.monthly_pass,
        paid_at=_local(tariff, args.paid_at),
    )
    if args.json:
        print(json.dumps(fee_json(fee), ensure_ascii=False))
    else:
        print(fee_text(fee))
    return 0


def fee_json(fee: Fee) -> dict[str, Any]:
    """``{"fee_fen", "duration_s", "lines": [{key, label_zh, label_en, amount_fen, window}]}``."""
    return {
        "fee_fen": fee.fee_fen,
        "duration_s": fee.duration_s,
        "lines": [asdict(line) for line in fee.lines],
    }


def fee_text(fee: Fee) -> str:
    """The breakdown as an operator reads it, one line each, then the total."""
    rows = [
        f"  {format_fen(line.amount_fen):>9}  {line.label_zh} / {line.label_en}"
        for line in fee.lines
    ]
    zh, en = duration_words(fee.duration_s)
    return "\n".join(
        [f"时长 / Duration {zh} / {en}", *rows, f"停车费 / Fee {format_fen(fee.fee_fen)}"]
    )
