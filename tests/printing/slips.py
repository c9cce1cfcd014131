"""One of each slip, with known data, for the layout and byte-level tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from kiosk.printing.document import Document, PaperWidth
from kiosk.printing.layouts import (
    Lang,
    LineItem,
    ParkingEntryData,
    ParkingExitData,
    ReceiptData,
    RefundSlipData,
    ShiftCloseData,
    SlipHeader,
    SlipKind,
    TicketData,
    parking_entry,
    parking_exit,
    receipt,
    refund_slip,
    shift_close,
    ticket,
)
from kiosk.printing.records import CardPayment, CryptogramType, PaymentPath, SaleMode, Total

FULL_PAN = "6234567890120017"  # the card's PAN: must never reach the bytes
MASKED_PAN = "623456******0017"
T = datetime(2026, 11, 27, 9, 30, 5)
HEADER = SlipHeader("青山农贸市场 Green Hill Market", "T0042", T)

EC_PAYMENT = CardPayment(
    masked_pan=MASKED_PAN,
    aid="A000000333010101",
    app_label="PBOC DEBIT",
    cryptogram_type=CryptogramType.TC,
    cryptogram="0123456789ABCDEF",
    atc=0x0102,
    reference="987654321098",
    electronic_cash=True,
    ec_balance_fen=38_650,
    auth_code="Y1",
)
ONLINE_PAYMENT = CardPayment(
    masked_pan=MASKED_PAN,
    aid="A000000333010102",
    app_label="PBOC CREDIT",
    cryptogram_type=CryptogramType.ARQC,
    cryptogram="FEDCBA9876543210",
    atc=7,
    reference="123450000001",
    auth_code="654321",
)

RECEIPT = ReceiptData(
    header=HEADER,
    order_no="M-000777",
    items=(
        LineItem("青菜 Greens", 450, "1.5斤 × ¥3.00"),
        LineItem("五花肉 Pork belly, hand cut, extra long name", 3_600, "2斤 × ¥18.00"),
    ),
    discount_fen=50,
    total_fen=4_000,
    payment=EC_PAYMENT,
)


def all_slips(width: PaperWidth, lang: Lang) -> dict[str, Document]:
    """Every layout filled with the data above."""
    builders: dict[str, Callable[[], Document]] = {
        "receipt": lambda: receipt(RECEIPT, width, lang),
        "ticket": lambda: ticket(
            TicketData(
                HEADER,
                "学生票 Student",
                17,
                T,
                T.replace(hour=18),
                3_000,
                "ABCDEFGH234567",
                note="凭学生证入园 Student card required",
            ),
            width,
            lang,
        ),
        "parking_entry": lambda: parking_entry(
            ParkingEntryData(HEADER, "粤B·12345", T, token="PARKTOKEN2345"), width, lang
        ),
        "parking_exit": lambda: parking_exit(
            ParkingExitData(
                HEADER,
                "粤B·12345",
                T,
                T.replace(hour=11, minute=45),
                "小车 Car 5元/时",
                1_500,
                ONLINE_PAYMENT,
            ),
            width,
            lang,
        ),
        "refund": lambda: refund_slip(
            RefundSlipData(
                HEADER, SlipKind.REFUND, "987654321098", 450, "C01", "S09", "顾客退货", EC_PAYMENT
            ),
            width,
            lang,
        ),
        "void": lambda: refund_slip(
            RefundSlipData(HEADER, SlipKind.VOID, "123450000001", 4_000, "C01", "S09"), width, lang
        ),
        "shift_close": lambda: shift_close(
            ShiftCloseData(
                HEADER,
                "C01",
                T.replace(hour=6),
                T.replace(hour=14),
                by_path={
                    PaymentPath.OFFLINE_EC: Total(30, 45_000),
                    PaymentPath.ONLINE: Total(5, 90_000),
                    PaymentPath.REFUND: Total(1, 450),
                },
                by_mode={SaleMode.MARKET: Total(35, 135_000)},
                voids=Total(1, 4_000),
            ),
            width,
            lang,
        ),
    }
    return {name: build() for name, build in builders.items()}
