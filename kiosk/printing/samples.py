"""Sample slips for ``kiosk print-test``, the demo's printer preview and the benchmark.

The card data are made up and the PAN is masked like any real one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from kiosk.printing.document import Document, PaperWidth
from kiosk.printing.layouts import (
    Lang,
    LineItem,
    ReceiptData,
    SlipHeader,
    TicketData,
    receipt,
    ticket,
)
from kiosk.printing.records import CardPayment, CryptogramType
from kiosk.sales.tokens import Ticket, TicketKey, issue_token

SAMPLE_PAYMENT = CardPayment(
    masked_pan="623456******0017",
    aid="A000000333010101",
    app_label="PBOC DEBIT",
    cryptogram_type=CryptogramType.TC,
    cryptogram="8A3F11C0D2E4B697",
    atc=0x0031,
    reference="000123456789",
    electronic_cash=True,
    ec_balance_fen=38_650,
    auth_code="Y1",
)


def sample_receipt(width: PaperWidth, lang: Lang, now: datetime) -> Document:
    """A ticket-kiosk receipt: two products, a card discount, an EC offline payment;
    marked TEST."""
    data = ReceiptData(
        header=SlipHeader(
            "青山景区售票处" if lang is Lang.ZH else "Green Hill Ticket Office",
            "T0001",
            now,
            test=True,
        ),
        order_no="20261127-000042",
        items=(
            LineItem("成人票 Adult", 12_000, "2 × ¥60.00"),
            LineItem("儿童票 Child", 3_000, "1 × ¥30.00"),
        ),
        discount_fen=1_500,
        total_fen=13_500,
        payment=SAMPLE_PAYMENT,
    )
    return receipt(data, width, lang)


def sample_ticket(width: PaperWidth, lang: Lang, now: datetime, key: TicketKey) -> Document:
    """An adult ticket for the next 8 hours, marked TEST on paper and in its signed token
    (bit 7 of the version byte), so that no gate admits it."""
    start = now.replace(microsecond=0)
    end = start + timedelta(hours=8)
    token = issue_token(Ticket(4242, "ADULT", start, end, test=True), key)
    data = TicketData(
        header=SlipHeader(
            "青山景区" if lang is Lang.ZH else "Green Hill Park", "T0001", now, test=True
        ),
        product_name="成人票" if lang is Lang.ZH else "Adult",
        ticket_id=4242,
        valid_from=start,
        valid_until=end,
        price_fen=6_000,
        token=token,
    )
    return ticket(data, width, lang)
