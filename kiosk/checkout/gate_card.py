"""Admission at the gate by tapping the card that paid for the ticket.

The card is recognised by its keyed PAN token (HMAC of PAN and PSN, as the payment row keeps
it), read with the balance-inquiry GPO of :func:`kiosk.payment.cardlog.read_card_identity`:
nothing is charged and no PAN is kept. Its tickets are the ticket print jobs of the orders
its approved or settled payments paid for, in this journal (any terminal writing to the same
database). The first one valid now and not yet used is admitted through the same used-ticket
registry as a scanned QR code, so a ticket admitted by tap is USED when scanned, and vice
versa. The window rules are those of the printed token (China calendar day, time slot).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from kiosk.checkout.documents import ticket_number, ticket_validity
from kiosk.journal.models import OrderLine, Payment, PaymentState, PrintJob, UsedTicket
from kiosk.journal.store import JournalStore
from kiosk.journal.used_tickets import JournalUsedTickets
from kiosk.payment.cardlog import DEFAULT_AIDS, read_card_identity, select_by_aid
from kiosk.payment.errors import CardTimeoutError, PaymentError
from kiosk.payment.reader import CardPresence, Reader
from kiosk.sales.gate import GateDecision, GateVerdict
from kiosk.sales.tickets import today_in_china
from kiosk.sales.tokens import Ticket

log = logging.getLogger(__name__)

#: Seconds between looks at a reader whose card was already read.
_LOOK_S = 0.05

#: Payments that bought their tickets (a refunded or voided payment's tickets are void).
_PAID = (PaymentState.APPROVED, PaymentState.SETTLED)


def admit_by_card(
    store: JournalStore,
    reader: Reader,
    card: CardPresence,
    *,
    token_key: bytes,
    now: datetime,
    aids: Sequence[str] = DEFAULT_AIDS,
    actor: str = "gate",
) -> GateDecision:
    """Admit the presented ``card``'s first ticket valid at ``now``, marking it used.

    ``card`` is connected in ``reader``; ``token_key`` is the terminal's PAN token key.
    Verdicts: ADMIT (with the ticket), USED (all of today's tickets of this card were
    admitted), TOO_EARLY / EXPIRED (today's unused tickets are outside their slot),
    NO_TICKET (nothing for today), UNREADABLE (the card or reader failed; nothing is
    marked used). Refusals are journalled as ``gate.refused``. Raises JournalError only
    when the journal cannot be read or written (the gate must then stay shut).
    """
    try:
        app = select_by_aid(reader, aids)
        identity = read_card_identity(reader, app, card.interface, token_key=token_key, when=now)
    except PaymentError as exc:
        log.info("card at the gate not readable: %s", exc.code)
        decision, reason = GateDecision(GateVerdict.UNREADABLE), exc.code
    else:
        decision = _decide(store, card_tickets(store, identity.pan_token), now, actor)
        reason = ""
    if not decision.admitted:
        ticket_id = decision.ticket.ticket_id if decision.ticket else None
        store.record(
            "gate.refused",
            {
                "verdict": decision.verdict.value,
                "ticket": ticket_id,
                "by": "card",
                "reason": reason,
            },
            actor=actor,
            now=now,
        )
    return decision


def card_tickets(store: JournalStore, pan_token: str) -> list[Ticket]:
    """The tickets paid by the card with ``pan_token``, in the order they were queued.

    A ticket's id is :func:`kiosk.checkout.documents.ticket_number` of the terminal that
    printed it and its print job, as in the printed token, so both ways of entry share one id.
    """
    if not pan_token:
        return []
    with store.read() as session:
        jobs = session.execute(
            select(PrintJob.id, PrintJob.kind, PrintJob.order_id, PrintJob.terminal_id)
            .join(Payment, Payment.order_id == PrintJob.order_id)
            .where(
                Payment.pan_token == pan_token,
                Payment.state.in_(_PAID),
                PrintJob.kind.startswith("ticket:"),
            )
            .order_by(PrintJob.id)
        ).all()
        orders = {job.order_id for job in jobs}
        lines = {
            (line.order_id, line.position): line
            for line in session.scalars(select(OrderLine).where(OrderLine.order_id.in_(orders)))
        }
        tickets = []
        for job in jobs:
            line = lines[(job.order_id, int(job.kind.split(":")[1]))]
            valid_from, valid_until = ticket_validity(line)
            ticket_id = ticket_number(job.terminal_id, job.id)
            tickets.append(Ticket(ticket_id, line.sku, valid_from, valid_until))
        return tickets


def _decide(store: JournalStore, tickets: list[Ticket], now: datetime, actor: str) -> GateDecision:
    """Admit the first of today's unused tickets valid at ``now``, else say why not.

    The used-ticket registry's ``mark_used`` stays the arbiter: a ticket scanned at
    another lane between the read and the write is skipped as used.
    """
    today = [t for t in tickets if today_in_china(t.valid_from) == today_in_china(now)]
    if not today:
        return GateDecision(GateVerdict.NO_TICKET)
    used = _used_ids(store, [t.ticket_id for t in today])
    registry = JournalUsedTickets(store, actor=actor)
    for ticket in today:
        if ticket.ticket_id in used or not ticket.valid_from <= now < ticket.valid_until:
            continue
        if registry.mark_used(ticket.ticket_id, now):
            return GateDecision(GateVerdict.ADMIT, ticket)
        used.add(ticket.ticket_id)
    unused = [t for t in today if t.ticket_id not in used]
    if not unused:
        return GateDecision(GateVerdict.USED, today[-1])
    early = [t for t in unused if now < t.valid_from]
    return (
        GateDecision(GateVerdict.TOO_EARLY, early[0])
        if early
        else GateDecision(GateVerdict.EXPIRED, unused[0])
    )


def _used_ids(store: JournalStore, ticket_ids: list[int]) -> set[int]:
    with store.read() as session:
        rows = session.scalars(
            select(UsedTicket.ticket_id).where(UsedTicket.ticket_id.in_(ticket_ids))
        )
        return set(rows)


class CardTaps:
    """Presentations of cards at a gate's ``reader``, each handed out once.

    A card left on the reader must not admit one ticket per poll: after a read, the next
    one waits for a new presentation. The simulator counts its insertions
    (``presentations``: the demo replaces a card without removing it); any other reader
    must be seen empty in between. A card already present when watching starts (the
    demo's card left from a sale) is not a tap either.
    """

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self._handed = self._presence()

    def _presence(self) -> int | None:
        """What identifies the card in the field: the simulator's insertion count, else 1
        while a card is present, None when the reader is empty."""
        count = getattr(self.reader, "presentations", None)
        if isinstance(count, int):
            return count if self.reader.card_present() else None
        return 1 if self.reader.card_present() else None

    def next(self, timeout: float) -> CardPresence | None:
        """A newly presented card, connected; None when none came within ``timeout`` s.

        While the card already read is in the field, the reader is looked at every
        :data:`_LOOK_S`; a presence-only reader thus misses a card swapped faster than that.
        Raises ReaderError when the reader itself fails (unplugged, cancelled).
        """
        deadline = time.monotonic() + timeout
        while (in_field := self._presence()) is not None and in_field == self._handed:
            if time.monotonic() >= deadline:
                return None  # the card already read is still there: not a new tap
            time.sleep(_LOOK_S)
        if in_field is None:
            self._handed = None  # the reader was seen empty: the next card is a tap
        try:
            card = self.reader.wait_for_card(max(deadline - time.monotonic(), _LOOK_S))
        except CardTimeoutError:
            return None
        self._handed = self._presence()
        return card
