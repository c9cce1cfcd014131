"""``kiosk sell``: one whole sale without the UI, through the very path the screens take.

    kiosk sell --item CODE[:QTY][@HH:MM] [--item ...] (--sim PROFILE | --reader NAME) [--json]

The terminal is built as ``kiosk run`` builds it (:func:`kiosk.checkout.terminal.build_services`:
journal with start-up recovery, printer or preview, card provider), with the reader
replaced by ``--sim`` (the in-process card simulator, its state under
``<data_dir>/cards``) or ``--reader`` (PC/SC). Then, as the ticket screens do: the
health check (printer, reader, journal), the order from the catalog with its quotas
(``@HH:MM`` picks the entry slot of a timed ticket), the payment with the card discount,
tickets and receipt printed from the journal.

One JSON object (``--json``) or one line says what happened. Exit status: 0 paid and
every document printed, 1 not paid (declined, aborted, uncertain, or the terminal cannot
sell now), 3 paid with documents left queued for ``kiosk reprint --pending``; a
``KioskError`` before the sale (bad item, bad settings) is one line on stderr and 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
from datetime import time
from typing import Any

from sqlalchemy import select

from kiosk.checkout import CheckoutResult, PaymentState
from kiosk.checkout.terminal import KioskServices, build_services
from kiosk.cli_support import load_from_args
from kiosk.config import Mode, Settings
from kiosk.journal.models import PrintJob
from kiosk.journal.store import JournalStore
from kiosk.sales.order import OrderDraft
from kiosk.sales.tickets import Catalog, SaleError, TimeSlot, today_in_china

__all__ = ["ItemChoice", "describe_sale", "parse_item", "register", "run_sell", "sale_line"]

PAID, NOT_PAID, PAID_UNPRINTED = 0, 1, 3
_ITEM = re.compile(r"(?P<code>[A-Z0-9_]+)(?::(?P<qty>\d+))?(?:@(?P<slot>\d{1,2}:\d{2}))?")


@dataclasses.dataclass(frozen=True)
class ItemChoice:
    """One ``--item``: a catalog code, how many, and the entry slot's start for timed tickets."""

    code: str
    quantity: int = 1
    slot_start: time | None = None


def parse_item(text: str) -> ItemChoice:
    """``CODE[:QTY][@HH:MM]`` -> ItemChoice; argparse reports a ValueError as a usage error."""
    match = _ITEM.fullmatch(text.strip().upper())
    if match is None or match["qty"] == "0":
        raise argparse.ArgumentTypeError(f"{text!r}: expected CODE[:QTY][@HH:MM], QTY >= 1")
    start = time.fromisoformat(match["slot"].zfill(5)) if match["slot"] else None
    return ItemChoice(match["code"], int(match["qty"] or 1), start)


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "sell",
        help="sell tickets headless: order, card, tickets and receipt, journal",
        description="One whole sale through checkout, as the kiosk's screens make it.",
    )
    parser.add_argument(
        "--item",
        dest="items",
        action="append",
        required=True,
        type=parse_item,
        metavar="CODE[:QTY][@HH:MM]",
        help="a ticket from the catalog (e.g. ADULT:2, NIGHT@18:30); repeat for more",
    )
    card = parser.add_mutually_exclusive_group(required=True)
    card.add_argument("--sim", metavar="PROFILE", help="the in-process simulated card")
    card.add_argument("--reader", metavar="NAME", help="a PC/SC reader (see kiosk doctor)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(func=run_sell)


def run_sell(args: argparse.Namespace) -> int:
    settings = headless_settings(args, Mode.TICKET)
    services = build_services(settings)
    try:
        report, status = _sell(services, args.items)
    finally:
        services.dispose()
    if args.json:
        print(json.dumps(report, ensure_ascii=False, sort_keys=True))
    else:
        print(_line(report))
    return status


def headless_settings(args: argparse.Namespace, mode: Mode, **terminal: Any) -> Settings:
    """The configured settings for one headless sale in ``mode`` on the reader the command
    line names (``--reader`` NAME, else the simulated card ``--sim``, debit-ec by default),
    with ``terminal`` changes (e.g. ``unattended=False`` at a counter)."""
    settings = load_from_args(args)
    reader = f"pcsc:{args.reader}" if args.reader else f"sim:{args.sim or 'debit-ec'}"
    return dataclasses.replace(
        settings,
        payment=dataclasses.replace(settings.payment, reader=reader),
        terminal=dataclasses.replace(settings.terminal, mode=mode, **terminal),
    )


def _sell(services: KioskServices, items: list[ItemChoice]) -> tuple[dict[str, Any], int]:
    """Health check, order, payment and printing, as the ticket screens run them."""
    problems = services.health()
    if problems:
        return {"status": "out_of_service", "problems": list(problems)}, NOT_PAID
    services.begin_sale()
    day = today_in_china(services.clock())
    cart, slots = _cart(services.catalog, items)
    draft = services.catalog.order(cart, visit_day=day, slot=slots, sold=services.sold_on(day))
    result = services.pay(draft, progress=lambda _stage: None, cancelled=lambda: False)
    report = _report(result, result.draft or draft, _documents(services.store, result.order_id))
    if report["status"] != "paid":
        return report, NOT_PAID
    return report, PAID_UNPRINTED if result.unprinted else PAID


def _cart(catalog: Catalog, items: list[ItemChoice]) -> tuple[dict[str, int], dict[str, TimeSlot]]:
    """Counts per code and the chosen slots, as the products screen hands them over."""
    cart: dict[str, int] = {}
    slots: dict[str, TimeSlot] = {}
    for item in items:
        cart[item.code] = cart.get(item.code, 0) + item.quantity
        product = catalog.by_code.get(item.code)
        if item.slot_start is None or product is None:
            continue  # the catalog says what is missing (sale.unknown_product, slot_required)
        slot = next((s for s in product.slots if s.start == item.slot_start), None)
        if slot is None:
            raise SaleError(
                f"{item.code}: no entry slot starts at {item.slot_start:%H:%M}",
                code="sale.slot_unknown",
            )
        slots[item.code] = slot
    return cart, slots


def _documents(store: JournalStore, order_id: int) -> list[dict[str, str]]:
    """The order's print jobs from the journal: what was printed and what waits."""
    with store.read() as session:
        jobs = session.scalars(
            select(PrintJob).where(PrintJob.order_id == order_id).order_by(PrintJob.id)
        )
        return [{"kind": j.kind, "status": j.status.value, "error": j.last_error} for j in jobs]


def _report(
    result: CheckoutResult, draft: OrderDraft, documents: list[dict[str, str]]
) -> dict[str, Any]:
    """The JSON object: the order as charged, the payment, the card (masked) and the paper."""
    outcome = result.outcome
    paid = result.state in (PaymentState.APPROVED, PaymentState.SETTLED)
    return {
        "status": "paid" if paid else result.state.value,
        "order": result.order_id,
        "reference": result.reference,
        "payment": result.payment_id,
        "state": result.state.value,
        "reason": result.reason,
        "lines": [
            {"code": li.sku, "quantity": li.quantity, "unit_price_fen": li.unit_price_fen}
            | ({"slot": li.meta["slot"]} if li.meta.get("slot") else {})
            for li in draft.lines
        ],
        "discount_fen": draft.discount_fen,
        "total_fen": draft.total_fen,
        "card": None
        if outcome is None
        else {
            "path": outcome.path,
            "interface": outcome.interface,
            "aid": outcome.aid,
            "pan_masked": outcome.pan_masked,
            "atc": outcome.atc,
            "response_code": outcome.response_code,
            "ec_balance_after_fen": outcome.ec_balance_after_fen,
        },
        "documents": documents,
        "unprinted": result.unprinted,
        "print_error": result.print_error,
    }


def _line(report: dict[str, Any]) -> str:
    """The report as one line for a person."""
    if report["status"] == "out_of_service":
        return "out_of_service " + " ".join(report["problems"])
    words = [report["status"], report["reference"], f"total={report['total_fen']}"]
    if report["reason"]:
        words.append(f"reason={report['reason']}")
    words += [f"{d['kind']}={d['status']}" for d in report["documents"]]
    return " ".join(words)


def describe_sale(store: JournalStore, result: CheckoutResult, draft: OrderDraft) -> dict[str, Any]:
    """The JSON report of a sale with its documents from the journal (also
    ``kiosk market-sell``'s)."""
    return _report(result, draft, _documents(store, result.order_id))


#: The report as one line for a person.
sale_line = _line
