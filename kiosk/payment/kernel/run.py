"""``run_transaction``: the phases in order, for a card the caller has already waited for.

Contact (EMV 4.3 Book 3 §10, PBOC JR/T 0025.5/.13): selection, GPO, records, the
caller's repricing (:mod:`.reprice`: a lower amount restarts on the card), terminal
risk management, ODA, processing restrictions, CVM, terminal action analysis, the EC
balance check, the commit hook, the first GENERATE AC, then online processing and the
second GENERATE AC when the card asks for it. Book 3 §10 leaves the order of ODA,
restrictions, CVM and risk management to the terminal; risk management comes first here
because its GET DATA (velocity) then precedes INTERNAL AUTHENTICATE, as real terminals
do it (see the recorded UnionPay session in ``tests/data``).

Contactless: selection by PPSE, the caller's repricing by AID, then :mod:`.qpboc`.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from kiosk.errors import ConfigError, UsageError
from kiosk.payment.bcd import fen_of
from kiosk.payment.capk import CaKeyStore
from kiosk.payment.errors import CardError, ReaderError
from kiosk.payment.host.base import AuthorizationHost, ClearingHost
from kiosk.payment.kernel.action import (
    AcType,
    card_action_analysis,
    terminal_action_analysis,
)
from kiosk.payment.kernel.config_check import check_config
from kiosk.payment.kernel.context import CardData, Termination, TransactionContext, Tvr
from kiosk.payment.kernel.cvm import cardholder_verification
from kiosk.payment.kernel.initiate import GpoStatus, initiate_application_processing
from kiosk.payment.kernel.oda import offline_data_authentication
from kiosk.payment.kernel.online import authorization_request, completion, online_processing
from kiosk.payment.kernel.outcome import build_result
from kiosk.payment.kernel.pan import mask_pan, pan_digits, pan_token
from kiosk.payment.kernel.qpboc import qpboc_gpo, qpboc_outcome, ttq_for
from kiosk.payment.kernel.read_data import read_application_data
from kiosk.payment.kernel.reprice import reprice_contact, reprice_contactless
from kiosk.payment.kernel.restrictions import processing_restrictions
from kiosk.payment.kernel.risk import TransactionHistory, terminal_risk_management
from kiosk.payment.kernel.selection import (
    Candidate,
    build_candidate_list,
    select_application,
)
from kiosk.payment.kernel.types import (
    CardCommit,
    KernelHooks,
    OnlinePolicy,
    Outcome,
    TerminalConfig,
    TransactionParams,
    TransactionResult,
)
from kiosk.payment.procedures import CardChannel
from kiosk.payment.reader import CardPresence, Interface, Reader
from kiosk.payment.tags import Tag

__all__ = ["run_transaction"]

#: Why the card or terminal declined, from the TVR, most telling first.
_DECLINE_REASONS: tuple[tuple[Tvr, str], ...] = (
    (Tvr.CARD_ON_EXCEPTION_FILE, "card.exception_file"),
    (Tvr.EXPIRED, "card.expired"),
    (Tvr.NOT_YET_EFFECTIVE, "card.not_yet_effective"),
    (Tvr.SERVICE_NOT_ALLOWED, "card.service_not_allowed"),
    (Tvr.SDA_FAILED | Tvr.DDA_FAILED | Tvr.CDA_FAILED, "card.oda_failed"),
    (Tvr.CVM_NOT_SUCCESSFUL, "cvm.failed"),
)


def _decline_reason(ctx: TransactionContext) -> str:
    """The first telling TVR bit; else, when a host exists but cannot be reached now,
    ``host.unavailable`` (the offline decision declined); else ``card.declined``."""
    for bits, reason in _DECLINE_REASONS:
        if ctx.terminal.tvr & bits:
            return reason
    if ctx.host_configured and not ctx.online_capable:
        return "host.unavailable"
    return "card.declined"


def _progress(hooks: KernelHooks | None, stage: str) -> None:
    if hooks is not None:
        hooks.progress(stage)


def _commit(ctx: TransactionContext, hooks: KernelHooks | None) -> None:
    """The commit point: the caller's pending row is written before the card approves."""
    if hooks is not None:
        values = ctx.card.values
        hooks.before_card_commit(
            CardCommit(
                interface=ctx.interface,
                aid=ctx.card.aid.hex().upper(),
                pan_masked=mask_pan(pan_digits(values)),
                pan_token=pan_token(ctx.config.pan_token_key, values),
                atc=ctx.terminal.atc,
            )
        )
    ctx.committed = True


def _select_and_initiate(
    ctx: TransactionContext, gpo: Callable[[TransactionContext], bool]
) -> None:
    """Selection, then GPO; a 6985 to GPO goes back to the next candidate (§10.1)."""
    candidates: list[Candidate] = build_candidate_list(ctx)
    while True:
        candidates = select_application(ctx, candidates)
        if gpo(ctx):
            return
        ctx.card = CardData()


def _ec_balance_check(ctx: TransactionContext, requested: AcType) -> AcType:
    """EC before the first GENERATE AC (JR/T 0025.13): read the balance with GET DATA
    9F79 when the EC path was offered; when it cannot pay and the host cannot be asked,
    ask the card for an AAC: a clear decline (``card.ec_balance_low``)."""
    reachable = ctx.online_capable
    if not (ctx.electronic_cash or (ctx.terminal.ec_offered and not reachable)):
        return requested
    balance = fen_of(ctx.channel.get_data(Tag.EC_BALANCE))
    ctx.terminal.ec_balance_before = balance
    if balance is not None and balance < ctx.params.amount_fen and not reachable:
        ctx.decline_reason = "card.ec_balance_low"
        return AcType.AAC
    return requested


def _balance_after(ctx: TransactionContext) -> int | None:
    """GET DATA 9F79 after the TC; the approval stands if the card is gone by then."""
    try:
        return fen_of(ctx.channel.get_data(Tag.EC_BALANCE))
    except ReaderError:
        return None


def _after_first_ac(
    ctx: TransactionContext, given: AcType, host: AuthorizationHost | None
) -> tuple[Outcome, str]:
    """The card's first answer decides: TC approved (Y1), AAC declined (Z1), ARQC goes
    online through the host, then the second GENERATE AC. A terminal that cannot go
    online (no host, or not reachable) still completes with the second GENERATE AC, the
    Default action codes deciding (Book 3 §10.7, §10.11; 8A Y3/Z3, Book 4 Annex A6), so
    the card is never left mid-transaction."""
    if given is AcType.TC:
        ctx.terminal.arc = b"Y1"
        if ctx.electronic_cash:
            ctx.terminal.ec_balance_after = _balance_after(ctx)
        return Outcome.APPROVED_OFFLINE, ""
    if given is AcType.AAC:
        ctx.terminal.arc = b"Z1"
        return Outcome.DECLINED, ctx.decline_reason or _decline_reason(ctx)
    response = None
    if host is not None and ctx.online_capable:
        response = online_processing(ctx, host)
    final = completion(ctx, response)
    if final is AcType.TC:
        return (Outcome.APPROVED_ONLINE if response else Outcome.APPROVED_OFFLINE), ""
    if response is None:
        return Outcome.DECLINED, "host.unavailable" if ctx.host_configured else _decline_reason(ctx)
    return Outcome.DECLINED, response.decline_reason or "card.declined"


def _contact(
    ctx: TransactionContext,
    capk: CaKeyStore,
    host: AuthorizationHost | None,
    hooks: KernelHooks | None,
    history: TransactionHistory | None,
) -> tuple[Outcome, str]:
    _select_and_initiate(ctx, lambda c: initiate_application_processing(c) is GpoStatus.DONE)
    _progress(hooks, "card.reading")
    read_application_data(ctx)
    reprice_contact(ctx, hooks)
    terminal_risk_management(ctx, history)
    _progress(hooks, "card.authenticating")
    offline_data_authentication(ctx, capk)
    processing_restrictions(ctx)
    cardholder_verification(ctx)
    requested = _ec_balance_check(ctx, terminal_action_analysis(ctx))
    _commit(ctx, hooks)
    given = card_action_analysis(ctx, requested)
    if given is AcType.ARQC and host is not None:
        _progress(hooks, "host.waiting")
    outcome = _after_first_ac(ctx, given, host)
    _progress(hooks, "card.completing")
    return outcome


def _contactless(
    ctx: TransactionContext,
    capk: CaKeyStore,
    host: AuthorizationHost | None,
    hooks: KernelHooks | None,
) -> tuple[Outcome, str]:
    if ctx.params.amount_fen >= ctx.config.contactless_limit_fen:
        # Reader contactless transaction limit: at or above it contactless is not allowed
        # (JR/T 0025.12 pre-processing; EMV Book B Entry Point pre-processing: "greater
        # than or equal to" the Reader Contactless Transaction Limit): use contact.
        raise Termination(Outcome.USE_OTHER_INTERFACE, "amount.over_contactless_limit")
    ctx.terminal.ttq = ttq_for(ctx)
    first = True

    def gpo(c: TransactionContext) -> bool:
        nonlocal first
        if first:
            reprice_contactless(c, hooks)
            _commit(c, hooks)  # qPBOC: the card decides in GPO
            first = False
        return qpboc_gpo(c)

    _select_and_initiate(ctx, gpo)
    _progress(hooks, "card.reading")
    return qpboc_outcome(ctx, capk, host, hooks)


def _check_inputs(
    params: TransactionParams, config: TerminalConfig, capk: CaKeyStore | None
) -> None:
    """Refuse what the operator or the caller got wrong before the card is touched."""
    if capk is None:
        raise ConfigError(
            "no CA public key store: offline data authentication is impossible",
            code="config.capk_missing",
        )
    check_config(config)
    if params.amount_fen < 0 or params.other_amount_fen < 0:
        raise UsageError("amounts are non-negative fen", amount=params.amount_fen)
    un = params.unpredictable_number
    if un is not None and len(un) != 4:
        raise UsageError("the unpredictable number is 4 bytes", code="usage.unpredictable_number")


def run_transaction(
    reader: Reader,
    card: CardPresence,
    params: TransactionParams,
    config: TerminalConfig,
    *,
    capk: CaKeyStore | None,
    host: AuthorizationHost | None = None,
    hooks: KernelHooks | None = None,
    rng: Callable[[int], bytes] = os.urandom,
    history: TransactionHistory | None = None,
) -> TransactionResult:
    """Take the presented card through one transaction and return what came of it.

    ``host`` None (or policy ``never``) makes an offline-only terminal (9F35 x3/x6, EC
    offered where the card allows it); a host with ``params.host_reachable`` False
    completes as "unable to go online" — both with the second GENERATE AC on contact.
    ``hooks.amount_for`` is asked at most once, before the commit (see :mod:`.reprice`);
    ``result.amount_fen`` is the amount finally charged.
    ``hooks.before_card_commit`` is called exactly once, right before the first GENERATE
    AC (contact) or the GPO (qPBOC); it may raise to stop.

    Errors are results, never exceptions, once the card is being talked to:
    a reader fault or a card pulled out (``ReaderError``) returns ``TRY_AGAIN``, malformed
    or missing card data (``CardError``) returns ``END_APPLICATION``, each with ``reason``
    = the error's code. ``result.committed`` says whether the card was asked to approve:
    a committed result that is ``TRY_AGAIN`` or ``END_APPLICATION`` is *uncertain* (the
    card may have approved) and is journalled for recovery.

    Raises ``ConfigError`` (no CA key store, a malformed TAC) and ``UsageError`` (negative
    amount, a 9F37 not 4 bytes) before any command is sent; ``UsageError``
    ``usage.amount_raised`` when ``amount_for`` does not lower the amount; whatever
    ``hooks`` raise.
    """
    _check_inputs(params, config, capk)
    assert capk is not None  # checked above
    ctx = TransactionContext(config, params, card.interface, CardChannel(reader), rng)
    ctx.host_configured = host is not None and config.online is not OnlinePolicy.NEVER
    ctx.online_capable = ctx.host_configured and params.host_reachable
    ctx.terminal.unpredictable_number = params.unpredictable_number or rng(4)
    _progress(hooks, "card.selecting")
    try:
        if card.interface is Interface.CONTACTLESS:
            outcome, reason = _contactless(ctx, capk, host, hooks)
        else:
            outcome, reason = _contact(ctx, capk, host, hooks, history)
    except Termination as stop:
        outcome, reason = stop.outcome, stop.reason
    except ReaderError as exc:
        outcome, reason = Outcome.TRY_AGAIN, exc.code
    except CardError as exc:
        outcome, reason = Outcome.END_APPLICATION, exc.code
    _clearing(ctx, host, outcome)
    return build_result(ctx, outcome, reason)


def _clearing(ctx: TransactionContext, host: AuthorizationHost | None, outcome: Outcome) -> None:
    """Tell a clearing host (the acquirer link) of an offline approval, of the TC of an
    online one, and of the results of issuer scripts run after an online answer (UnionPay
    DF31 in a 0620)."""
    if not isinstance(host, ClearingHost) or not ctx.card.cryptogram:
        return
    if outcome is Outcome.APPROVED_OFFLINE:
        host.advise(authorization_request(ctx))
        return
    if outcome is Outcome.APPROVED_ONLINE:
        host.complete(authorization_request(ctx))
    if ctx.terminal.script_results:  # scripts run only with an online answer
        host.report_scripts(authorization_request(ctx), ctx.terminal.script_results)
