"""Start-up recovery of payments a crash left pending.

A payment still *pending* at start-up was being taken when the process died (the
terminal's selling lock, :mod:`kiosk.journal.terminal_lock`, guarantees no live process
owns it). If the
card had not yet been asked to approve (no ``card_committed_at``), nothing can have
been charged: it becomes *aborted*. Otherwise the card may have debited itself: it
becomes *uncertain*, to be settled by reading that card's transaction log when it is
presented again (:func:`resolve_with_card`), or by reconciliation with the acquirer
(:func:`uncertain_payments` lists what is left). Nothing is ever dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo

from sqlalchemy import select

from kiosk.checkout.fulfil import fulfil
from kiosk.journal.models import Payment, PaymentState
from kiosk.journal.states import CHARGED, transition
from kiosk.journal.store import JournalStore, Tx, utcnow
from kiosk.payment.cardlog import (
    DEFAULT_AIDS,
    CardLog,
    LogEntry,
    MaskedCard,
    read_card_identity,
    read_card_log,
    select_by_aid,
)
from kiosk.payment.reader import CardPresence, Reader

log = logging.getLogger(__name__)


def recover_pending(
    store: JournalStore, *, actor: str = "recovery", now: datetime | None = None
) -> dict[int, PaymentState]:
    """Resolve every pending payment of this terminal; return payment id -> new state.

    Runs under the terminal's selling lock (taken here unless the caller holds it), so it
    only ever resolves payments whose process is gone; raises ``TerminalBusyError`` when a
    live process sells on this terminal.
    """
    resolved: dict[int, PaymentState] = {}
    with store.terminal_locked(), store.transaction(now=now or utcnow()) as tx:
        pending = tx.connection.execute(
            select(Payment.id, Payment.card_committed_at, Payment.pan_token, Payment.atc)
            .where(Payment.terminal_id == store.terminal_id, Payment.state == PaymentState.PENDING)
            .order_by(Payment.id)
        ).all()
        for payment in pending:
            if payment.card_committed_at is None:
                state, reason = PaymentState.ABORTED, "recovery.not_charged"
            else:
                state, reason = PaymentState.UNCERTAIN, "recovery.torn"
            transition(tx, payment.id, state, reason=reason)
            tx.append(
                f"payment.{state.value}",
                {
                    "payment": payment.id,
                    "reason": reason,
                    "pan_token": payment.pan_token,
                    "atc": payment.atc,
                },
                actor=actor,
            )
            resolved[payment.id] = state
    return resolved


# --- settling uncertain payments with the card ------------------------------------------------


@dataclass(frozen=True)
class UncertainPayment:
    """A payment the card may have approved: what the admin screen and ``kiosk doctor`` list."""

    id: int
    order_id: int
    amount_fen: int
    created_at: datetime
    card_committed_at: datetime | None
    pan_masked: str
    pan_token: str
    aid: str
    interface: str
    atc: int | None


@dataclass(frozen=True)
class Resolution:
    """How one uncertain payment was settled by the card's log (``entry`` when found)."""

    payment_id: int
    state: PaymentState
    reason: str
    entry: LogEntry | None = None


def uncertain_payments(store: JournalStore) -> list[UncertainPayment]:
    """Every payment of this terminal left *uncertain*, oldest first (for reconciliation)."""
    with store.read() as session:
        rows = session.scalars(
            select(Payment)
            .where(
                Payment.terminal_id == store.terminal_id, Payment.state == PaymentState.UNCERTAIN
            )
            .order_by(Payment.id)
        )
        return [
            UncertainPayment(
                p.id,
                p.order_id,
                p.amount_fen,
                p.created_at,
                p.card_committed_at,
                p.pan_masked,
                p.pan_token,
                p.aid,
                p.interface,
                p.atc,
            )
            for p in rows
        ]


def _matches(payment: UncertainPayment, entry: LogEntry, *, window: timedelta, tz: tzinfo) -> bool:
    """The log entry of ``payment``: same amount, same ATC when known, time in the window.

    The card keeps 9A/9F21 as the terminal sent them (local time, EMV Book 3 Annex A);
    they are compared with the commit time in ``tz``. A card that was not sent 9F21 (a
    qPBOC PDOL rarely asks for it) logs 000000: then only the date can be compared.
    """
    if entry.amount_fen != payment.amount_fen or entry.when is None:
        return False
    if payment.atc is not None and entry.atc is not None and entry.atc != payment.atc:
        return False
    committed = payment.card_committed_at or payment.created_at
    local = committed.astimezone(tz).replace(tzinfo=None)
    if entry.time in (None, time()):
        return entry.date == local.date()
    return abs(entry.when - local) <= window


def _log_may_have_lost(payment: UncertainPayment, log: CardLog, tz: tzinfo) -> bool:
    """True when the cyclic log is full and its oldest entry is newer than the payment:
    the entry may have been overwritten, so its absence proves nothing."""
    if not log.entries or len(log.entries) < log.log_capacity:
        return False
    oldest = log.entries[-1].when
    committed = (payment.card_committed_at or payment.created_at).astimezone(tz)
    return oldest is None or oldest > committed.replace(tzinfo=None)


def resolve_with_card(
    store: JournalStore,
    reader: Reader,
    card: CardPresence,
    *,
    token_key: bytes,
    aids: Sequence[str] = DEFAULT_AIDS,
    window: timedelta = timedelta(minutes=10),
    tap_window: timedelta = timedelta(minutes=2),
    tz: tzinfo | None = None,
    actor: str = "recovery",
    now: datetime | None = None,
) -> list[Resolution]:
    """Settle the uncertain payments this card can speak for, from its transaction log.

    ``card`` is connected in ``reader``. The card is recognised by its keyed token
    (``token_key`` as in the kernel's configuration). For each uncertain payment of this
    card the log is searched (amount, ATC when known, commit time +- ``window``; each
    entry serves one payment, and none already booked to another payment). Found:
    *approved* with reason ``recovery.card_log``, the order paid and its receipt queued.
    Not found: *declined*, ``recovery.not_in_card_log`` (an online authorisation the card
    never completed is the acquirer reversal's business). A card without a log, or whose
    full cyclic log may have overwritten the entry, leaves the payment uncertain.

    A qPBOC payment torn at its GPO has no token (the commit point comes before the card
    shows its PAN): an entry of this card matching it within ``tap_window`` approves it and
    names the card; no match proves nothing (another card may have been tapped), so it
    stays uncertain. Returns one :class:`Resolution` per payment settled or examined.
    Raises CardError / ReaderError when the card cannot be read (nothing changes then).
    """
    tz = tz or datetime.now().astimezone().tzinfo or UTC
    log = read_card_log(reader, aids=aids)
    app = select_by_aid(reader, [log.aid])
    identity = read_card_identity(
        reader, app, card.interface, token_key=token_key, when=now or utcnow()
    )
    uncertain = uncertain_payments(store)
    mine = [p for p in uncertain if p.pan_token == identity.pan_token]
    tapped = [p for p in uncertain if not p.pan_token and p.interface == "contactless"]
    if not mine and not tapped:
        return []
    settle = _Settle(log, _booked_atcs(store, identity.pan_token), identity, tz, actor)
    resolutions: list[Resolution] = []
    with store.transaction(now=now or utcnow()) as tx:
        for payment in mine:
            resolutions.append(settle.own(tx, payment, window))
        for payment in tapped:
            found = settle.tapped(tx, payment, tap_window)
            if found is not None:
                resolutions.append(found)
    return resolutions


def _booked_atcs(store: JournalStore, token: str) -> set[int]:
    """ATCs of this card's payments already approved: their log entries are taken."""
    with store.read() as session:
        rows = session.scalars(
            select(Payment.atc).where(
                Payment.pan_token == token,
                Payment.state.in_(CHARGED - {PaymentState.UNCERTAIN}),
                Payment.atc.is_not(None),
            )
        )
        return {atc for atc in rows if atc is not None}


@dataclass
class _Settle:
    """Settling payments against one card's log; ``used`` holds the ATCs already taken."""

    log: CardLog
    used: set[int]
    identity: MaskedCard
    tz: tzinfo
    actor: str

    def _entry(self, payment: UncertainPayment, window: timedelta) -> LogEntry | None:
        return next(
            (
                e
                for e in self.log.entries
                if (e.atc is None or e.atc not in self.used)
                and _matches(payment, e, window=window, tz=self.tz)
            ),
            None,
        )

    def own(self, tx: Tx, payment: UncertainPayment, window: timedelta) -> Resolution:
        """A payment of this card: approved if in the log, declined if provably not."""
        entry = self._entry(payment, window)
        if entry is not None:
            return self._approve(tx, payment, entry)
        if not self.log.log_capacity or _log_may_have_lost(payment, self.log, self.tz):
            return Resolution(payment.id, PaymentState.UNCERTAIN, "recovery.log_inconclusive")
        reason = "recovery.not_in_card_log"
        transition(tx, payment.id, PaymentState.DECLINED, reason=reason)
        self._journal(tx, payment, PaymentState.DECLINED, reason, None)
        return Resolution(payment.id, PaymentState.DECLINED, reason)

    def tapped(self, tx: Tx, payment: UncertainPayment, window: timedelta) -> Resolution | None:
        """A tokenless qPBOC payment: approved only on a match in this card's log."""
        entry = self._entry(payment, window)
        return None if entry is None else self._approve(tx, payment, entry)

    def _approve(self, tx: Tx, payment: UncertainPayment, entry: LogEntry) -> Resolution:
        reason = "recovery.card_log"
        if entry.atc is not None:
            self.used.add(entry.atc)
        row = transition(
            tx,
            payment.id,
            PaymentState.APPROVED,
            reason=reason,
            atc=entry.atc,
            pan_masked=payment.pan_masked or self.identity.pan_masked,
            pan_token=payment.pan_token or self.identity.pan_token,
        )
        self._journal(tx, payment, PaymentState.APPROVED, reason, entry)
        fulfil(tx, row.order_id, self.actor)
        return Resolution(payment.id, PaymentState.APPROVED, reason, entry)

    def _journal(
        self,
        tx: Tx,
        payment: UncertainPayment,
        state: PaymentState,
        reason: str,
        entry: LogEntry | None,
    ) -> None:
        tx.append(
            f"payment.{state.value}",
            {
                "payment": payment.id,
                "amount_fen": payment.amount_fen,
                "reason": reason,
                "pan_masked": payment.pan_masked or self.identity.pan_masked,
                "atc": entry.atc if entry else payment.atc,
                "log_record": entry.record if entry else None,
            },
            actor=self.actor,
        )


def card_settler(
    store: JournalStore, *, token_key: bytes
) -> Callable[[Reader, CardPresence], None]:
    """The provider's ``on_card`` hook: settle this card's uncertain payments from its log.

    It reads the card only while uncertain payments exist (a journal query first), so an
    ordinary sale costs no extra APDU.
    """

    def settle(reader: Reader, card: CardPresence) -> None:
        if uncertain_payments(store):
            for resolution in resolve_with_card(store, reader, card, token_key=token_key):
                log.info(
                    "payment %s -> %s (%s)",
                    resolution.payment_id,
                    resolution.state.value,
                    resolution.reason,
                )

    return settle
