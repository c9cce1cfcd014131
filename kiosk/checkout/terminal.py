"""What the screens ask of the rest of the system, built in one place from the settings.

Plain Python, no Qt: every function here runs on a :class:`~kiosk.ui.workers.Worker`
thread, never on the GUI thread. Screens never import the journal, the printer or the
reader; they get a :class:`KioskServices` and hand its methods to a worker.

:func:`build_services` is the one factory; :func:`payment_provider` is where the card
payment provider (``kiosk.checkout.card_provider``) comes in.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from kiosk.checkout import Checkout, CheckoutResult, PaymentProvider
from kiosk.checkout.acquirer_settlement import settle_with_acquirer
from kiosk.checkout.card_provider import (
    CardPaymentProvider,
    provider_from_settings,
    send_owed_reversals,
)
from kiosk.checkout.documents import JournalPrinter, printer_from_settings, ticket_key
from kiosk.checkout.gate_card import CardTaps, admit_by_card
from kiosk.checkout.market import MarketDesk
from kiosk.checkout.parking import ParkingDesk
from kiosk.checkout.parking_lane import CameraEvent, ParkingLane, camera_endpoint
from kiosk.checkout.recovery import card_settler
from kiosk.checkout.reprint import queue_reprint
from kiosk.checkout.shift import close_shift
from kiosk.config import Mode, Settings
from kiosk.errors import KioskError
from kiosk.journal.disk import DiskGuard, OutcomeSpool, disk_guard, outcome_spool
from kiosk.journal.models import Order, OrderLine, OrderStatus, Terminal
from kiosk.journal.store import JournalError, JournalStore, utcnow
from kiosk.journal.used_tickets import JournalUsedTickets
from kiosk.journal.verify import require_sound_head
from kiosk.parking.barrier import open_barrier
from kiosk.parking.camera import CameraEndpoint
from kiosk.payment.errors import HostError, ReaderUnavailableError
from kiosk.payment.reader import Reader
from kiosk.payment.reader.pcsc import PcscReader
from kiosk.payment.reader.sim import SimReader
from kiosk.payment.settings import pan_token_key
from kiosk.pole_display import PoleFeed, open_pole
from kiosk.printing.records import Summary
from kiosk.sales.gate import GateDecision, GateVerdict, check_ticket, gate_keys
from kiosk.sales.market import load_market
from kiosk.sales.order import OrderDraft
from kiosk.sales.parking import load_tariff
from kiosk.sales.plates import parse_plate
from kiosk.sales.tickets import Catalog, load_catalog
from kiosk.scale.scale import open_scale
from kiosk.sync.link import SyncLink, SyncView, link_from_settings
from kiosk.sync.params import Params
from kiosk.sync.service import DeviceState
from kiosk.sync.state import SyncStateStore

if TYPE_CHECKING:
    from kiosk.payment.host.owed_reversals import OwedReversals

log = logging.getLogger(__name__)


class PaymentUnavailableError(KioskError):
    """No card payment provider is wired on this terminal (nothing can be charged)."""

    code = "payment.unavailable"


@dataclass
class KioskServices:
    """The journal, checkout, printer, catalog and (in the demo) the simulated reader."""

    settings: Settings
    store: JournalStore
    catalog: Catalog
    printer: JournalPrinter | None
    provider: PaymentProvider | None
    #: The in-process reader the demo's card panel drives (``payment.reader = sim:…``).
    sim_reader: SimReader | None = None
    #: Raises a ReaderError when the configured reader is gone (see :func:`pcsc_reader_check`).
    reader_check: Callable[[], None] | None = None
    #: The gate's card reader (PC/SC) when it has one; the demo's gate uses ``sim_reader``.
    gate_reader: Reader | None = None
    clock: Callable[[], datetime] = utcnow
    #: Free space on the journal's disk and its reserve (a selling terminal).
    disk: DiskGuard | None = None
    #: Outcomes kept until the journal can take them (a selling terminal).
    spool: OutcomeSpool | None = None
    #: Key id -> secret of the ticket tokens the gate accepts (``terminal.ticket_key_file``).
    #: Upload, heartbeats and parameter bundles (kiosk.sync); None until wired.
    sync: SyncLink | None = None
    #: Sends, in the background, the reversals a previous run left owed (acquirer link).
    owed_reversals: OwedReversals | None = None
    ticket_keys: dict[int, bytes] = field(init=False)
    checkout: Checkout = field(init=False)
    _taps: CardTaps | None = field(init=False, default=None)
    _params: Params | None = field(init=False, default=None)
    _market: MarketDesk | None = field(init=False, default=None)
    _parking: ParkingDesk | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.ticket_keys = gate_keys(self.settings)
        self.checkout = Checkout(
            self.store,
            self.provider or _Unavailable(),
            self.printer,
            unattended=self.settings.terminal.unattended,
            clock=self.clock,
            disk=self.disk,
            spool=self.spool,
        )

    # -- readiness ---------------------------------------------------------------------------

    def health(self) -> tuple[str, ...]:
        """Codes of what stops a sale now (printer, reader, journal); empty when one may start."""
        problems = []
        if self.reader_check is not None:
            try:
                self.reader_check()
            except KioskError as exc:
                problems.append(exc.code)
        if (printer := self.printer_status()) != "ok":
            problems.append(printer)
        if self.disk is not None:
            try:
                self.disk.check()
            except KioskError as exc:
                problems.append(exc.code)
        try:
            with self.store.read() as session:
                session.get_one(Terminal, self.store.terminal_id)
        except Exception as exc:  # noqa: BLE001 - any database fault means: no sale
            problems.append(JournalError(str(exc)).code)
        return tuple(problems)

    @property
    def can_pay(self) -> bool:
        return self.provider is not None

    # -- sales ---------------------------------------------------------------------------------

    def sold_on(self, day: date) -> dict[tuple[str, str], int]:
        """Tickets sold for ``day``, per (product, slot label), from paid orders (for quotas)."""
        since = datetime.combine(
            day - timedelta(days=2), datetime.min.time(), tzinfo=self.clock().tzinfo
        )
        sold: Counter[tuple[str, str]] = Counter()
        with self.store.read() as session:
            rows = session.execute(
                select(OrderLine.sku, OrderLine.quantity, OrderLine.meta)
                .join(Order)
                .where(Order.status == OrderStatus.PAID, Order.created_at >= since)
            )
            for sku, quantity, meta in rows:
                if meta.get("visit_day") == day.isoformat():
                    sold[(sku, meta.get("slot", ""))] += quantity
        return dict(sold)

    def pay(
        self,
        draft: OrderDraft,
        *,
        progress: Callable[[str], None],
        cancelled: Callable[[], bool],
    ) -> CheckoutResult:
        """Take payment and print through the one checkout pipeline (see Checkout.pay).

        A ticket order gets the catalog's best card discount once the card is read
        (``result.draft`` is the order as charged); BIN and e-cash discounts need the card
        inserted, a tapped card is priced by its application only.
        """
        if self.provider is None:
            raise PaymentUnavailableError("no card payment provider on this terminal")
        pricing = partial(self.catalog.priced_for, draft) if draft.mode is Mode.TICKET else None
        return self.checkout.pay(
            draft, actor="customer", progress=progress, cancelled=cancelled, pricing=pricing
        )

    def market_desk(self) -> MarketDesk:
        """The market counter's use cases (:mod:`kiosk.checkout.market`), built once, on the
        demo's market catalog until parameter bundles carry one; the scale at ``scale``
        (see ``kiosk scale-test``), the simulated one in the demo."""
        if self.provider is None:
            raise PaymentUnavailableError("no card payment provider on this terminal")
        if self._market is None:
            url = self.settings.scale_url
            self._market = MarketDesk(
                self.store,
                self.checkout,
                load_market(),
                self.provider,
                self.printer,
                self.clock,
                scale=open_scale(url) if url else None,
                reports_dir=self.settings.data_dir / "reports",
                pole=self._pole(),
            )
        return self._market

    def _pole(self) -> PoleFeed | None:
        """The customer pole display of ``[market] pole_display``; opened on first use."""
        market = self.settings.market
        if not market.pole_display:
            return None
        return PoleFeed(
            lambda: open_pole(market.pole_display), ascii_lamps=market.pole_lamps == "ascii"
        )

    def parking_desk(self) -> ParkingDesk:
        """The car park's use cases (:mod:`kiosk.checkout.parking`), built once from
        ``[parking]``: the tariff file (the demo's when empty), capacity, passes, lanes."""
        if self.provider is None:
            raise PaymentUnavailableError("no card payment provider on this terminal")
        if self._parking is None:
            conf = self.settings.parking
            self._parking = ParkingDesk(
                self.store,
                self.checkout,
                load_tariff(Path(conf.tariff) if conf.tariff else None),
                self.provider,
                self.printer,
                self.clock,
                capacity=conf.capacity,
                ticket_key=ticket_key(self.settings),
                ticket_keys=self.ticket_keys,
                passes=frozenset(
                    parse_plate(p).text for p in conf.monthly_passes.split(",") if p.strip()
                ),
                entry_lane=conf.entry_lane,
                exit_lane=conf.exit_lane,
            )
        return self._parking

    def parking_lane(self) -> ParkingLane:
        """The lane's barrier (``parking.barrier``; the demo's counts openings; none: the
        attendant lifts it), journaled through :class:`~kiosk.checkout.parking_lane.ParkingLane`."""
        parking = self.settings.parking
        spec = parking.barrier or ("sim://" if self.settings.demo else "")
        barrier = open_barrier(spec, timeout_s=parking.barrier_timeout_s) if spec else None
        return ParkingLane(self.store, barrier)

    def parking_camera(self, on_event: Callable[[CameraEvent], None]) -> CameraEndpoint | None:
        """The camera endpoint (``parking.camera_listen``), not started; None when unset."""
        parking = self.settings.parking
        if not parking.camera_listen:
            return None
        return camera_endpoint(
            parking.camera_listen,
            parking.camera_secret,
            on_event,
            min_confidence=parking.camera_min_confidence,
        )

    # -- operator ------------------------------------------------------------------------------

    def printer_status(self) -> str:
        """``ok`` or the printer's error code."""
        try:
            self.checkout.documents.ready()
        except KioskError as exc:
            return exc.code
        return "ok"

    def reprint_last(self) -> tuple[int, str]:
        """Print what a printer fault left queued; if nothing is, a copy of the last receipt.

        Tickets are never queued twice (a second copy would be a second ticket); only jobs
        that never printed, and receipts. Returns (jobs left unprinted, error code).
        """
        if not self.checkout.documents.count():
            queue_reprint(self.store, None, actor="operator")
        return self.checkout.documents.print_queued(actor="operator")

    def close_shift(self) -> Summary:
        """Close the shift in the journal and print its slip (see :mod:`kiosk.checkout.shift`),
        then settle with the acquirer when there is one (a host that cannot be reached now
        leaves the payments for the next settlement)."""
        summary = close_shift(self.store, self.printer, now=self.clock(), actor="operator")
        if isinstance(self.provider, CardPaymentProvider) and self.provider.host is not None:
            try:
                settle_with_acquirer(
                    self.store, self.provider.host.host, now=self.clock(), actor="operator"
                )
            except HostError as exc:
                log.warning("settlement with the acquirer left for later: %s", exc.code)
        return summary

    # -- gate --------------------------------------------------------------------------------

    def check_ticket(self, scanned: str) -> tuple[GateDecision, datetime | None]:
        """The gate's decision on a scan (admitted tickets are marked used in the journal),
        and when a USED ticket was admitted before. Refusals are journalled too."""
        decision = check_ticket(
            scanned, self.ticket_keys, JournalUsedTickets(self.store), now=self.clock()
        )
        if not decision.admitted:
            ticket_id = decision.ticket.ticket_id if decision.ticket else None
            self.store.record(
                "gate.refused",
                {"verdict": decision.verdict.value, "ticket": ticket_id},
                actor="gate",
            )
        return decision, self._used_at(decision)

    @property
    def card_gate(self) -> bool:
        """Whether the gate also admits by tapping the paying card (it has a reader)."""
        return (self.gate_reader or self.sim_reader) is not None

    def check_card(self, timeout: float) -> tuple[GateDecision, datetime | None] | None:
        """Wait up to ``timeout`` s for a card tapped at the gate's reader and decide on it
        (:func:`kiosk.checkout.gate_card.admit_by_card`), as :meth:`check_ticket` does for a
        scan. None when no new card came, or the gate has no reader (QR only). Raises
        ReaderError when the reader itself fails, JournalError when the journal does."""
        reader = self.gate_reader or self.sim_reader
        if reader is None:
            return None
        if self._taps is None:
            self._taps = CardTaps(reader)
        card = self._taps.next(timeout)
        if card is None:
            return None
        try:
            decision = admit_by_card(
                self.store,
                reader,
                card,
                token_key=pan_token_key(self.settings),
                now=self.clock(),
            )
        finally:
            reader.disconnect()
        return decision, self._used_at(decision)

    def _used_at(self, decision: GateDecision) -> datetime | None:
        """When a USED ticket was admitted (for the refusal screen), else None."""
        if decision.verdict is not GateVerdict.USED or decision.ticket is None:
            return None
        return JournalUsedTickets(self.store).used_at(decision.ticket.ticket_id)

    # -- sync ----------------------------------------------------------------------------------

    def begin_sale(self) -> None:
        """Put the newest parameter bundle in effect, between sales: the catalog the sale's
        order is built from, the card blocklist, revocations and CA keys. A sale already
        shown keeps what it started with (its order carries its prices)."""
        params = self.sync.params_for_sale() if self.sync is not None else None
        if params is None or params is self._params:
            return
        self._params = params
        if params.catalog is not None:
            self.catalog = params.catalog
        if isinstance(self.provider, CardPaymentProvider):
            _apply_payment_params(self.provider, params)

    def sync_view(self) -> SyncView:
        """The sync state for the status area: disabled, not_enrolled, ok or error."""
        return SyncView("disabled") if self.sync is None else self.sync.view()

    def device_state(self) -> DeviceState:
        """Printer, reader and last sale, as a heartbeat reports them."""
        printer = (
            "none"
            if self.printer is None
            else _PRINTER_STATES.get(self.printer_status(), "offline")
        )
        reader = "none"
        if self.provider is not None:
            reader = "ok"
            if self.reader_check is not None:
                try:
                    self.reader_check()
                except KioskError:
                    reader = "missing"
        with self.store.read() as session:
            last_sale = session.scalar(
                select(Order.created_at)
                .where(Order.status == OrderStatus.PAID)
                .order_by(Order.id.desc())
                .limit(1)
            )
        return DeviceState(printer=printer, reader=reader, last_sale_at=last_sale)

    def dispose(self) -> None:
        if self.sync is not None:
            self.sync.stop()
        if self.owed_reversals is not None:
            self.owed_reversals.stop()
        self.store.dispose()


def _apply_payment_params(provider: CardPaymentProvider, params: Params) -> None:
    """A bundle's card sections on the card provider (the kernel reads them per sale)."""
    config = provider.config
    if params.blocklist is not None:
        config = dataclasses.replace(config, exception_file=params.blocklist)
    if params.ca_revocations is not None:
        config = dataclasses.replace(config, revocation_list=params.ca_revocations)
    provider.config = config
    if params.ca_keys is not None:
        provider.capk = provider.capk.with_production(params.ca_keys)


#: Printer error codes as a heartbeat names them (anything else: offline).
_PRINTER_STATES = {"ok": "ok", "printer.paper_out": "paper_out", "printer.paper_low": "paper_low"}


class _Unavailable:
    """Stands in for the provider in :class:`Checkout` until one is wired; never charges."""

    def pay(self, request: Any, hooks: Any) -> Any:
        raise PaymentUnavailableError("no card payment provider on this terminal")


def payment_provider(
    settings: Settings, store: JournalStore | None = None
) -> PaymentProvider | None:
    """The card payment provider for ``settings`` (the kernel on the configured reader; an
    acquirer link keeps its records in ``store``); None for a gate, which takes no payments."""
    if settings.terminal.mode is Mode.GATE:
        return None
    return provider_from_settings(settings, store=store)


def pcsc_reader_check(name: str | None) -> Callable[[], None]:
    """A readiness check for PC/SC reader ``name`` (None: any reader).

    It lists readers on a PC/SC context of its own, so it may run while the payment
    worker's reader is in a transaction. Raises ReaderUnavailableError.
    """
    probe = PcscReader(name)

    def check() -> None:
        names = probe.readers()
        if not names or (name is not None and name not in names):
            raise ReaderUnavailableError(
                f"reader {name or 'any'!r} not connected", reader=name, available=names
            )

    return check


def build_services(settings: Settings) -> KioskServices:
    """Open the journal and wire printer, provider and catalog for ``settings``."""
    store = JournalStore(settings.journal_url, settings.terminal.id, key_dir=settings.data_dir)
    selling = settings.terminal.mode is not Mode.GATE
    try:
        # A journal that went backwards or vanished: nothing is sold or admitted until an
        # operator accepts the reset (kiosk journal accept-reset).
        require_sound_head(store)
        if selling:
            # One selling process per terminal; then what a crash left pending is provably
            # its dead predecessor's. A gate takes no payment: no lock, no recovery.
            store.lock_terminal()
    except KioskError:
        store.dispose()
        raise
    provider = payment_provider(settings, store)
    if isinstance(provider, CardPaymentProvider):
        provider.on_card = card_settler(store, token_key=provider.config.pan_token_key)
        provider.offline_total = SyncStateStore(store).offline_unacked_fen
    # The demo's card panel drives the very reader the provider waits on.
    reader = getattr(provider, "reader", None)
    spec = settings.payment.reader
    check = None
    if provider is not None and spec.startswith("pcsc"):
        check = pcsc_reader_check(spec.partition(":")[2] or None)
    # A gate takes no payment; with a PC/SC reader configured it admits by card taps too.
    gate_reader = None
    if settings.terminal.mode is Mode.GATE and spec.startswith("pcsc"):
        gate_reader = PcscReader(spec.partition(":")[2] or None)
    services = KioskServices(
        settings=settings,
        store=store,
        catalog=load_catalog(),
        printer=printer_from_settings(settings),
        provider=provider,
        sim_reader=reader if isinstance(reader, SimReader) else None,
        reader_check=check,
        gate_reader=gate_reader,
        disk=disk_guard(settings) if selling else None,
        spool=outcome_spool(settings) if selling else None,
    )
    services.sync = link_from_settings(settings, store, services.device_state)
    services.sync.start()
    if selling:
        # What the journal could not take, and what a crash left pending, before anything
        # else happens. A full disk must not keep the terminal from starting: it then
        # refuses cards (health) and tries again before the next sale.
        try:
            services.checkout.recover()
        except JournalError as exc:
            log.error("start-up recovery put off: %s", exc)
        # A reversal the dead predecessor owed goes now, not with the next sale.
        services.owed_reversals = send_owed_reversals(provider)
    return services
