"""The card kernel as checkout's payment provider.

:class:`CardPaymentProvider` waits for a card on a :class:`~kiosk.payment.reader.Reader`
(bounded by a timeout, ended early by ``request.cancelled``), runs the kernel's
``run_transaction``, passes the kernel's commit point on to checkout's hooks (so the
*pending* row knows the card before it is asked to approve), hands ``request.reprice``
to the kernel as ``amount_for`` (card discounts: contact after the records, qPBOC with
the AID only), and turns the :class:`~kiosk.payment.kernel.types.TransactionResult`
into a :class:`~kiosk.checkout.provider.PaymentOutcome`. Exceptions of the card session
(card pulled, reader gone) are left to the pipeline, which marks the payment aborted or,
after the commit point, uncertain.

The host is tracked: a ``HostError`` marks it down for ``host_retry_s``; meanwhile the
kernel is told it is unreachable (``TransactionParams.host_reachable``), so that it
completes offline on electronic cash or as "unable to go online": online first when
reachable, EC offline when the host is down (docs/architecture.md "Online, offline and
fallback").
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import TYPE_CHECKING, Any, Protocol

from kiosk.checkout.provider import (
    CardIdentity,
    PaymentHooks,
    PaymentOutcome,
    PaymentRequest,
    PaymentVerdict,
)
from kiosk.config import Settings
from kiosk.errors import ConfigError
from kiosk.journal.acquirer_records import JournalLinkRecords
from kiosk.journal.store import JournalStore
from kiosk.payment.capk import CaKeyStore
from kiosk.payment.errors import CardError, CardTimeoutError, HostError, ReaderError
from kiosk.payment.host.base import (
    AuthorizationHost,
    AuthorizationRequest,
    AuthorizationResponse,
    ClearingHost,
)
from kiosk.payment.kernel import run_transaction
from kiosk.payment.kernel.types import (
    CardCommit,
    PricingFacts,
    TerminalConfig,
    TransactionParams,
    TransactionResult,
)
from kiosk.payment.kernel.types import Outcome as KernelOutcome
from kiosk.payment.reader import CardPresence, Interface, Reader
from kiosk.payment.reader.open import open_reader
from kiosk.payment.settings import ca_keys, terminal_config
from kiosk.sales.tickets import CardFacts

if TYPE_CHECKING:
    from kiosk.payment.host.owed_reversals import OwedReversals

log = logging.getLogger(__name__)

__all__ = [
    "CardPaymentProvider",
    "TrackedHost",
    "acquirer_from_settings",
    "outcome_from_result",
    "provider_from_settings",
    "send_owed_reversals",
]


class RunTransaction(Protocol):
    """The kernel's entry point (``kiosk.payment.kernel.run_transaction``)."""

    def __call__(
        self,
        reader: Reader,
        card: CardPresence,
        params: TransactionParams,
        config: TerminalConfig,
        *,
        capk: CaKeyStore,
        host: AuthorizationHost | None = None,
        hooks: Any = None,
    ) -> TransactionResult: ...


# --- host reachability ------------------------------------------------


@dataclass
class TrackedHost:
    """An ``AuthorizationHost`` that remembers failing, and owns the reversals.

    A HostError marks the host down for ``retry_s`` (``clock``: monotonic seconds, an
    argument so tests need not sleep). Reversals (docs/architecture.md "Online, offline and
    fallback") are queued and sent in order before the next request, so a host that
    is down delays them but loses none: a request whose answer timed out, and one the
    host approved but the card then declined (:meth:`reverse_approval`). The issuer
    matches them by STAN, so sending one twice is harmless. The queue holds requests, and
    so PANs, in memory only: a restart loses it (reconciliation with the acquirer's
    report catches what is left).
    """

    host: AuthorizationHost
    retry_s: float = 60.0
    clock: Callable[[], float] = time.monotonic
    down_until: float = field(default=0.0, init=False)
    last_error: str = field(default="", init=False)
    pending: list[tuple[AuthorizationRequest, str]] = field(
        default_factory=list, init=False, repr=False
    )
    #: The last request answered and its answer (for :meth:`reverse_approval`).
    last: tuple[AuthorizationRequest, AuthorizationResponse] | None = field(
        default=None, init=False, repr=False
    )

    @property
    def up(self) -> bool:
        return self.clock() >= self.down_until

    def _failed(self, exc: HostError) -> None:
        self.down_until, self.last_error = self.clock() + self.retry_s, exc.code

    def authorize(self, request: AuthorizationRequest) -> AuthorizationResponse:
        """Send queued reversals, then ask; a timed-out request is queued for reversal."""
        self.send_reversals()
        try:
            response = self.host.authorize(request)
        except HostError as exc:
            self._failed(exc)
            if exc.code == "host.timeout":
                self.pending.append((request, "host.timeout"))
            raise
        self.down_until, self.last_error = 0.0, ""
        self.last = (request, response)
        return response

    def reverse(self, request: AuthorizationRequest, *, reason: str) -> None:
        """Queue a reversal and try to send it now; never raises (it stays queued)."""
        self.pending.append((request, reason))
        self.send_reversals()

    def reverse_approval(self, reason: str) -> None:
        """Reverse the last authorisation if the host approved it (the card did not)."""
        if self.last is not None and self.last[1].approved:
            self.reverse(self.last[0], reason=reason)
        self.last = None

    def advise(self, request: AuthorizationRequest) -> None:
        """An offline approval, for a host that clears (the acquirer link); else nothing."""
        if isinstance(self.host, ClearingHost):
            self.host.advise(request)

    def report_scripts(self, request: AuthorizationRequest, results: bytes) -> None:
        """Issuer-script results, for a host that clears; else nothing."""
        if isinstance(self.host, ClearingHost):
            self.host.report_scripts(request, results)

    def complete(self, request: AuthorizationRequest) -> None:
        """The TC of an online approval, for a host that clears; else nothing."""
        if isinstance(self.host, ClearingHost):
            self.host.complete(request)

    def send_reversals(self) -> None:
        """Send queued reversals in order; at a HostError keep the rest for later."""
        while self.pending:
            request, reason = self.pending[0]
            try:
                self.host.reverse(request, reason=reason)
            except HostError as exc:
                self._failed(exc)
                return
            self.pending.pop(0)


# --- result mapping ------------------------------------------------

#: Kernel outcomes and what checkout makes of them (nothing is charged but on approval;
#: the pipeline turns an abort after the commit point into *uncertain*).
_OUTCOMES = {
    KernelOutcome.APPROVED_OFFLINE: (PaymentVerdict.APPROVED, ""),
    KernelOutcome.APPROVED_ONLINE: (PaymentVerdict.APPROVED, ""),
    KernelOutcome.DECLINED: (PaymentVerdict.DECLINED, "card.declined"),
    KernelOutcome.ONLINE_REQUEST: (PaymentVerdict.DECLINED, "host.unavailable"),
    KernelOutcome.TRY_AGAIN: (PaymentVerdict.ABORTED, "card.try_again"),
    KernelOutcome.USE_OTHER_INTERFACE: (PaymentVerdict.ABORTED, "card.use_other_interface"),
    KernelOutcome.END_APPLICATION: (PaymentVerdict.ABORTED, "card.end_application"),
}


def _path(result: TransactionResult) -> str:
    if result.outcome is KernelOutcome.APPROVED_ONLINE:
        return "online"
    if result.outcome is not KernelOutcome.APPROVED_OFFLINE:
        return ""
    if result.interface is Interface.CONTACTLESS:
        return "qpboc_offline"
    return "ec_offline" if result.electronic_cash else "offline"


def outcome_from_result(result: TransactionResult) -> PaymentOutcome:
    """The checkout outcome of a kernel result; field-55 data and TVR/TSI/ODA as card_data."""
    outcome, default_reason = _OUTCOMES[result.outcome]
    card_data: dict[str, Any] = dict(result.data)
    card_data |= {
        "tvr": result.tvr,
        "tsi": result.tsi,
        "script_results": result.script_results,
        "oda": {"method": result.oda.method, "result": result.oda.result},
        "apdu_count": result.apdu_count,
        "kernel_outcome": result.outcome.value,
    }
    return PaymentOutcome(
        outcome,
        reason=result.reason or default_reason,
        path=_path(result),
        interface=result.interface.value,
        aid=result.aid,
        app_label=result.app_label,
        pan_masked=result.pan_masked,
        pan_token=result.pan_token,
        atc=result.atc,
        cid=result.cid,
        cryptogram=result.cryptogram,
        response_code=result.response_code,
        ec_balance_before_fen=result.ec_balance_before_fen,
        ec_balance_after_fen=result.ec_balance_after_fen,
        card_data=card_data,
    )


class _Hooks:
    """The kernel's hooks, forwarded to checkout's (pricing, the commit point, progress)."""

    def __init__(
        self, hooks: PaymentHooks, reprice: Callable[[CardFacts], int | None] | None = None
    ) -> None:
        self._hooks, self._reprice = hooks, reprice

    def amount_for(self, card: PricingFacts) -> int | None:
        """``request.reprice`` with the kernel's facts (qPBOC: the AID only, so BIN and
        e-cash discounts do not apply there)."""
        if self._reprice is None:
            return None
        return self._reprice(
            CardFacts(card.bin, card.aid, card.electronic_cash, pan_token=card.pan_token)
        )

    def before_card_commit(self, card: CardCommit) -> None:
        identity = CardIdentity(
            pan_masked=card.pan_masked,
            pan_token=card.pan_token,
            aid=card.aid,
            interface=card.interface.value,
            atc=card.atc,
        )
        self._hooks.before_card_commit(identity)

    def progress(self, stage: str) -> None:
        self._hooks.progress(stage)


# --- the provider ------------------------------------------------


class CardPaymentProvider:
    """Checkout's :class:`~kiosk.checkout.provider.PaymentProvider` for a card reader.

    ``run`` replaces the kernel's ``run_transaction`` (tests of the wiring only). ``tz``
    is the zone of the card's transaction date and time (9A/9F21): the
    machine's local zone by default, the same that recovery reads the card's log in.
    """

    def __init__(
        self,
        reader: Reader,
        config: TerminalConfig,
        *,
        capk: CaKeyStore,
        host: AuthorizationHost | None = None,
        card_timeout_s: float = 60.0,
        host_retry_s: float = 60.0,
        poll_s: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
        run: RunTransaction | None = None,
        tz: tzinfo | None = None,
        on_card: Callable[[Reader, CardPresence], None] | None = None,
        offline_total: Callable[[], int] | None = None,
    ) -> None:
        self.reader, self.config, self.capk = reader, config, capk
        #: Called with each presented card before the kernel runs (start-up recovery settles
        #: the card's uncertain payments from its log here); its card errors are not fatal.
        self.on_card = on_card
        #: Offline approvals the hub has not acknowledged, in fen (kiosk.sync.state): the
        #: kernel's running total against ``max_offline_total_fen``. None: 0 (no journal).
        self.offline_total = offline_total
        self.host = None if host is None else TrackedHost(host, host_retry_s, clock)
        self.card_timeout_s, self.poll_s, self._clock = card_timeout_s, poll_s, clock
        self._run: RunTransaction = run or run_transaction
        self._tz = tz

    def pay(self, request: PaymentRequest, hooks: PaymentHooks) -> PaymentOutcome:
        """Wait for a card, run the kernel, map its result (see the module docstring)."""
        hooks.progress("card.waiting")
        if self.host is not None:
            self.host.last = None
            if self.host.up:
                self.host.send_reversals()
        card = self._wait(request)
        if isinstance(card, PaymentOutcome):
            return card
        try:
            if self.on_card is not None:
                self._settle_first(card)
            params = TransactionParams(
                amount_fen=request.amount_fen,
                when=request.now.astimezone(self._tz),
                sequence_counter=request.payment_id,
                host_reachable=self.host is None or self.host.up,
                offline_total_fen=self.offline_total() if self.offline_total else 0,
            )
            result = self._run(
                self.reader,
                card,
                params,
                self.config,
                capk=self.capk,
                host=self.host,
                hooks=_Hooks(hooks, request.reprice),
            )
        finally:
            self.reader.disconnect()
        if self.host is not None and result.outcome is KernelOutcome.DECLINED:
            self.host.reverse_approval("card.declined_after_approval")
        return outcome_from_result(result)

    def _settle_first(self, card: CardPresence) -> None:
        """Run ``on_card``; a card that cannot be read for it is still offered to the kernel
        (which then decides with its own, clearer outcome)."""
        assert self.on_card is not None
        try:
            self.on_card(self.reader, card)
        except (CardError, ReaderError) as exc:
            log.warning("could not settle earlier payments with this card: %s", exc.code)

    def _wait(self, request: PaymentRequest) -> CardPresence | PaymentOutcome:
        """A card, or an aborted outcome when the customer gave up or time ran out."""
        deadline = self._clock() + self.card_timeout_s
        while True:
            if request.cancelled():
                return PaymentOutcome(PaymentVerdict.ABORTED, reason="payment.cancelled")
            remaining = deadline - self._clock()
            if remaining <= 0:
                return PaymentOutcome(PaymentVerdict.ABORTED, reason="reader.timeout")
            try:
                return self.reader.wait_for_card(min(self.poll_s, remaining))
            except CardTimeoutError:
                continue
            except ReaderError as exc:
                if exc.code == "reader.cancelled":
                    return PaymentOutcome(PaymentVerdict.ABORTED, reason="payment.cancelled")
                raise


# --- from the settings ------------------------------------------------


def _host(settings: Settings, store: JournalStore | None = None) -> AuthorizationHost | None:
    """``payment.host``: empty for none, ``sim`` for the in-process issuer simulator,
    ``iso8583://HOST:PORT`` for the acquirer client (its TMK from ``payment.tmk_file`` and
    its link key under ``<data_dir>/acquirer``; its STAN and owed records in ``store``'s
    journal database, or beside the key without one). Anything else is refused rather
    than silently taken as offline-only.
    """
    spec = settings.payment.host
    if not spec:
        return None
    if spec == "sim":
        from kiosk.payment.host.issuer_sim import IssuerSimulator

        return IssuerSimulator()
    if spec.startswith("iso8583://"):
        from kiosk.payment.host.acquirer import client_from
        from kiosk.payment.host.health import acquirer_paths

        tmk_file, state_dir = acquirer_paths(settings)
        return client_from(
            spec,
            tmk_file=tmk_file,
            state_dir=state_dir,
            records=None if store is None else JournalLinkRecords(store),
            terminal_id=settings.terminal.id,
            merchant_id=settings.terminal.merchant_id,
            timeout_s=settings.payment.host_timeout_s,
            mac_scheme=settings.payment.host_mac,
        )
    raise ConfigError(
        f"payment.host {spec!r}: expected iso8583://HOST:PORT or 'sim'",
        code="config.host_unsupported",
    )


def acquirer_from_settings(settings: Settings, store: JournalStore) -> AuthorizationHost | None:
    """The acquirer client of ``payment.host`` (None unless it is ``iso8583://``)."""
    return _host(settings, store) if settings.payment.host.startswith("iso8583://") else None


def send_owed_reversals(provider: object) -> OwedReversals | None:
    """Start sending what a previous run left owed to the acquirer, in the background
    (:mod:`kiosk.payment.host.owed_reversals`); None without an acquirer link or when
    nothing is owed. The selling process calls it once, after start-up recovery."""
    if not isinstance(provider, CardPaymentProvider) or provider.host is None:
        return None
    from kiosk.payment.host.acquirer import AcquirerClient
    from kiosk.payment.host.owed_reversals import OwedReversals

    if not isinstance(provider.host.host, AcquirerClient):
        return None
    sender = OwedReversals(provider.host.host)
    return sender if sender.start() else None


def provider_from_settings(
    settings: Settings,
    *,
    host: AuthorizationHost | None = None,
    store: JournalStore | None = None,
) -> CardPaymentProvider:
    """The provider the settings describe: reader from ``payment.reader`` (``sim:PROFILE``
    keeps the card's state under ``<data_dir>/cards``), CA keys with or without the test
    keys, the host from ``payment.host`` unless ``host`` is given."""
    p = settings.payment
    return CardPaymentProvider(
        open_reader(p.reader, state_dir=settings.data_dir / "cards"),
        terminal_config(settings),
        capk=ca_keys(settings),
        host=host if host is not None else _host(settings, store),
        card_timeout_s=p.card_timeout_s,
    )
