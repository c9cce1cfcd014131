"""SQLAlchemy models of the hub's database (its own, migrated by its own Alembic scripts).

Times the hub keeps for itself are Unix seconds (floats): the same on SQLite and
PostgreSQL and directly comparable with the signing timestamps. Journal entries are kept
verbatim (``ts`` as the terminal wrote it); sales and payments are projected from them into
``hub_order`` and ``hub_payment`` for reports. Amounts are integer fen.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

HASH = String(64)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict: JSON, int: BigInteger}


class HubTerminal(Base):
    """One enrolled terminal: its sealed key and how far its journal has arrived.

    The row is locked while a batch is ingested, so two hubs never interleave one terminal's
    entries."""

    __tablename__ = "hub_terminal"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: The terminal's HMAC key sealed with the hub key (see :mod:`kiosk.hub.keys`).
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    enrolled_at: Mapped[float] = mapped_column(Float)
    acked_seq: Mapped[int] = mapped_column(default=0)
    head_hash: Mapped[str] = mapped_column(HASH, default="")
    last_seen_at: Mapped[float | None] = mapped_column(Float, default=None)
    heartbeat: Mapped[dict | None] = mapped_column(JSON, default=None)


class EnrolCode(Base):
    """A one-time enrolment code, kept only as its SHA-256."""

    __tablename__ = "hub_enrol_code"

    code_hash: Mapped[str] = mapped_column(HASH, primary_key=True)
    terminal_id: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[float] = mapped_column(Float)
    used_at: Mapped[float | None] = mapped_column(Float, default=None)


class SeenNonce(Base):
    """A request nonce within its window: the unique pair is the replay check."""

    __tablename__ = "hub_nonce"
    __table_args__ = (UniqueConstraint("terminal_id", "nonce"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    terminal_id: Mapped[str] = mapped_column(String(32))
    nonce: Mapped[str] = mapped_column(String(32))
    seen_at: Mapped[float] = mapped_column(Float, index=True)


class HubEntry(Base):
    """A terminal's journal entry, verbatim."""

    __tablename__ = "hub_entry"

    terminal_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    ts: Mapped[str] = mapped_column(String(40))
    event: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(HASH)
    hash: Mapped[str] = mapped_column(HASH)


class HubOrder(Base):
    """An order as its ``order.*`` entries describe it."""

    __tablename__ = "hub_order"

    terminal_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    order_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    total_fen: Mapped[int]
    created_ts: Mapped[str] = mapped_column(String(40))


class HubPayment(Base):
    """A payment's latest state as its ``payment.*`` entries describe it."""

    __tablename__ = "hub_payment"

    terminal_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    payment_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    order_id: Mapped[int | None] = mapped_column(default=None)
    amount_fen: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(String(16))
    path: Mapped[str | None] = mapped_column(String(32), default=None)
    updated_seq: Mapped[int]
    updated_ts: Mapped[str] = mapped_column(String(40))


class ChainAlert(Base):
    """A gap or break in a terminal's chain, for the operator."""

    __tablename__ = "hub_alert"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    terminal_id: Mapped[str] = mapped_column(String(32), index=True)
    seq: Mapped[int]
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text)
    at: Mapped[float] = mapped_column(Float)


class Bundle(Base):
    """A published parameter bundle: its canonical bytes and the hub's signature over them."""

    __tablename__ = "hub_bundle"

    version: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    terminals: Mapped[Any] = mapped_column(JSON)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    published_at: Mapped[float] = mapped_column(Float)


class Operator(Base):
    """Someone who may use the operator page; the password is kept as an scrypt hash."""

    __tablename__ = "hub_operator"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[float] = mapped_column(Float)
