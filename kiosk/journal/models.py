"""SQLAlchemy 2.0 models of the journal database.

The ``journal_entry`` table is append-only: one row per event, a gapless
per-terminal ``seq`` and a hash chain (``prev_hash`` -> ``hash``). The other tables
hold the current state (orders, payments, print jobs) that the entries describe;
every change to them is made in the same transaction as the entry that records it.
Amounts are integer fen. Card data is stored masked plus a keyed token only.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the journal; pass an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime(), dict: JSON}


class PaymentState(enum.StrEnum):
    """Where a payment stands. See :data:`kiosk.journal.states.TRANSITIONS` for the rules."""

    PENDING = "pending"  # committed before the card was asked to approve
    APPROVED = "approved"
    DECLINED = "declined"  # the card or the issuer said no: nothing charged
    ABORTED = "aborted"  # ended before the card was asked to approve: nothing charged
    UNCERTAIN = "uncertain"  # the card may have approved; reconciliation decides
    SETTLED = "settled"
    VOIDED = "voided"
    REFUNDED = "refunded"


class OrderStatus(enum.StrEnum):
    OPEN = "open"
    PAID = "paid"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class PrintStatus(enum.StrEnum):
    QUEUED = "queued"
    PRINTED = "printed"


class ShiftStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class Terminal(Base):
    """A terminal writing to this journal, with the head of its hash chain."""

    __tablename__ = "terminal"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    created_at: Mapped[datetime]
    #: Sequence number and hash of the newest entry: detects a truncated chain.
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default="")
    #: Highest sequence number the hub has acknowledged.
    synced_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    #: First sequence number hashed under the terminal's key (0: none yet). Entries before
    #: it were written before the chain was keyed (see kiosk.journal.chain).
    keyed_from: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class JournalEntry(Base):
    """One event, never updated or deleted."""

    __tablename__ = "journal_entry"
    __table_args__ = (UniqueConstraint("terminal_id", "seq", name="uq_entry_terminal_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    terminal_id: Mapped[str] = mapped_column(String(16), ForeignKey("terminal.id"))
    seq: Mapped[int] = mapped_column(BigInteger)
    ts: Mapped[str] = mapped_column(String(32))  # ISO 8601 UTC, exactly as hashed
    event: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Shift(Base):
    __tablename__ = "shift"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    terminal_id: Mapped[str] = mapped_column(String(16), ForeignKey("terminal.id"))
    status: Mapped[ShiftStatus] = mapped_column(_enum(ShiftStatus))
    opened_at: Mapped[datetime]
    opened_by: Mapped[str] = mapped_column(String(64))
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(64))


class Order(Base):
    __tablename__ = "sale_order"
    # By terminal and time (reports, reprint) and by time alone (a site's ticket quotas).
    __table_args__ = (
        Index("ix_order_terminal_created", "terminal_id", "created_at"),
        Index("ix_order_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    terminal_id: Mapped[str] = mapped_column(String(16), ForeignKey("terminal.id"))
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shift.id"))
    #: Printed on the receipt and used by ``kiosk reprint``: terminal-unique.
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    mode: Mapped[str] = mapped_column(String(16))
    status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus))
    created_at: Mapped[datetime]
    subtotal_fen: Mapped[int] = mapped_column(BigInteger)
    discount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    total_fen: Mapped[int] = mapped_column(BigInteger)
    meta: Mapped[dict] = mapped_column(JSON, default=dict)

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.position", cascade="all"
    )
    payments: Mapped[list[Payment]] = relationship(back_populates="order", order_by="Payment.id")


class OrderLine(Base):
    __tablename__ = "order_line"
    __table_args__ = (Index("ix_order_line_order", "order_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sale_order.id"))
    position: Mapped[int]
    sku: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(128))
    quantity: Mapped[int]
    unit: Mapped[str] = mapped_column(String(16), default="")
    unit_price_fen: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    meta: Mapped[dict] = mapped_column(JSON, default=dict)

    order: Mapped[Order] = relationship(back_populates="lines")


class Payment(Base):
    """A card payment and what the card and host said. No full PAN, no Track 2, no keys."""

    __tablename__ = "payment"
    # By card (gate taps, settling a torn payment), by order (receipts), by terminal and time
    # (shift and day reports): without these a lookup reads every payment ever taken, and a
    # gate tap's join grows with its square.
    __table_args__ = (
        Index("ix_payment_state", "state"),
        Index("ix_payment_pan_token", "pan_token"),
        Index("ix_payment_order", "order_id"),
        Index("ix_payment_terminal_created", "terminal_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sale_order.id"))
    terminal_id: Mapped[str] = mapped_column(String(16), ForeignKey("terminal.id"))
    state: Mapped[PaymentState] = mapped_column(_enum(PaymentState))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    #: ``ec_offline`` / ``online`` / ``qpboc_offline`` …, known once the card answered.
    path: Mapped[str] = mapped_column(String(24), default="")
    interface: Mapped[str] = mapped_column(String(16), default="")
    aid: Mapped[str] = mapped_column(String(32), default="")
    app_label: Mapped[str] = mapped_column(String(32), default="")
    pan_masked: Mapped[str] = mapped_column(String(24), default="")
    #: Keyed hash of PAN + PSN: matches the same card again without storing the PAN.
    pan_token: Mapped[str] = mapped_column(String(64), default="")
    atc: Mapped[int | None]
    cid: Mapped[str] = mapped_column(String(2), default="")
    cryptogram: Mapped[str] = mapped_column(String(16), default="")
    response_code: Mapped[str] = mapped_column(String(2), default="")
    ec_balance_before_fen: Mapped[int | None] = mapped_column(BigInteger)
    ec_balance_after_fen: Mapped[int | None] = mapped_column(BigInteger)
    #: Set when the card was about to be asked to approve: from then on it may be charged.
    card_committed_at: Mapped[datetime | None]
    #: Stable code of why it was declined / aborted / uncertain (UI maps it to text).
    reason: Mapped[str] = mapped_column(String(64), default="")
    #: Tag -> hex of the data for ISO 8583 field 55 and the kernel's result (TVR, TSI …).
    card_data: Mapped[dict] = mapped_column(JSON, default=dict)

    order: Mapped[Order] = relationship(back_populates="payments")


class PrintJob(Base):
    """A document to print, rendered from the journal; queued until the printer confirms it."""

    __tablename__ = "print_job"
    __table_args__ = (
        Index("ix_print_job_status", "status"),
        Index("ix_print_job_order", "order_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    terminal_id: Mapped[str] = mapped_column(String(16), ForeignKey("terminal.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("sale_order.id"))
    kind: Mapped[str] = mapped_column(String(24))
    status: Mapped[PrintStatus] = mapped_column(_enum(PrintStatus))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime]
    printed_at: Mapped[datetime | None]


class UsedTicket(Base):
    """A ticket a gate of this journal admitted: a second scan of the same ticket is refused.

    Written with its ``gate.admitted`` journal entry in one transaction, so the registry and
    the journal agree; ``kiosk gate verify`` and the gate screen share it.
    """

    __tablename__ = "used_ticket"
    __table_args__ = (UniqueConstraint("ticket_id", name="uq_used_ticket_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    terminal_id: Mapped[str] = mapped_column(String(16), ForeignKey("terminal.id"))
    #: The ticket id signed into the QR token (:mod:`kiosk.sales.tokens`).
    ticket_id: Mapped[int] = mapped_column(BigInteger)
    used_at: Mapped[datetime]


class AcquirerRecord(Base):
    """A record the acquirer link owes or keeps (an 0400, an advice, a batch entry).

    ``sealed`` is AES-GCM ciphertext made by :mod:`kiosk.payment.host.link_state` with the
    terminal's own link key, which is kept outside the database: the PAN inside is never
    at rest in clear. A record is deleted once the acquirer acknowledged it.
    """

    __tablename__ = "acquirer_record"
    __table_args__ = (UniqueConstraint("terminal_id", "box", "stan", name="uq_acquirer_record"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    terminal_id: Mapped[str] = mapped_column(String(16), ForeignKey("terminal.id"))
    #: ``reversals``, ``advices`` or ``batch``.
    box: Mapped[str] = mapped_column(String(16))
    stan: Mapped[int]
    sealed: Mapped[bytes] = mapped_column(LargeBinary)


class AcquirerStan(Base):
    """The last systems trace audit number (field 11) this terminal used."""

    __tablename__ = "acquirer_stan"

    terminal_id: Mapped[str] = mapped_column(
        String(16), ForeignKey("terminal.id"), primary_key=True
    )
    last_stan: Mapped[int]


class SyncState(Base):
    """Where this terminal's upload to the back-office hub stands (``docs/sync.md``).

    The journal is the upload queue: only the mark the hub acknowledged is kept, and it
    moves only to the ``acked_seq`` the hub answered.
    """

    __tablename__ = "sync_state"

    terminal_id: Mapped[str] = mapped_column(
        String(16), ForeignKey("terminal.id"), primary_key=True
    )
    acked_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_contact_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(String(64), default="")
    last_error_at: Mapped[datetime | None]
    hub_url: Mapped[str] = mapped_column(String(256), default="")
    params_version: Mapped[int] = mapped_column(BigInteger, default=0)


class StayState(enum.StrEnum):
    """Where a car in the car park stands: inside, paid (and not yet gone), or left."""

    INSIDE = "inside"
    PAID = "paid"
    LEFT = "left"


class ParkingStay(Base):
    """A car's stay in the car park, from entry to exit (``kiosk.checkout.parking``).

    Every change is made with its ``parking.*`` journal entry in one transaction. ``plate`` is
    empty for a car that entered without a recognised plate: its printed entry ticket (a
    signed token of ``ticket_id``) finds it at the exit.
    """

    __tablename__ = "parking_stay"
    __table_args__ = (
        UniqueConstraint("ticket_id", name="uq_parking_stay_ticket"),
        Index("ix_parking_stay_state_plate", "state", "plate"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    terminal_id: Mapped[str] = mapped_column(String(16), ForeignKey("terminal.id"))
    plate: Mapped[str] = mapped_column(String(16), default="")
    #: The id signed into the entry ticket's token (unique across the site's terminals).
    ticket_id: Mapped[int] = mapped_column(BigInteger)
    vehicle_class: Mapped[str] = mapped_column(String(8))
    lane_in: Mapped[str] = mapped_column(String(16), default="")
    lane_out: Mapped[str] = mapped_column(String(16), default="")
    entered_at: Mapped[datetime]
    #: The end of the time the last payment covered (the quote's time); None: not paid.
    paid_at: Mapped[datetime | None]
    #: All payments of the stay together (an overstay after the grace pays again).
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    exited_at: Mapped[datetime | None]
    state: Mapped[StayState] = mapped_column(_enum(StayState))
    #: The order of the last payment.
    order_id: Mapped[int | None] = mapped_column(ForeignKey("sale_order.id"))
