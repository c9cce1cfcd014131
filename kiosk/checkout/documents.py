"""Checkout's printer: journal rows -> printing's documents -> the configured printer.

Implements :class:`kiosk.checkout.printing.JobPrinter` over
:class:`kiosk.printing.printer.PrinterService`. Job kinds (see ``Checkout._queue_documents``):
``receipt`` (``receipt:reprint`` for an operator's copy), ``ticket:<line>:<n>`` (the n-th
ticket of an order line) and ``shift_close:<seq>`` (the slip of journal entry ``seq``).

Ticket ids are derived from the order reference, line and number (SHA-256, 47 bits), not
from the print job: a ticket printed again is the *same* ticket, so the gate still admits it
once. Reference numbers are terminal-unique, so ids differ between terminals too.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path

from kiosk.checkout.printing import PrintJobView
from kiosk.config import Settings
from kiosk.errors import ConfigError, KioskError
from kiosk.journal.models import Order, Payment
from kiosk.journal.store import JournalStore
from kiosk.money import format_fen
from kiosk.printing.document import Document, PaperWidth
from kiosk.printing.escpos import PrinterProfile
from kiosk.printing.layouts import (
    Lang,
    LineItem,
    ReceiptData,
    ShiftCloseData,
    SlipHeader,
    TicketData,
    receipt,
    shift_close,
    ticket,
)
from kiosk.printing.printer import PrinterService, open_printer
from kiosk.printing.records import CardPayment, CryptogramType, PaymentPath, SaleMode, Total
from kiosk.sales.tickets import CHINA, Catalog
from kiosk.sales.tokens import DEMO_KEY, Ticket, TicketKey, issue_token, load_keys

#: 9F27 bits 8-7 (EMV Book 3 §6.5.5.4): 00 AAC, 01 TC, 10 ARQC.
_CID_TYPES = {0x00: CryptogramType.AAC, 0x40: CryptogramType.TC, 0x80: CryptogramType.ARQC}
_OFFLINE_PATHS = ("ec_offline", "qpboc_offline")


def ticket_id(reference: str, position: int, number: int) -> int:
    """The id signed into ticket ``number`` of order line ``position`` (stable on reprint)."""
    digest = hashlib.sha256(f"{reference}:{position}:{number}".encode()).digest()
    return int.from_bytes(digest[:6], "big") >> 1


def validity(visit_day: str, slot: str) -> tuple[datetime, datetime]:
    """The ticket's window in China time: the whole visit day, or its ``HH:MM–HH:MM`` slot."""
    day = date.fromisoformat(visit_day)
    if not slot:
        start = datetime.combine(day, time(0), CHINA)
        return start, start + timedelta(days=1)
    first, last = (time.fromisoformat(t) for t in slot.split("–"))
    return datetime.combine(day, first, CHINA), datetime.combine(day, last, CHINA)


class JournalDocuments:
    """Renders print jobs from the journal and sends them to ``printer``."""

    def __init__(
        self,
        printer: PrinterService,
        store: JournalStore,
        *,
        merchant: str,
        catalog: Catalog,
        key: TicketKey,
        language: str,
    ) -> None:
        self.printer, self.store, self.merchant = printer, store, merchant
        self.catalog, self.key, self.lang = catalog, key, Lang.of(language)

    def ready(self) -> None:
        """Raise the printer's PrinterNotReadyError when it cannot print now."""
        self.printer.ready_for_sale()

    def print_job(self, job: PrintJobView) -> None:
        self.printer.print_document(self.document(job))

    def document(self, job: PrintJobView) -> Document:
        """The document for ``job``; raises KioskError ``printer.unknown_job`` for a kind
        this adapter does not know (the job stays queued)."""
        kind, _, rest = job.kind.partition(":")
        width = self.printer.profile.width
        if kind == "receipt" and job.order is not None:
            return receipt(
                self._receipt(job.order, job.payment, rest == "reprint"), width, self.lang
            )
        if kind == "ticket" and job.order is not None:
            position, number = (int(x) for x in rest.split(":"))
            return ticket(self._ticket(job.order, position, number), width, self.lang)
        if kind == "shift_close":
            return shift_close(self._shift(int(rest)), width, self.lang)
        raise KioskError(f"no layout for print job {job.kind!r}", code="printer.unknown_job")

    def _header(self, when: datetime, *, reprint: bool = False) -> SlipHeader:
        return SlipHeader(self.merchant, self.store.terminal_id, when.astimezone(CHINA), reprint)

    def _receipt(self, order: Order, payment: Payment | None, reprint: bool) -> ReceiptData:
        items = tuple(
            LineItem(
                self._name(li.sku, li.name),
                li.amount_fen,
                f"{li.quantity} × {format_fen(li.unit_price_fen)}"
                + (f" {li.meta['slot']}" if li.meta.get("slot") else ""),
            )
            for li in order.lines
        )
        return ReceiptData(
            self._header(order.created_at, reprint=reprint),
            order.reference,
            items,
            order.total_fen,
            order.discount_fen,
            self._card(order, payment),
        )

    def _card(self, order: Order, payment: Payment | None) -> CardPayment | None:
        if payment is None or not payment.pan_masked or payment.atc is None:
            return None
        return CardPayment(
            masked_pan=payment.pan_masked,
            aid=payment.aid,
            app_label=payment.app_label,
            cryptogram_type=_CID_TYPES.get(int(payment.cid or "0", 16) & 0xC0, CryptogramType.AAC),
            cryptogram=payment.cryptogram,
            atc=payment.atc,
            reference=order.reference,
            electronic_cash=payment.path in _OFFLINE_PATHS,
            ec_balance_fen=payment.ec_balance_after_fen,
            auth_code=payment.response_code,
        )

    def _ticket(self, order: Order, position: int, number: int) -> TicketData:
        line = next(li for li in order.lines if li.position == position)
        start, end = validity(line.meta["visit_day"], line.meta.get("slot", ""))
        tid = ticket_id(order.reference, position, number)
        product = self.catalog.by_code.get(line.sku)
        note = ""
        if product is not None:
            note = product.note_zh if self.lang is Lang.ZH else product.note_en
        return TicketData(
            self._header(order.created_at),
            self._name(line.sku, line.name),
            tid,
            start,
            end,
            line.unit_price_fen,
            issue_token(Ticket(tid, line.sku, start, end), self.key),
            note,
        )

    def _name(self, sku: str, fallback: str) -> str:
        product = self.catalog.by_code.get(sku)
        return product.name("zh_CN" if self.lang is Lang.ZH else "en") if product else fallback

    def _shift(self, seq: int) -> ShiftCloseData:
        entry = self.store.entries(after_seq=seq - 1, limit=1)[0]
        p = entry.payload
        by_path = {PaymentPath(k): Total(int(v[0]), int(v[1])) for k, v in p["by_path"].items()}
        closed = datetime.fromisoformat(entry.ts.replace("Z", "+00:00"))
        opened = datetime.fromisoformat(p["opened"])
        return ShiftCloseData(
            self._header(closed),
            "operator",
            opened.astimezone(CHINA),
            closed.astimezone(CHINA),
            by_path,
            {SaleMode(p["mode"]): Total(int(p["count"]), int(p["amount_fen"]))},
        )


def payment_path(path: str) -> PaymentPath:
    """The receipt/report path for a payment's ``path`` column."""
    return PaymentPath.OFFLINE_EC if path in _OFFLINE_PATHS else PaymentPath.ONLINE


def issuing_key(settings: Settings, environ: Mapping[str, str] = os.environ) -> TicketKey:
    """The key tickets are signed with: the highest key id in ``$KIOSK_TICKET_KEYS``, else
    the demo key on a demo terminal. Raises ConfigError on a production terminal without."""
    path = environ.get("KIOSK_TICKET_KEYS")
    if path:
        keys = load_keys(Path(path))
        key_id = max(keys)
        return TicketKey(key_id, keys[key_id])
    if settings.demo:
        return DEMO_KEY
    raise ConfigError(
        "no ticket key: set KIOSK_TICKET_KEYS to the key file", code="config.ticket_keys"
    )


def printer_from_settings(
    settings: Settings, store: JournalStore, catalog: Catalog
) -> JournalDocuments:
    """The checkout printer for ``settings.printer`` (``preview`` keeps the documents)."""
    profile = PrinterProfile(
        width=PaperWidth(settings.printer.width_mm), chinese_font=settings.printer.chinese_font
    )
    service = open_printer(
        settings.printer.url, profile, status_timeout=settings.printer.status_timeout_s
    )
    return JournalDocuments(
        service,
        store,
        merchant=settings.terminal.merchant_name,
        catalog=catalog,
        key=issuing_key(settings),
        language=settings.ui.language,
    )
