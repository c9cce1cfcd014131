"""``kiosk parking``: the parking mode without the UI.

    kiosk parking fee --entry ISO --exit ISO [--class small|large] [--lost] [--pass]
                      [--paid-at ISO] [--tariff FILE] [--json]
    kiosk parking enter [--plate P] [--class C] [--at ISO] [--json]
    kiosk parking exit (--plate P | --ticket TOKEN) [--sim PROFILE | --reader NAME | --cash YUAN]
                       [--lost] [--at ISO] [--json]

``fee`` prints what a stay costs and its breakdown, so an operator can check a disputed fee
by hand: the tariff file given, else the demo's. A time without an offset is read as the
tariff's local time (Asia/Shanghai for the demo). Bad input is one line on stderr, exit 2.

``enter`` and ``exit`` run the terminal as ``kiosk run --mode parking`` builds it, on its
journal: ``exit`` quotes, pays what is owed (the simulated card by default) and lets the car
out; exit status as ``kiosk sell``'s (0 left, 1 not paid, 3 paid with a receipt unprinted).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.checkout.parking import ParkingDesk, Stay
from kiosk.checkout.sell import NOT_PAID, PAID, PAID_UNPRINTED, describe_sale, headless_settings
from kiosk.checkout.terminal import KioskServices, build_services
from kiosk.config import Mode
from kiosk.money import format_fen, parse_fen
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
    parking = sub.add_parser(
        "parking", help="parking headless: a stay's fee, a car in, a car paying and out"
    )
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
    enter = actions.add_parser("enter", help="a car comes in (headless, as the entry screen)")
    enter.add_argument("--plate", help="the plate; none: an entry ticket is printed")
    _stay_options(enter)
    enter.set_defaults(func=run_enter, sim=None, reader=None)
    leave = actions.add_parser("exit", help="a car pays and leaves (headless, as the exit screen)")
    found = leave.add_mutually_exclusive_group(required=True)
    found.add_argument("--plate", help="the plate")
    found.add_argument("--ticket", metavar="TOKEN", help="the entry ticket's token")
    tender = leave.add_mutually_exclusive_group()
    tender.add_argument("--sim", metavar="PROFILE", help="the in-process simulated card")
    tender.add_argument("--reader", metavar="NAME", help="a PC/SC reader")
    tender.add_argument("--cash", metavar="YUAN", help="cash tendered, e.g. 20")
    leave.add_argument("--lost", action="store_true", help="the ticket is lost")
    _stay_options(leave)
    leave.set_defaults(func=run_exit)


def _stay_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--class", dest="vehicle_class", choices=[c.value for c in VehicleClass], default="small"
    )
    parser.add_argument("--at", type=_when, metavar="ISO", help="the time (default: now)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


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


def _desk(args: argparse.Namespace) -> tuple[KioskServices, ParkingDesk, datetime]:
    settings = headless_settings(args, Mode.PARKING, unattended=False)
    services = build_services(settings)
    desk = services.parking_desk()
    at = _local(desk.tariff, args.at) or services.clock()
    return services, desk, at


def _stay_json(stay: Stay) -> dict[str, Any]:
    return {
        "stay": stay.id,
        "plate": stay.plate,
        "ticket": stay.ticket_id,
        "class": stay.vehicle_class.value,
        "state": stay.state.value,
        "entered_at": stay.entered_at.isoformat(),
        "paid_fen": stay.paid_fen,
    }


def _emit(args: argparse.Namespace, report: dict[str, Any], line: str) -> None:
    print(json.dumps(report, ensure_ascii=False, sort_keys=True) if args.json else line)


def run_enter(args: argparse.Namespace) -> int:
    services, desk, at = _desk(args)
    try:
        stay = desk.enter(args.plate, VehicleClass(args.vehicle_class), now=at, actor="cli")
        report = _stay_json(stay) | {"token": "" if stay.plate else desk.entry_token(stay)}
        inside, capacity = desk.occupancy()
    finally:
        services.dispose()
    _emit(args, report | {"inside": inside, "capacity": capacity},
          f"{stay.plate or report['token']} in ({inside}/{capacity})")  # fmt: skip
    return 0


def run_exit(args: argparse.Namespace) -> int:
    """Quote, pay when something is owed (card or ``--cash``), then let the car out."""
    services, desk, at = _desk(args)
    try:
        stay = desk.find(args.plate or args.ticket)
        fee = desk.quote(stay, at, lost=args.lost)
        report: dict[str, Any] = {"fee": fee_json(fee), "status": "left"}
        status = PAID
        if fee.fee_fen:
            draft, _ = desk.draft(stay, at, lost=args.lost)
            if args.cash:
                result = desk.pay_cash(stay, at, parse_fen(args.cash), lost=args.lost, actor="cli")
            else:
                result = desk.pay_card(stay, at, lost=args.lost, actor="cli")
            report["sale"] = describe_sale(services.store, result, result.draft or draft)
            if report["sale"]["status"] != "paid":
                report["status"] = "not_paid"
                status = NOT_PAID
            elif report["sale"]["unprinted"]:
                status = PAID_UNPRINTED
        if status != NOT_PAID:
            stay = desk.leave(stay, at, actor="cli")
        report["stay"] = _stay_json(stay)
    finally:
        services.dispose()
    _emit(
        args, report, f"{stay.plate or stay.ticket_id} {report['status']} {format_fen(fee.fee_fen)}"
    )
    return status
