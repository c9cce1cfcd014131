"""Printing from the journal: a print job's rows become a slip on the configured printer.

:class:`JournalPrinter` is checkout's :class:`~kiosk.checkout.printing.JobPrinter`: it
renders a :class:`PrintJobView` (receipt, or one ticket of an order line) with the
printing package's layouts and sends it through a printer service (a real ESC/POS
printer or the demo's preview). Tickets carry a signed token in their QR code; the
ticket id is the print job's id, unique in this terminal's journal.
"""

from __future__ import annotations

import binascii
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from kiosk.checkout.printing import PrintJobView
from kiosk.config import Settings
from kiosk.errors import ConfigError
from kiosk.journal.models import Order, OrderLine, Payment
from kiosk.journal.store import utcnow
from kiosk.money import format_fen
from kiosk.printing.document import Document, PaperWidth
from kiosk.printing.errors import PrintDataError
from kiosk.printing.escpos import PrinterProfile
from kiosk.printing.layouts import (
    Lang,
    LineItem,
    ParkingExitData,
    ReceiptData,
    SlipHeader,
    TicketData,
    label,
    parking_exit,
    receipt,
    ticket,
)
from kiosk.printing.printer import PreviewPrinter, Printer, PrinterService, open_printer
from kiosk.printing.records import CardPayment, CryptogramType
from kiosk.sales.tickets import CHINA
from kiosk.sales.tokens import (
    DEMO_KEY,
    Ticket,
    TicketKey,
    issue_token,
    load_keys,
    production_keys,
)

#: 9F27 bits 8-7 (EMV Book 3 §6.5.5.4): the kind of cryptogram the card returned.
_CID_TYPES = {0x00: CryptogramType.AAC, 0x40: CryptogramType.TC, 0x80: CryptogramType.ARQC}


@dataclass(frozen=True)
class SlipSettings:
    """What every slip needs besides the job: who prints it, in which language and width."""

    merchant_name: str
    terminal_id: str
    lang: Lang
    width: PaperWidth
    ticket_key: TicketKey
    #: Demo mode: every slip says DEMO (the demo key signs its tickets).
    demo: bool = False


def card_payment(payment: Payment | None, reference: str) -> CardPayment | None:
    """The receipt's card block, or None when the payment carries no card data to show."""
    if payment is None or not payment.pan_masked or not payment.cryptogram:
        return None
    cid = int(payment.cid or "00", 16) & 0xC0
    return CardPayment(
        masked_pan=payment.pan_masked,
        aid=payment.aid.upper(),
        app_label=payment.app_label,
        cryptogram_type=_CID_TYPES.get(cid, CryptogramType.AAC),
        cryptogram=payment.cryptogram.upper(),
        atc=payment.atc or 0,
        reference=reference,
        electronic_cash=payment.path == "ec_offline",
        ec_balance_fen=payment.ec_balance_after_fen,
        auth_code=payment.response_code,
    )


def ticket_validity(line: OrderLine) -> tuple[datetime, datetime]:
    """The ticket's window: its time slot on the visit day, else the whole day (China time)."""
    day = date.fromisoformat(line.meta.get("visit_day") or "1970-01-01")
    slot = line.meta.get("slot") or ""
    if slot:
        start_text, end_text = slot.split("–")
        start, end = time.fromisoformat(start_text), time.fromisoformat(end_text)
        return (datetime.combine(day, start, CHINA), datetime.combine(day, end, CHINA))
    midnight = datetime.combine(day, time(0), CHINA)
    return midnight, midnight + timedelta(days=1)


def ticket_number(terminal_id: str, job_id: int) -> int:
    """A ticket id unique across the site's terminals: 16 bits of the terminal, 32 of the job.

    The print job id alone is unique only in one terminal's journal; gates keep one
    used-ticket registry for every kiosk whose key they hold, so two kiosks must never issue
    the same id. CRC-16 of the terminal id keeps the token short (the id field is 48 bits);
    ``kiosk doctor``-style site checks should keep terminal ids whose CRCs differ.
    """
    return (binascii.crc_hqx(terminal_id.encode("ascii"), 0) << 32) | (job_id & 0xFFFF_FFFF)


def render_job(job: PrintJobView, slip: SlipSettings, *, now: datetime) -> Document:
    """The document for ``job``; raises PrintDataError when the rows cannot make one.

    Slips show China time, the customer's clock, whatever the machine's zone."""
    now = now.astimezone(CHINA)
    order = job.order
    if order is None:
        raise PrintDataError(f"print job {job.job_id} has no order", code="printer.no_data")
    kind, _, rest = job.kind.partition(":")
    reprint = job.attempt > 1 or rest == "reprint"
    header = SlipHeader(slip.merchant_name, slip.terminal_id, now, reprint=reprint, demo=slip.demo)
    if kind == "receipt" and order.mode == "parking":
        return parking_exit(
            _parking_data(order, job.payment, header, slip.lang), slip.width, slip.lang
        )
    if kind == "receipt":
        return receipt(_receipt_data(order, job.payment, header), slip.width, slip.lang)
    if kind == "ticket":
        position = int(rest.split(":")[0])
        line = next(li for li in order.lines if li.position == position)
        valid_from, valid_until = ticket_validity(line)
        ticket_id = ticket_number(slip.terminal_id, job.job_id)
        token = issue_token(Ticket(ticket_id, line.sku, valid_from, valid_until), slip.ticket_key)
        data = TicketData(
            header,
            line.name,
            ticket_id,
            valid_from,
            valid_until,
            line.unit_price_fen,
            token,
            note=line.meta.get("note", ""),
        )
        return ticket(data, slip.width, slip.lang)
    raise PrintDataError(f"unknown print job kind {job.kind!r}", code="printer.no_data")


def line_detail(line: OrderLine) -> str:
    """The receipt's detail under a line: ``2 × ¥3.00``, or for a weighed line its weight,
    unit price and unit (``2.500斤 × ¥4.80/斤``) so a customer can check the sum."""
    grams, unit = line.meta.get("grams"), line.meta.get("unit", "")
    if grams is None:
        return f"{line.quantity} × {format_fen(line.unit_price_fen)}"
    per = 500 if unit == "斤" else 1000
    weight = f"{grams // per}.{grams % per * 1000 // per:03d}"
    return f"{weight}{unit} × {format_fen(line.meta['price_fen'])}/{unit}"


def tender_rows(payment: Payment | None) -> tuple[tuple[str, int], ...]:
    """The receipt's cash rows of a market sale (``card_data["tenders"]``, see
    :mod:`kiosk.checkout.tenders`): cash paid, tendered and change."""
    rows: list[tuple[str, int]] = []
    for tender in (payment.card_data or {}).get("tenders", []) if payment else []:
        if tender["kind"] == "cash":
            rows += [
                ("path.cash", tender["fen"]),
                ("tendered", tender["tendered_fen"]),
                ("change", tender["change_fen"]),
            ]
    return tuple(rows)


def _receipt_data(order: Order, payment: Payment | None, header: SlipHeader) -> ReceiptData:
    items = tuple(LineItem(li.name, li.amount_fen, detail=line_detail(li)) for li in order.lines)
    return ReceiptData(
        header,
        order.reference,
        items,
        order.total_fen,
        discount_fen=order.discount_fen,
        payment=card_payment(payment, order.reference),
        tenders=tender_rows(payment),
    )


def _parking_data(
    order: Order, payment: Payment | None, header: SlipHeader, lang: Lang
) -> ParkingExitData:
    """The exit receipt from the order's one line, whose ``meta["parking"]`` the parking desk
    wrote (:func:`kiosk.checkout.parking.fee_meta`): stay, tariff and the fee's breakdown."""
    stay = order.lines[0].meta["parking"]
    return ParkingExitData(
        header,
        stay["plate"] or label("no_plate", lang),
        datetime.fromisoformat(stay["entered_at"]).astimezone(CHINA),
        datetime.fromisoformat(stay["exit_at"]).astimezone(CHINA),
        stay["tariff_zh"] if lang is Lang.ZH else stay["tariff_en"],
        order.total_fen,
        card_payment(payment, order.reference),
        tuple(
            (line["label_zh"] if lang is Lang.ZH else line["label_en"], line["amount_fen"])
            for line in stay["lines"]
        ),
        order.reference,
        tender_rows(payment),
    )


class JournalPrinter:
    """Checkout's printer: renders jobs from journal rows and prints them on a service."""

    def __init__(
        self, service: PrinterService, slip: SlipSettings, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.service, self.slip, self.clock = service, slip, clock

    def ready(self) -> None:
        self.service.ready_for_sale()

    def print_job(self, job: PrintJobView) -> None:
        self.service.print_document(render_job(job, self.slip, now=self.clock()))


def ticket_key(settings: Settings) -> TicketKey:
    """The key this terminal signs tickets with: the first of ``terminal.ticket_key_file``,
    or the demo key in demo mode (a production terminal without a key file is refused)."""
    if settings.terminal.ticket_key_file:
        path = Path(settings.terminal.ticket_key_file)
        keys = load_keys(path) if settings.demo else production_keys(load_keys(path), source=path)
        key_id = min(keys)
        return TicketKey(key_id, keys[key_id])
    if settings.demo:
        return DEMO_KEY
    raise ConfigError(
        "terminal.ticket_key_file is required outside demo mode",
        code="config.value",
        key="terminal.ticket_key_file",
    )


def printer_from_settings(settings: Settings) -> JournalPrinter:
    """The configured printer, ready for checkout."""
    width = PaperWidth.MM58 if settings.printer.width_mm == 58 else PaperWidth.MM80
    profile = PrinterProfile(width=width, chinese_font=settings.printer.chinese_font)
    service: Printer | PreviewPrinter = open_printer(
        settings.printer.url, profile, status_timeout=settings.printer.status_timeout_s
    )
    slip = SlipSettings(
        settings.terminal.merchant_name,
        settings.terminal.id,
        Lang.of(settings.ui.language),
        width,
        ticket_key(settings),
        demo=settings.demo,
    )
    return JournalPrinter(service, slip)
