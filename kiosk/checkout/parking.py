"""The car park's use cases: entry, finding a car, the fee, payment, exit, occupancy.

Plain Python, run on a worker; the screens, the camera endpoint and ``kiosk parking`` call
:class:`ParkingDesk` and nothing lower. Each stay is a ``parking_stay`` row changed together
with its journal entry (``parking.entered``, ``parking.paid``, ``parking.exited``,
``parking.manual_open``). A car without a recognised plate gets a printed entry ticket whose
QR code is a signed token (:mod:`kiosk.sales.tokens`, product ``PARK``, ticket id from the
stay as :func:`~kiosk.checkout.documents.ticket_number` makes it); the exit scans it.

Payment goes through the one pipeline (:meth:`Checkout.pay
<kiosk.checkout.pipeline.Checkout.pay>`): an order of one line carrying the fee, whose
``meta["parking"]`` (:func:`fee_meta`) holds the stay and the breakdown that the exit receipt
(``parking_exit`` layout) prints. A paid stay records the time the payment covered
(``paid_at``): leaving within the tariff's grace is free, later the overstay is charged.

The stay is marked paid in a transaction after the payment's own: a crash between the two
leaves an approved parking order whose stay still shows unpaid (the order's
``meta["parking_stay"]`` names it, for the attendant or a later reconciliation).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from kiosk.checkout.documents import JournalPrinter, ticket_number
from kiosk.checkout.pipeline import Checkout, CheckoutResult
from kiosk.checkout.provider import PaymentProvider
from kiosk.checkout.tenders import CashTender, cash_part
from kiosk.config import Mode
from kiosk.journal.models import ParkingStay, PaymentState, StayState
from kiosk.journal.store import JournalStore, Tx
from kiosk.printing.layouts import Lang, ParkingEntryData, SlipHeader, label, parking_entry
from kiosk.sales.order import LineItem, OrderDraft
from kiosk.sales.parking import Fee, ParkingError, Tariff, VehicleClass, exit_fee
from kiosk.sales.plates import normalise, parse_plate
from kiosk.sales.tickets import CHINA
from kiosk.sales.tokens import Ticket, TicketKey, TokenStatus, issue_token, verify_token

__all__ = ["PARKING_PRODUCT", "ParkingDesk", "Stay", "fee_meta"]

#: The product code signed into entry tickets (a gate's ticket is never a parking ticket).
PARKING_PRODUCT = "PARK"
#: How long an entry ticket's token stays valid: longer than any stay a car park allows.
_TICKET_LIFE = timedelta(days=400)
#: The SKU of the fee's order line.
PARKING_SKU = "PARKING"


@dataclass(frozen=True)
class Stay:
    """A car's stay as the screens show it (a detached copy of its ``parking_stay`` row)."""

    id: int
    plate: str
    ticket_id: int
    vehicle_class: VehicleClass
    lane_in: str
    lane_out: str
    entered_at: datetime
    paid_at: datetime | None
    paid_fen: int
    exited_at: datetime | None
    state: StayState
    order_id: int | None

    @classmethod
    def of(cls, row: ParkingStay) -> Stay:
        return cls(
            row.id,
            row.plate,
            row.ticket_id,
            VehicleClass(row.vehicle_class),
            row.lane_in,
            row.lane_out,
            row.entered_at,
            row.paid_at,
            row.paid_fen,
            row.exited_at,
            StayState(row.state),
            row.order_id,
        )


def fee_meta(stay: Stay, fee: Fee, exit_at: datetime, tariff: Tariff, *, lost: bool) -> dict:
    """What the fee's order line carries for the receipt and the back office."""
    return {
        "stay": stay.id,
        "plate": stay.plate,
        "ticket": stay.ticket_id,
        "class": stay.vehicle_class.value,
        "entered_at": stay.entered_at.isoformat(),
        "exit_at": exit_at.isoformat(),
        "tariff_zh": tariff.name_zh,
        "tariff_en": tariff.name_en,
        "lost": lost,
        "duration_s": fee.duration_s,
        "lines": [
            {
                "key": line.key,
                "label_zh": line.label_zh,
                "label_en": line.label_en,
                "amount_fen": line.amount_fen,
                "window": line.window,
            }
            for line in fee.lines
        ],
    }


@dataclass
class ParkingDesk:
    """The car park's use cases on one terminal's journal, checkout, printer and card."""

    store: JournalStore
    checkout: Checkout
    tariff: Tariff
    card: PaymentProvider
    printer: JournalPrinter | None
    clock: Callable[[], datetime]
    capacity: int
    #: Key that signs entry tickets, and the keys (id -> secret) whose tickets the exit reads.
    ticket_key: TicketKey
    ticket_keys: Mapping[int, bytes]
    #: Normalised plates with a monthly pass.
    passes: Collection[str] = frozenset()
    entry_lane: str = "IN1"
    exit_lane: str = "OUT1"

    # -- entry ----------------------------------------------------------------------------------

    def enter(
        self,
        plate: str | None,
        vehicle_class: VehicleClass = VehicleClass.SMALL,
        lane: str | None = None,
        now: datetime | None = None,
        *,
        actor: str = "attendant",
    ) -> Stay:
        """Record a car coming in; a car without a plate gets its entry ticket printed.

        Raises PlateError for a bad plate, ParkingError ``parking.full`` and
        ``parking.already_inside``; the printer's error after the stay is recorded (print
        the ticket again with :meth:`print_entry`).
        """
        text = parse_plate(plate, series=self.tariff.plate_series).text if plate else ""
        with self.store.transaction(now=now or self.clock()) as tx:
            session = tx.session
            inside = session.scalar(
                select(func.count())
                .select_from(ParkingStay)
                .where(ParkingStay.state != StayState.LEFT)
            )
            if (inside or 0) >= self.capacity:
                raise ParkingError(
                    "the car park is full", code="parking.full", capacity=self.capacity
                )
            if text and self._inside_with(tx, text) is not None:
                raise ParkingError(
                    f"{text} is already inside", code="parking.already_inside", plate=text
                )
            row = ParkingStay(
                terminal_id=tx.terminal_id,
                plate=text,
                ticket_id=0,
                vehicle_class=VehicleClass(vehicle_class).value,
                lane_in=lane or self.entry_lane,
                lane_out="",
                entered_at=tx.now,
                paid_fen=0,
                state=StayState.INSIDE,
            )
            session.add(row)
            session.flush()
            row.ticket_id = ticket_number(tx.terminal_id, row.id)
            session.flush()
            stay = Stay.of(row)
            tx.append(
                "parking.entered",
                {
                    "stay": stay.id,
                    "plate": text,
                    "ticket": stay.ticket_id,
                    "class": stay.vehicle_class.value,
                    "lane": stay.lane_in,
                },
                actor=actor,
            )
        if not text:
            self.print_entry(stay)
        return stay

    def entry_token(self, stay: Stay) -> str:
        """The signed token of the stay's entry ticket (the same each time it is asked)."""
        ticket = Ticket(
            stay.ticket_id, PARKING_PRODUCT, stay.entered_at, stay.entered_at + _TICKET_LIFE
        )
        return issue_token(ticket, self.ticket_key)

    def print_entry(self, stay: Stay) -> None:
        """Print the stay's entry ticket (QR of :meth:`entry_token`); nothing without a printer."""
        if self.printer is None:
            return
        slip = self.printer.slip
        header = SlipHeader(
            slip.merchant_name, slip.terminal_id, self.clock().astimezone(CHINA), demo=slip.demo
        )
        data = ParkingEntryData(
            header,
            stay.plate or label("no_plate", slip.lang),
            stay.entered_at.astimezone(CHINA),
            self.entry_token(stay),
        )
        self.printer.service.print_document(parking_entry(data, slip.width, slip.lang))

    # -- finding a car --------------------------------------------------------------------------

    def find(self, scanned: str) -> Stay:
        """The car inside with this plate, or whose entry ticket token this is.

        Raises PlateError (typed text that is no plate), ParkingError ``parking.not_inside``,
        ``parking.ticket_<status>`` (a token that is forged, altered, not ours …).
        """
        text = scanned.strip()
        with self.store.read() as session:
            if len(normalise(text)) > 12 and text.isascii():  # a scanned token, not a plate
                row = session.scalars(
                    select(ParkingStay).where(
                        ParkingStay.ticket_id == self._ticket_id(text),
                        ParkingStay.state != StayState.LEFT,
                    )
                ).first()
                what = "this ticket"
            else:
                plate = parse_plate(text, series=self.tariff.plate_series).text
                row = session.scalars(
                    select(ParkingStay)
                    .where(ParkingStay.plate == plate, ParkingStay.state != StayState.LEFT)
                    .order_by(ParkingStay.entered_at.desc())
                ).first()
                what = plate
            if row is None:
                raise ParkingError(f"no car inside for {what}", code="parking.not_inside")
            return Stay.of(row)

    def _ticket_id(self, token: str) -> int:
        check = verify_token(token, self.ticket_keys, now=self.clock())
        if check.ticket is None or check.status not in (TokenStatus.VALID, TokenStatus.EXPIRED):
            raise ParkingError(
                f"entry ticket refused: {check.status.value}",
                code=f"parking.ticket_{check.status.value}",
            )
        if check.ticket.product != PARKING_PRODUCT:
            raise ParkingError("not a parking ticket", code="parking.ticket_product")
        return check.ticket.ticket_id

    def get(self, stay_id: int) -> Stay:
        """The stay as the journal has it now; ParkingError ``parking.no_stay``."""
        with self.store.read() as session:
            row = session.get(ParkingStay, stay_id)
            if row is None:
                raise ParkingError(f"no stay {stay_id}", code="parking.no_stay")
            return Stay.of(row)

    def inside(self, search: str = "", *, limit: int = 200) -> list[Stay]:
        """Cars inside (paid or not), newest first; ``search``: part of the plate."""
        needle = normalise(search)
        query = select(ParkingStay).where(ParkingStay.state != StayState.LEFT)
        if needle:
            query = query.where(ParkingStay.plate.contains(needle, autoescape=True))
        with self.store.read() as session:
            rows = session.scalars(query.order_by(ParkingStay.entered_at.desc()).limit(limit))
            return [Stay.of(r) for r in rows]

    def occupancy(self) -> tuple[int, int]:
        """(cars inside, places)."""
        with self.store.read() as session:
            inside = session.scalar(
                select(func.count())
                .select_from(ParkingStay)
                .where(ParkingStay.state != StayState.LEFT)
            )
        return int(inside or 0), self.capacity

    # -- the fee and payment ------------------------------------------------------------------

    def quote(self, stay: Stay, now: datetime | None = None, *, lost: bool = False) -> Fee:
        """What ``stay`` owes at ``now``: a monthly pass pays nothing; after a payment, only
        an overstay beyond the grace is charged."""
        return exit_fee(
            self.tariff,
            stay.entered_at,
            now or self.clock(),
            stay.vehicle_class,
            lost_ticket=lost,
            monthly_pass=stay.plate in self.passes,
            paid_at=stay.paid_at if stay.state is StayState.PAID else None,
        )

    def draft(
        self, stay: Stay, at: datetime, *, lost: bool = False, shown_fen: int | None = None
    ) -> tuple[OrderDraft, Fee]:
        """The order for the fee at ``at``; ParkingError ``parking.nothing_to_pay`` at 0, and
        ``parking.fee_changed`` when it is no longer ``shown_fen`` (a step of the tariff passed
        while the driver looked for the card): nobody is charged more than the screen said."""
        stay = self.get(stay.id)
        if stay.state is StayState.LEFT:
            raise ParkingError("the car has left", code="parking.left")
        fee = self.quote(stay, at, lost=lost)
        if fee.fee_fen == 0:
            raise ParkingError("nothing to pay", code="parking.nothing_to_pay")
        if shown_fen is not None and fee.fee_fen != shown_fen:
            raise ParkingError(
                "the fee changed since it was shown",
                code="parking.fee_changed",
                fee_fen=fee.fee_fen,
                shown_fen=shown_fen,
            )
        name = f"停车费 {stay.plate or label('no_plate', Lang.ZH)}"
        meta = {"parking": fee_meta(stay, fee, at, self.tariff, lost=lost)}
        line = LineItem(PARKING_SKU, name, 1, fee.fee_fen, meta=meta)
        return OrderDraft(Mode.PARKING, (line,), meta={"parking_stay": stay.id}), fee

    def pay_card(
        self,
        stay: Stay,
        at: datetime,
        *,
        lost: bool = False,
        shown_fen: int | None = None,
        actor: str,
        progress: Callable[[str], None] | None = None,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> CheckoutResult:
        """Pay the fee at ``at`` (the moment of paying) by card; the receipt prints."""
        draft, fee = self.draft(stay, at, lost=lost, shown_fen=shown_fen)
        result = self.checkout.pay(
            draft, actor=actor, progress=progress, cancelled=cancelled, provider=self.card
        )
        self._paid(stay, result, fee, at, actor)
        return result

    def pay_cash(
        self,
        stay: Stay,
        at: datetime,
        tendered_fen: int,
        *,
        lost: bool = False,
        shown_fen: int | None = None,
        actor: str,
    ) -> CheckoutResult:
        """Pay in cash; the change is in ``result.outcome.card_data["tenders"]``.

        Raises TenderError ``tender.short`` before anything is journaled."""
        draft, fee = self.draft(stay, at, lost=lost, shown_fen=shown_fen)
        cash_part(draft.total_fen, tendered_fen)
        result = self.checkout.pay(draft, actor=actor, provider=CashTender(tendered_fen))
        self._paid(stay, result, fee, at, actor)
        return result

    def _paid(self, stay: Stay, result: CheckoutResult, fee: Fee, at: datetime, actor: str) -> None:
        if result.state is not PaymentState.APPROVED:
            return
        with self.store.transaction(now=self.clock()) as tx:
            row = tx.session.get(ParkingStay, stay.id)
            assert row is not None  # checked by draft() and stays are never deleted
            row.paid_at, row.paid_fen = at, row.paid_fen + fee.fee_fen
            row.state, row.order_id = StayState.PAID, result.order_id
            tx.append(
                "parking.paid",
                {
                    "stay": stay.id,
                    "plate": stay.plate,
                    "order": result.order_id,
                    "fee_fen": fee.fee_fen,
                    "paid_at": at.isoformat(),
                },
                actor=actor,
            )

    # -- exit -----------------------------------------------------------------------------------

    def leave(
        self,
        stay: Stay,
        now: datetime | None = None,
        *,
        lane: str | None = None,
        actor: str = "attendant",
    ) -> Stay:
        """Let the car out when it owes nothing (paid within the grace, free minutes, pass).

        Raises ParkingError ``parking.unpaid`` (with ``fee_fen``), ``parking.left``."""
        when = now or self.clock()
        current = self.get(stay.id)
        if current.state is StayState.LEFT:
            raise ParkingError("the car has left", code="parking.left")
        fee = self.quote(current, when)
        if fee.fee_fen:
            raise ParkingError("the fee is not paid", code="parking.unpaid", fee_fen=fee.fee_fen)
        reason = fee.lines[0].key if fee.lines else ""
        return self._out(
            current, when, lane=lane, actor=actor, event="parking.exited", extra={"reason": reason}
        )

    def open_without_payment(
        self,
        stay: Stay | None,
        *,
        supervisor: str,
        reason: str,
        actor: str,
        lane: str | None = None,
        now: datetime | None = None,
    ) -> Stay | None:
        """The barrier opened without payment, approved by ``supervisor`` (journaled with who);
        the stay, when there is one, ends as left."""
        when = now or self.clock()
        what = {"supervisor": supervisor, "reason": reason}
        if stay is None:
            self.store.record(
                "parking.manual_open",
                {**what, "lane": lane or self.exit_lane},
                actor=actor,
                now=when,
            )
            return None
        current = self.get(stay.id)
        if current.state is StayState.LEFT:
            raise ParkingError("the car has left", code="parking.left")
        owed = self.quote(current, when).fee_fen
        return self._out(
            current,
            when,
            lane=lane,
            actor=actor,
            event="parking.manual_open",
            extra={**what, "owed_fen": owed},
        )

    def _out(
        self,
        stay: Stay,
        when: datetime,
        *,
        lane: str | None,
        actor: str,
        event: str,
        extra: dict[str, Any],
    ) -> Stay:
        with self.store.transaction(now=when) as tx:
            row = tx.session.get(ParkingStay, stay.id)
            assert row is not None
            row.state, row.exited_at, row.lane_out = StayState.LEFT, tx.now, lane or self.exit_lane
            tx.session.flush()
            left = Stay.of(row)
            tx.append(
                event,
                {
                    "stay": stay.id,
                    "plate": stay.plate,
                    "ticket": stay.ticket_id,
                    "lane": left.lane_out,
                    "paid_fen": stay.paid_fen,
                    **extra,
                },
                actor=actor,
            )
        return left

    def _inside_with(self, tx: Tx, plate: str) -> ParkingStay | None:
        return tx.session.scalars(
            select(ParkingStay).where(
                ParkingStay.plate == plate, ParkingStay.state != StayState.LEFT
            )
        ).first()
