"""The slips the terminal prints, as documents: receipt, ticket, parking entry and exit,
refund/void slip and shift-close slip, on 58 or 80 mm paper, in Chinese or English.

Each layout takes a frozen data class the checkout fills from the journal; amounts are
integer fen printed with :func:`kiosk.money.format_fen`. Receipt contents are the chip data
acquirers ask for on EMV receipts (EMV 4.3 Book 4, cardholder and attendant interface): masked
PAN, AID, application label, cryptogram type and value, ATC; for an electronic-cash purchase
(PBOC 3.0 part 13) the words "electronic cash" and the balance left when the card gave it.
A ``reprint`` flag marks every copy printed again after a failed job.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from PIL import Image

from kiosk.money import format_fen
from kiosk.printing.document import (
    Align,
    Block,
    Columns,
    Cut,
    Document,
    Feed,
    Logo,
    PaperWidth,
    QrCode,
    Separator,
    Size,
    Text,
)
from kiosk.printing.errors import PrintDataError
from kiosk.printing.records import CardPayment, PaymentPath, SaleMode, Total


class Lang(StrEnum):
    ZH = "zh"
    EN = "en"

    @classmethod
    def of(cls, language: str) -> Lang:
        """The slip language for a UI language tag (``zh_CN``, ``zh-Hans``, ``en_US`` ...)."""
        return cls.ZH if language.lower().startswith("zh") else cls.EN


_LABELS: dict[str, tuple[str, str]] = {
    "receipt": ("购物小票", "RECEIPT"),
    "ticket": ("门票", "TICKET"),
    "parking_entry": ("停车入场凭证", "PARKING ENTRY"),
    "parking_exit": ("停车收费凭证", "PARKING RECEIPT"),
    "no_plate": ("无牌车", "No plate"),
    "refund": ("退款凭单", "REFUND SLIP"),
    "void": ("撤销凭单", "VOID SLIP"),
    "shift": ("交班结算单", "SHIFT CLOSE"),
    "reprint": ("*** 重打 ***", "*** REPRINT ***"),
    "demo_note": ("演示模式 未收款 不能入园", "Demo mode: no payment, not valid for entry"),
    "test_note": ("打印测试 不能入园", "Printer test: not valid for entry"),
    "terminal": ("终端号", "Terminal"),
    "time": ("时间", "Time"),
    "order": ("单号", "Order"),
    "subtotal": ("小计", "Subtotal"),
    "discount": ("优惠", "Discount"),
    "total": ("合计", "TOTAL"),
    "card": ("卡号", "Card"),
    "aid": ("AID", "AID"),
    "app": ("应用", "App"),
    "atc": ("ATC", "ATC"),
    "ec": ("电子现金", "Electronic cash"),
    "online": ("银联IC卡", "UnionPay IC card"),
    "balance": ("余额", "Balance"),
    "auth": ("授权码", "Auth code"),
    "reference": ("参考号", "Ref. no."),
    "thanks": ("谢谢惠顾", "Thank you"),
    "ticket_no": ("票号", "Ticket no."),
    "valid": ("有效期", "Valid"),
    "price": ("票价", "Price"),
    "scan_gate": ("请在闸机扫码入场", "Scan the code at the gate"),
    "plate": ("车牌", "Plate"),
    "entry": ("入场", "Entry"),
    "exit": ("出场", "Exit"),
    "duration": ("时长", "Duration"),
    "tariff": ("收费标准", "Tariff"),
    "fee": ("停车费", "Fee"),
    "keep_ticket": ("请妥善保管, 出场时出示", "Keep this ticket for the exit"),
    "original": ("原交易参考号", "Original ref."),
    "amount": ("金额", "Amount"),
    "operator": ("操作员", "Operator"),
    "supervisor": ("主管", "Supervisor"),
    "reason": ("原因", "Reason"),
    "signature": ("签名", "Signature"),
    "cashier": ("收银员", "Cashier"),
    "from": ("开始", "From"),
    "to": ("结束", "To"),
    "sales": ("销售", "Sales"),
    "refunds": ("退款", "Refunds"),
    "voids": ("撤销", "Voids"),
    "net": ("净额", "Net"),
    "checkpoint": ("日志校验码（请保存本单）", "Journal check (keep this slip)"),
    "by_path": ("按支付方式", "By payment path"),
    "by_mode": ("按业务", "By mode"),
    "path.offline_ec": ("电子现金(脱机)", "EC offline"),
    "path.offline": ("借贷记(脱机)", "Debit/credit offline"),
    "path.online": ("联机", "Online"),
    "path.cash": ("现金", "Cash"),
    "tendered": ("实收", "Tendered"),
    "change": ("找零", "Change"),
    "path.refund": ("退款", "Refunds"),
    "mode.ticket": ("门票", "Tickets"),
    "mode.market": ("市场", "Market"),
    "mode.parking": ("停车", "Parking"),
}


def label(key: str, lang: Lang) -> str:
    """The printed label for ``key`` in ``lang``."""
    zh, en = _LABELS[key]
    return zh if lang is Lang.ZH else en


def _when(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class SlipHeader:
    """Who printed the slip and when (every layout starts with it)."""

    merchant_name: str
    terminal_id: str
    time: datetime
    reprint: bool = False
    #: Printed in demo mode: DEMO in large letters at the top and the bottom.
    demo: bool = False
    #: A printer test (``kiosk print-test``): TEST in large letters at the top and the bottom.
    test: bool = False

    def marks(self) -> tuple[tuple[str, str], ...]:
        """(large word, label key of its note) for each marking this slip carries."""
        return tuple(
            mark
            for on, mark in ((self.test, ("TEST", "test_note")), (self.demo, ("DEMO", "demo_note")))
            if on
        )


@dataclass(frozen=True)
class LineItem:
    """A sold item: name, optional detail (``2 × ¥60.00``, ``1.5斤 × ¥4.00``), amount."""

    name: str
    amount_fen: int
    detail: str = ""


@dataclass(frozen=True)
class ReceiptData:
    header: SlipHeader
    order_no: str
    items: tuple[LineItem, ...]
    total_fen: int
    discount_fen: int = 0
    payment: CardPayment | None = None
    logo: Image.Image | None = field(default=None, compare=False)
    #: The market's tender rows: (label key, fen) as ``("path.cash", 500)``,
    #: ``("tendered", 1000)``, ``("change", 500)``.
    tenders: tuple[tuple[str, int], ...] = ()

    def __post_init__(self) -> None:
        subtotal = sum(item.amount_fen for item in self.items)
        if subtotal - self.discount_fen != self.total_fen:
            raise PrintDataError(
                f"items {format_fen(subtotal)} - discount {format_fen(self.discount_fen)}"
                f" != total {format_fen(self.total_fen)}",
                code="printer.total_mismatch",
            )


@dataclass(frozen=True)
class TicketData:
    header: SlipHeader
    product_name: str
    ticket_id: int
    valid_from: datetime
    valid_until: datetime
    price_fen: int
    token: str
    note: str = ""  # what the holder must show at the gate (student card, ID ...)


@dataclass(frozen=True)
class ParkingEntryData:
    header: SlipHeader
    plate: str
    entry_time: datetime
    token: str = ""  # a signed token for the exit scanner, when the lot uses one


@dataclass(frozen=True)
class ParkingExitData:
    header: SlipHeader
    plate: str
    entry_time: datetime
    exit_time: datetime
    tariff_name: str
    fee_fen: int
    payment: CardPayment | None = None
    #: The fee's breakdown in the slip's language: (label, signed fen), caps negative.
    lines: tuple[tuple[str, int], ...] = ()
    order_no: str = ""
    #: Cash rows (translation key, fen): cash paid, tendered, change.
    tenders: tuple[tuple[str, int], ...] = ()


class SlipKind(StrEnum):
    REFUND = "refund"
    VOID = "void"


@dataclass(frozen=True)
class RefundSlipData:
    header: SlipHeader
    kind: SlipKind
    original_reference: str
    amount_fen: int
    operator: str
    supervisor: str
    reason: str = ""
    payment: CardPayment | None = None


@dataclass(frozen=True)
class ShiftCloseData:
    header: SlipHeader
    cashier: str
    opened: datetime
    closed: datetime
    by_path: Mapping[PaymentPath, Total]
    by_mode: Mapping[SaleMode, Total]
    voids: Total = field(default_factory=Total)
    #: The journal's checkpoint at the close (``#seq hash-digits``), to check the journal
    #: against later (``kiosk journal verify --checkpoint``); empty: not printed.
    checkpoint: str = ""


class _Slip:
    """Collects blocks for one layout in one language."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang
        self.blocks: list[Block] = []
        self.marks: tuple[tuple[str, str], ...] = ()

    def t(self, key: str) -> str:
        return label(key, self.lang)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)

    def row(self, key: str, value: str, *, bold: bool = False) -> None:
        self.blocks.append(Columns(self.t(key), value, bold=bold))

    def header(self, header: SlipHeader, title_key: str, logo: Image.Image | None = None) -> None:
        if logo is not None:
            self.add(Logo(logo))
        self.marks = header.marks()
        self.mark()
        self.add(
            Text(header.merchant_name, Align.CENTER, bold=True, size=Size.TALL),
            Text(self.t(title_key), Align.CENTER, bold=True),
        )
        if header.reprint:
            self.add(Text(self.t("reprint"), Align.CENTER, bold=True))
        self.add(Separator())
        self.row("terminal", header.terminal_id)
        self.row("time", _when(header.time))

    def tenders(self, rows: tuple[tuple[str, int], ...]) -> None:
        """Cash paid, tendered and the change (bold)."""
        for key, fen in rows:
            self.row(key, format_fen(fen), bold=key == "change")

    def payment(self, payment: CardPayment | None) -> None:
        if payment is None:
            return
        self.add(Separator())
        self.row("card", payment.masked_pan)
        self.add(Text(self.t("ec") if payment.electronic_cash else self.t("online")))
        self.row("app", payment.app_label)
        self.row("aid", payment.aid)
        self.row("atc", f"{payment.atc:04X}")
        self.add(Columns(payment.cryptogram_type.value, payment.cryptogram))
        if payment.auth_code:
            self.row("auth", payment.auth_code)
        if payment.electronic_cash and payment.ec_balance_fen is not None:
            self.row("balance", format_fen(payment.ec_balance_fen))
        self.row("reference", payment.reference)

    def mark(self) -> None:
        """TEST / DEMO, as large as the printer prints, with what it means."""
        for word, note in self.marks:
            self.add(
                Text(f"*** {word} ***", Align.CENTER, bold=True, size=Size.DOUBLE),
                Text(self.t(note), Align.CENTER, bold=True),
            )

    def document(self, width: PaperWidth, kind: str) -> Document:
        if self.marks:
            self.add(Separator())
            self.mark()
        self.add(Feed(2), Cut())
        return Document(width, tuple(self.blocks), kind)


def receipt(data: ReceiptData, width: PaperWidth, lang: Lang) -> Document:
    """The customer receipt: items, discount, total and the card payment."""
    s = _Slip(lang)
    s.header(data.header, "receipt", data.logo)
    s.row("order", data.order_no)
    s.add(Separator())
    for item in data.items:
        s.add(Columns(item.name, format_fen(item.amount_fen)))
        if item.detail:
            s.add(Text("  " + item.detail))
    s.add(Separator())
    if data.discount_fen:
        s.row("subtotal", format_fen(data.total_fen + data.discount_fen))
        s.row("discount", format_fen(-data.discount_fen))
    s.row("total", format_fen(data.total_fen), bold=True)
    s.tenders(data.tenders)
    s.payment(data.payment)
    s.add(Separator(), Text(s.t("thanks"), Align.CENTER))
    return s.document(width, "receipt")


def ticket(data: TicketData, width: PaperWidth, lang: Lang) -> Document:
    """An admission ticket: product, validity window and the signed QR token."""
    s = _Slip(lang)
    s.header(data.header, "ticket")
    s.add(Separator(), Text(data.product_name, Align.CENTER, bold=True, size=Size.DOUBLE))
    if data.note:
        s.add(Text(data.note, Align.CENTER))
    s.row("ticket_no", f"{data.ticket_id:012d}")
    s.row("price", format_fen(data.price_fen))
    s.add(Text(f"{s.t('valid')}: {_when(data.valid_from)} - {_when(data.valid_until)}"))
    s.add(Feed(), QrCode(data.token), Text(s.t("scan_gate"), Align.CENTER))
    return s.document(width, "ticket")


def parking_entry(data: ParkingEntryData, width: PaperWidth, lang: Lang) -> Document:
    """The ticket a driver takes at the entry."""
    s = _Slip(lang)
    s.header(data.header, "parking_entry")
    s.add(Separator(), Text(data.plate, Align.CENTER, bold=True, size=Size.DOUBLE))
    s.row("entry", _when(data.entry_time))
    if data.token:
        s.add(Feed(), QrCode(data.token))
    s.add(Text(s.t("keep_ticket"), Align.CENTER))
    return s.document(width, "parking_entry")


def _duration(start: datetime, end: datetime, lang: Lang) -> str:
    minutes = max(int((end - start).total_seconds()) // 60, 0)
    h, m = divmod(minutes, 60)
    return f"{h}小时{m}分" if lang is Lang.ZH else f"{h} h {m:02d} min"


def parking_exit(data: ParkingExitData, width: PaperWidth, lang: Lang) -> Document:
    """The exit receipt: stay, tariff, fee and payment."""
    s = _Slip(lang)
    s.header(data.header, "parking_exit")
    s.add(Separator(), Text(data.plate, Align.CENTER, bold=True, size=Size.DOUBLE))
    s.row("entry", _when(data.entry_time))
    s.row("exit", _when(data.exit_time))
    s.row("duration", _duration(data.entry_time, data.exit_time, lang))
    s.row("tariff", data.tariff_name)
    if data.order_no:
        s.row("order", data.order_no)
    if data.lines:
        s.add(Separator())
        for text, fen in data.lines:
            s.add(Columns(text, format_fen(fen)))
        s.add(Separator())
    s.row("fee", format_fen(data.fee_fen), bold=True)
    s.tenders(data.tenders)
    s.payment(data.payment)
    s.add(Separator(), Text(s.t("thanks"), Align.CENTER))
    return s.document(width, "parking_exit")


def refund_slip(data: RefundSlipData, width: PaperWidth, lang: Lang) -> Document:
    """A refund or void slip, with a line for the customer's signature."""
    s = _Slip(lang)
    s.header(data.header, data.kind.value)
    s.row("original", data.original_reference)
    s.row("amount", format_fen(-data.amount_fen), bold=True)
    s.row("operator", data.operator)
    s.row("supervisor", data.supervisor)
    if data.reason:
        s.row("reason", data.reason)
    s.payment(data.payment)
    s.add(Feed(), Text(f"{s.t('signature')}: ____________________"))
    return s.document(width, data.kind.value)


def _totals(s: _Slip, rows: Iterable[tuple[str, Total]]) -> None:
    for key, total in rows:
        s.add(Columns(f"{s.t(key)} ×{total.count}", format_fen(total.amount_fen)))


def shift_close(data: ShiftCloseData, width: PaperWidth, lang: Lang) -> Document:
    """The cashier's shift-close slip: totals by payment path and by mode, and the net."""
    s = _Slip(lang)
    s.header(data.header, "shift")
    s.row("cashier", data.cashier)
    s.row("from", _when(data.opened))
    s.row("to", _when(data.closed))
    s.add(Separator(), Text(s.t("by_path"), bold=True))
    _totals(s, ((f"path.{p}", data.by_path.get(p, Total())) for p in PaymentPath))
    s.add(Separator(), Text(s.t("by_mode"), bold=True))
    _totals(s, ((f"mode.{m}", data.by_mode.get(m, Total())) for m in SaleMode))
    sales = sum((t for p, t in data.by_path.items() if p is not PaymentPath.REFUND), Total())
    refunds = data.by_path.get(PaymentPath.REFUND, Total())
    s.add(Separator())
    _totals(s, (("sales", sales), ("refunds", refunds), ("voids", data.voids)))
    s.row("net", format_fen(sales.amount_fen - refunds.amount_fen), bold=True)
    if data.checkpoint:
        s.add(Separator(), Text(s.t("checkpoint")), Text(data.checkpoint, bold=True))
    return s.document(width, "shift_close")
