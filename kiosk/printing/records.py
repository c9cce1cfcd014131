"""Plain data the printing side receives: transaction records, card payment facts, totals.

:func:`summarize` counts :class:`TransactionRecord` s for a settlement: approved sales by
mode, by payment path (offline EC / online / cash / refunds; a line of a split sale under
each path that paid a part of it), by product or tariff and by hour; declined and voided
transactions are counted apart and add nothing to the totals.

The checkout/journal side adapts its rows to these classes; nothing here knows the journal.
A :class:`CardPayment` refuses a PAN that is not masked (first 6 + last 4 digits visible),
so a full PAN cannot reach a receipt, a slip or a report.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from kiosk.money import check_fen
from kiosk.printing.errors import PanNotMaskedError, PrintDataError

#: PCI DSS requirement 3.3 / docs/architecture.md "Card data": at most the first 6 and last
#: 4 digits shown, 13-19 characters in all.
_MASKED_PAN = re.compile(r"\d{6}[*xX]{3,9}\d{4}")
_HEX = re.compile(r"(?:[0-9A-F]{2})+")


class SaleMode(StrEnum):
    TICKET = "ticket"
    MARKET = "market"
    PARKING = "parking"


class PaymentPath(StrEnum):
    """How a sale was paid (PBOC 3.0 part 13: EC offline) or that it was a refund."""

    OFFLINE_EC = "offline_ec"
    OFFLINE = "offline"  # a contact TC on the debit/credit application, not EC
    ONLINE = "online"
    CASH = "cash"
    REFUND = "refund"


class TxStatus(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"
    VOIDED = "voided"


class CryptogramType(StrEnum):
    """EMV Book 3, 6.5.5 (9F27): the card's answer to GENERATE AC."""

    TC = "TC"
    ARQC = "ARQC"
    AAC = "AAC"


def check_masked_pan(pan: str) -> str:
    """Return ``pan`` if it is masked (6 + 4 digits visible); else raise PanNotMaskedError.

    The error never carries the value it refused.
    """
    if not _MASKED_PAN.fullmatch(pan) or not 13 <= len(pan) <= 19:
        raise PanNotMaskedError("receipts take a masked PAN only (first 6 + last 4 digits)")
    return pan


@dataclass(frozen=True)
class CardPayment:
    """The card facts printed on a receipt; tags per EMV 4.3 Book 3, Annex A."""

    masked_pan: str
    aid: str  # 4F/84, hex
    app_label: str  # 50
    cryptogram_type: CryptogramType  # 9F27
    cryptogram: str  # 9F26, 16 hex digits
    atc: int  # 9F36
    reference: str  # host reference number, or the terminal's for offline approvals
    electronic_cash: bool = False  # PBOC EC offline purchase (9F74 present)
    ec_balance_fen: int | None = None  # 9F79 after the purchase, when the card returned it
    auth_code: str = ""  # 89, or "Y1" for an offline approval

    def __post_init__(self) -> None:
        check_masked_pan(self.masked_pan)
        if not _HEX.fullmatch(self.aid) or not 10 <= len(self.aid) <= 32:
            raise PrintDataError("AID must be 5-16 bytes in upper-case hex", code="printer.aid")
        if not _HEX.fullmatch(self.cryptogram) or len(self.cryptogram) != 16:
            raise PrintDataError("cryptogram must be 8 bytes in hex", code="printer.cryptogram")
        if not 0 <= self.atc <= 0xFFFF:
            raise PrintDataError("ATC must fit two bytes", code="printer.atc")
        if self.ec_balance_fen is not None:
            check_fen(self.ec_balance_fen, allow_zero=True)


@dataclass(frozen=True)
class TransactionRecord:
    """One journal transaction, as the settlement reports count it."""

    time: datetime
    mode: SaleMode
    path: PaymentPath
    product: str  # product, item or tariff name
    amount_fen: int  # positive; a refund is a REFUND record with its positive amount
    status: TxStatus = TxStatus.APPROVED
    #: A line paid by more than one tender (a split sale: card part + cash): its amount by
    #: path, adding up to ``amount_fen``. Empty: all of it under ``path``.
    parts: tuple[tuple[PaymentPath, int], ...] = ()

    def by_path(self) -> tuple[tuple[PaymentPath, int], ...]:
        """The line's amount by the path that paid each part."""
        return self.parts or ((self.path, self.amount_fen),)


@dataclass(frozen=True)
class Total:
    """A count of transactions and their amount."""

    count: int = 0
    amount_fen: int = 0

    def __add__(self, other: Total) -> Total:
        return Total(self.count + other.count, self.amount_fen + other.amount_fen)


@dataclass(frozen=True)
class Period:
    """The report's time window, ``start`` inclusive, ``end`` exclusive."""

    start: datetime
    end: datetime

    def __contains__(self, when: datetime) -> bool:
        return self.start <= when < self.end


@dataclass
class Summary:
    """The totals a settlement report shows; amounts in fen."""

    sales: Total = field(default_factory=Total)
    refunds: Total = field(default_factory=Total)
    declined: Total = field(default_factory=Total)
    voided: Total = field(default_factory=Total)
    by_mode: dict[SaleMode, Total] = field(default_factory=lambda: defaultdict(Total))
    by_path: dict[PaymentPath, Total] = field(default_factory=lambda: defaultdict(Total))
    by_product: dict[str, Total] = field(default_factory=lambda: defaultdict(Total))
    by_hour: list[Total] = field(default_factory=lambda: [Total()] * 24)

    @property
    def net_fen(self) -> int:
        return self.sales.amount_fen - self.refunds.amount_fen


def summarize(records: Iterable[TransactionRecord], period: Period) -> Summary:
    """Count the records inside ``period``; raise PrintDataError for a negative amount or
    for times that cannot be compared with the period (naive against aware)."""
    s = Summary()
    for r in records:
        try:
            if r.time not in period:
                continue
        except TypeError as exc:  # comparing naive with aware datetimes
            raise PrintDataError(
                "record times and the period must both be timezone-aware (or both naive)",
                code="printer.report_time",
            ) from exc
        if r.amount_fen < 0:
            raise PrintDataError(
                "record amounts are positive fen; refunds use the REFUND path",
                code="printer.report_amount",
            )
        if r.parts and sum(fen for _, fen in r.parts) != r.amount_fen:
            raise PrintDataError(
                "a record's parts must add up to its amount", code="printer.report_parts"
            )
        one = Total(1, r.amount_fen)
        if r.status is TxStatus.DECLINED:
            s.declined += one
        elif r.status is TxStatus.VOIDED:
            s.voided += one
        elif r.path is PaymentPath.REFUND:
            s.refunds += one
            s.by_path[r.path] += one
        else:
            s.sales += one
            # a split line counts once under each path that paid part of it
            for path, fen in r.by_path():
                s.by_path[path] += Total(1, fen)
            s.by_mode[r.mode] += one
            s.by_product[r.product] += one
            s.by_hour[r.time.hour] += one
    return s
