"""A payment's outcome as the journal records it, and what happens when it cannot.

Once the card was asked, its answer must reach the journal: the customer may have paid.
:class:`AfterCard` writes it; when that fails (the disk filled up during the card's work)
it releases the disk's reserve and tries again, and when even that fails it keeps the
outcome in the :class:`~kiosk.journal.disk.OutcomeSpool` and says so. The sale then ends as
the card decided: the customer is told the truth, and the receipt and tickets are printed
from memory (:func:`memory_views`). :meth:`AfterCard.settle` writes what was kept, with
the documents printed meanwhile, as soon as the journal can take it (before the next
sale, at start-up).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from kiosk.checkout.fulfil import document_kinds, fulfil
from kiosk.checkout.printing import PrintJobView, record_attempt
from kiosk.checkout.provider import PaymentOutcome, PaymentVerdict
from kiosk.journal.disk import DiskFullError, DiskGuard, OutcomeSpool
from kiosk.journal.models import (
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentState,
    PrintJob,
    PrintStatus,
)
from kiosk.journal.states import TRANSITIONS, transition
from kiosk.journal.store import JournalError, JournalStore, Tx
from kiosk.sales.order import OrderDraft

log = logging.getLogger(__name__)

#: Outcome fields copied onto the payment row when the provider filled them in.
_OUTCOME_COLUMNS = (
    "reason",
    "path",
    "interface",
    "aid",
    "app_label",
    "pan_masked",
    "pan_token",
    "atc",
    "cid",
    "cryptogram",
    "response_code",
    "ec_balance_before_fen",
    "ec_balance_after_fen",
)

_OUTCOME_STATE = {
    PaymentVerdict.APPROVED: PaymentState.APPROVED,
    PaymentVerdict.DECLINED: PaymentState.DECLINED,
    PaymentVerdict.ABORTED: PaymentState.ABORTED,
}

#: Ticket ids of documents printed from memory: job ids from 2**31 up, which the journal's
#: own print jobs do not reach (ticket ids keep 32 bits of the job id).
MEMORY_JOBS = 1 << 31


@dataclass(frozen=True)
class CloseRecord:
    """What closing a payment writes: JSON-safe, so that it can be kept in the spool."""

    payment: int
    state: PaymentState
    values: dict[str, Any]
    card_data: dict[str, Any]
    payload: dict[str, Any]
    #: Documents already printed from memory (kinds as in :func:`document_kinds`).
    printed: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"payment-{self.payment}"

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> CloseRecord:
        return cls(**{**raw, "state": PaymentState(raw["state"])})


def close_record(payment_id: int, outcome: PaymentOutcome, *, committed: bool) -> CloseRecord:
    """The record closing ``payment_id`` with ``outcome``; an abort after the card was asked
    (``committed``) is *uncertain*: "aborted" would claim nothing was charged."""
    state = _OUTCOME_STATE[outcome.outcome]
    if state is PaymentState.ABORTED and committed:
        state = PaymentState.UNCERTAIN
    values = {
        name: getattr(outcome, name)
        for name in _OUTCOME_COLUMNS
        if getattr(outcome, name) not in ("", None)
    }
    payload = {
        "payment": payment_id,
        "reason": outcome.reason,
        "path": outcome.path,
        "aid": outcome.aid,
        "pan_masked": outcome.pan_masked,
        "atc": outcome.atc,
        "cid": outcome.cid,
        "cryptogram": outcome.cryptogram,
        "response_code": outcome.response_code,
        "ec_balance_after_fen": outcome.ec_balance_after_fen,
        # after the second GENERATE AC, for the acquirer's TC upload / script advice
        "tvr": outcome.card_data.get("tvr"),
        "tsi": outcome.card_data.get("tsi"),
        "script_results": outcome.card_data.get("script_results"),
    }
    return CloseRecord(payment_id, state, values, dict(outcome.card_data), payload)


def apply_close(tx: Tx, record: CloseRecord, actor: str) -> None:
    """Move the payment to the record's state, journal it, and fulfil an approved order."""
    row = transition(tx, record.payment, record.state, card_data=record.card_data, **record.values)
    payload = {**record.payload, "amount_fen": row.amount_fen}
    tx.append(f"payment.{record.state.value}", payload, actor=actor)
    if record.state is PaymentState.APPROVED:
        fulfil(tx, row.order_id, actor)


@dataclass
class AfterCard:
    """Writes outcomes of cards already asked, with the disk's reserve and the spool to fall
    back on (see the module docstring). Without a spool a failed write simply raises."""

    store: JournalStore
    disk: DiskGuard | None = None
    spool: OutcomeSpool | None = None

    def write(self, record: CloseRecord, *, actor: str, now: datetime) -> bool:
        """Journal ``record``; False when it could only be kept in the spool (or, logged
        critical, not even there). Raises JournalError when there is no spool."""
        try:
            self._write(record, actor=actor, now=now)
            return True
        except JournalError:
            if self.spool is None:
                raise
            log.exception("the outcome of payment %s could not be journalled", record.payment)
        released = self.disk is not None and self.disk.release()
        kept = self.spool.keep(record.key, record.as_json())
        if released:
            try:
                self._write(record, actor=actor, now=now)
            except JournalError:
                log.exception("payment %s: still not journalled, reserve used", record.payment)
            else:
                self.spool.drop(record.key)
                return True
        if not kept:
            log.critical(
                "payment %s: outcome %s neither journalled nor kept",
                record.payment,
                record.state.value,
            )
        return False

    def ready(self) -> None:
        """Before a sale: enough free space, the reserves in place (raises DiskFullError)."""
        if self.disk is not None:
            self.disk.check()
        if self.spool is not None and not self.spool.ensure_reserve():
            raise DiskFullError(f"no room for the spool's reserve in {self.spool.directory}")

    def _write(self, record: CloseRecord, *, actor: str, now: datetime) -> None:
        with self.store.transaction(now=now) as tx:
            apply_close(tx, record, actor)

    def printed(self, record: CloseRecord, kinds: list[str]) -> None:
        """Note in the kept record which documents were printed from memory."""
        if self.spool is not None and kinds:
            self.spool.keep(record.key, {**record.as_json(), "printed": kinds})

    @property
    def pending(self) -> bool:
        """Whether something is kept for the journal."""
        return self.spool is not None and bool(self.spool.records())

    def settle(self, *, actor: str, clock: Callable[[], datetime]) -> int:
        """Journal everything kept, one record per transaction; how many were written.
        Raises JournalError (keeping the rest) while the journal still cannot take them."""
        if self.spool is None:
            return 0
        done = 0
        for key, raw in self.spool.records():
            with self.store.transaction(now=clock()) as tx:
                if "job" in raw:
                    record_attempt(tx, int(raw["job"]), actor)
                else:
                    _settle_close(tx, CloseRecord.from_json(raw), actor)
            self.spool.drop(key)
            done += 1
        return done


def _settle_close(tx: Tx, record: CloseRecord, actor: str) -> None:
    """A kept outcome: applied unless the payment already moved past it (recovery marked it
    uncertain meanwhile: the card's answer then settles it), then the documents printed
    from memory are marked printed, so that none is printed twice."""
    payment = tx.session.get(Payment, record.payment)
    if payment is None:
        raise JournalError(f"kept outcome of payment {record.payment}: no such payment")
    if record.state in TRANSITIONS[payment.state]:
        apply_close(tx, record, actor)
    queued = {
        job.kind: job.id
        for job in tx.session.query(PrintJob).filter(
            PrintJob.order_id == payment.order_id, PrintJob.status == PrintStatus.QUEUED
        )
    }
    for kind in record.printed:
        if kind in queued:
            record_attempt(tx, queued[kind], actor)


def order_lines(draft: OrderDraft) -> list[OrderLine]:
    """The ``order_line`` rows of ``draft`` (new, not in any session)."""
    return [
        OrderLine(
            position=i,
            sku=li.sku,
            name=li.name,
            quantity=li.quantity,
            unit=li.unit,
            unit_price_fen=li.unit_price_fen,
            amount_fen=li.amount_fen,
            meta=dict(li.meta),
        )
        for i, li in enumerate(draft.lines)
    ]


def memory_views(
    record: CloseRecord, draft: OrderDraft, *, order_id: int, reference: str, now: datetime
) -> list[PrintJobView]:
    """The documents of an approved sale the journal could not take, built from memory:
    the same rows the journal would hold (transient, never added to a session)."""
    lines = order_lines(draft)
    order = Order(
        id=order_id,
        reference=reference,
        mode=draft.mode.value,
        status=OrderStatus.PAID,
        created_at=now,
        subtotal_fen=draft.subtotal_fen,
        discount_fen=draft.discount_fen,
        total_fen=draft.total_fen,
        meta=dict(draft.meta),
        lines=lines,
    )
    payment = Payment(
        id=record.payment, state=record.state, amount_fen=draft.total_fen, **record.values
    )
    order.payments = [payment]
    first = MEMORY_JOBS + record.payment * 64
    return [
        PrintJobView(first + i, kind, order, payment, 1)
        for i, kind in enumerate(document_kinds(lines))
    ]
