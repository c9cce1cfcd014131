"""``kiosk market-sell``: one market sale without the UI, through the path the counter takes.

    kiosk market-sell --item PLU@GRAMS | PLU[:COUNT] [--item ...]
                      (--sim PROFILE [--tap] | --reader NAME | --cash TENDERED) [--json]

The terminal is built as ``kiosk run --mode market`` builds it; the basket from the
market catalog (weighed items need ``@GRAMS``, as the scale would give them), then the
card with the subsidy rules, or cash (``--cash 50``, yuan), and the receipt from the
journal. Output and exit status as ``kiosk sell``'s.
"""

from __future__ import annotations

import argparse
import json
import re
from typing import Any

from kiosk.checkout.sell import (
    NOT_PAID,
    PAID,
    PAID_UNPRINTED,
    describe_sale,
    headless_settings,
    sale_line,
)
from kiosk.checkout.terminal import build_services
from kiosk.config import Mode
from kiosk.money import parse_fen
from kiosk.payment.reader import Interface
from kiosk.sales.market import Basket

__all__ = ["register", "run_market_sell"]

_ITEM = re.compile(r"(?P<plu>\d{1,6})(?:@(?P<grams>\d+)|:(?P<count>\d+))?")


def _item(text: str) -> tuple[str, int | None, int]:
    match = _ITEM.fullmatch(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(f"{text!r}: expected PLU@GRAMS or PLU[:COUNT]")
    grams = int(match["grams"]) if match["grams"] else None
    return match["plu"], grams, int(match["count"] or 1)


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "market-sell",
        help="sell at the market counter headless: basket, card or cash, receipt, journal",
        description="One market sale through checkout, as the counter makes it.",
    )
    parser.add_argument(
        "--item", dest="items", action="append", required=True, type=_item,
        metavar="PLU@GRAMS|PLU[:COUNT]", help="a weighed (@grams) or counted item; repeat",
    )  # fmt: skip
    tender = parser.add_mutually_exclusive_group(required=True)
    tender.add_argument("--sim", metavar="PROFILE", help="the in-process simulated card")
    tender.add_argument("--reader", metavar="NAME", help="a PC/SC reader")
    tender.add_argument("--cash", metavar="YUAN", help="cash tendered, e.g. 50")
    parser.add_argument("--tap", action="store_true", help="present the simulated card by tap")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run_market_sell)


def run_market_sell(args: argparse.Namespace) -> int:
    settings = headless_settings(args, Mode.MARKET, unattended=False)
    services = build_services(settings)
    try:
        desk = services.market_desk()
        basket = Basket()
        for plu, grams, count in args.items:
            item = desk.catalog.item(plu)
            if grams is None:
                basket.add_count(item, count)
            else:
                basket.add_weighed(item, grams)
        draft = basket.draft()
        if args.cash:
            result = desk.pay_cash(draft, parse_fen(args.cash), actor="cli")
        else:
            if args.tap and services.sim_reader is not None:
                services.sim_reader.interface = Interface.CONTACTLESS
            result = desk.pay_card(draft, actor="cli")
        report = describe_sale(services.store, result, result.draft or draft)
    finally:
        services.dispose()
    print(
        json.dumps(report, ensure_ascii=False, sort_keys=True) if args.json else sale_line(report)
    )
    if report["status"] != "paid":
        return NOT_PAID
    return PAID_UNPRINTED if report["unprinted"] else PAID
