"""Online processing, issuer scripts and completion (EMV 4.3 Book 3 §10.9-§10.11).

The host gets the ARQC and field-55 data through :class:`AuthorizationHost`; its answer
brings the response code (8A), the issuer authentication data (91: ARPC ‖ ARC) and the
issuer scripts (71 before, 72 after the second GENERATE AC). ``HostError`` means
"unable to go online": EMV has no TVR bit for it; the authorisation response code the
terminal makes up, Y3 or Z3 (Book 4 §6.3.7, Annex A6), tells the card and the journal.
"""

from __future__ import annotations

from kiosk.payment import tlv
from kiosk.payment.dol import parse_dol
from kiosk.payment.errors import CardError, HostError
from kiosk.payment.host.base import (
    AuthorizationHost,
    AuthorizationRequest,
    AuthorizationResponse,
)
from kiosk.payment.kernel.action import AcType, generate_ac, terminal_action_analysis
from kiosk.payment.kernel.context import TransactionContext, Tsi, Tvr
from kiosk.payment.kernel.outcome import field55
from kiosk.payment.kernel.pan import pan_digits, psn_digits
from kiosk.payment.tags import Tag

__all__ = [
    "authorization_request",
    "completion",
    "issuer_script_processing",
    "online_processing",
    "request_authorization",
]


def authorization_request(ctx: TransactionContext) -> AuthorizationRequest:
    """The request for this transaction: amount, PAN/PSN for the issuer, field 55."""
    return AuthorizationRequest(
        amount_fen=ctx.params.amount_fen,
        currency=ctx.config.currency_code[-3:],
        when=ctx.params.when,
        pan=pan_digits(ctx.card.values),
        psn=psn_digits(ctx.card.values),
        icc_data=field55(ctx),
        terminal_id=ctx.config.terminal_id,
        merchant_id=ctx.config.merchant_id,
        stan=ctx.params.sequence_counter,
        transaction_type=ctx.params.transaction_type,
    )


def request_authorization(
    ctx: TransactionContext, host: AuthorizationHost
) -> AuthorizationResponse | None:
    """Ask the host; None when it cannot be reached or answers garbage (``HostError``).
    An answer sets 8A to its response code."""
    try:
        response = host.authorize(authorization_request(ctx))
    except HostError:
        return None
    ctx.terminal.host_response_code = response.response_code
    ctx.terminal.arc = response.response_code.encode("ascii", "replace")[:2].ljust(2, b"0")
    return response


def online_processing(
    ctx: TransactionContext, host: AuthorizationHost
) -> AuthorizationResponse | None:
    """Online processing of an ARQC (Book 3 §10.9); None when unable to go online.

    With an answer: issuer authentication (AIP byte 1 b3) by EXTERNAL AUTHENTICATE,
    unless the card's CDOL2 asks for 91 itself; a failure (any status but 9000, or 91
    not 8-16 bytes) sets TVR 'issuer authentication failed' and the transaction goes on
    to the second GENERATE AC, where the card decides. TSI 'issuer authentication
    performed' once tried.
    """
    response = request_authorization(ctx, host)
    if response is None:
        return None
    data = response.issuer_authentication_data
    if data and ctx.card.aip_has(1, 0x04):
        ctx.set_tsi(Tsi.ISSUER_AUTHENTICATION_PERFORMED)
        if _cdol2_has(ctx, Tag.ISSUER_AUTHENTICATION_DATA):
            ctx.terminal.extra[Tag.ISSUER_AUTHENTICATION_DATA] = data
        elif not (8 <= len(data) <= 16 and _external_authenticate(ctx, data)):
            ctx.set_tvr(Tvr.ISSUER_AUTHENTICATION_FAILED)
    return response


def _external_authenticate(ctx: TransactionContext, data: bytes) -> bool:
    """EXTERNAL AUTHENTICATE with 91 (Book 3 §6.5.4); True when the card said 9000."""
    return ctx.channel.send(0x00, 0x82, 0x00, 0x00, data, le=None).ok


def _cdol2_has(ctx: TransactionContext, tag: int) -> bool:
    try:
        return any(e.tag == tag for e in parse_dol(ctx.card.values.get(Tag.CDOL2, b"")))
    except CardError:
        return False


def issuer_script_processing(
    ctx: TransactionContext, scripts: tuple[bytes, ...], template: int
) -> None:
    """Send the commands (86) of each ``template`` (71 or 72) script (Book 3 §10.10).

    A script stops at its first command answered other than 90xx/62xx/63xx; that, or a
    malformed template, sets TVR 'script processing failed' before/after the final AC.
    Each script run adds its 5-byte result to ``ctx.terminal.script_results``.
    """
    failed_bit = (
        Tvr.SCRIPT_FAILED_BEFORE_AC
        if template == Tag.ISSUER_SCRIPT_TEMPLATE_1
        else Tvr.SCRIPT_FAILED_AFTER_AC
    )
    for script in scripts:
        try:
            items = tlv.decode(script)
        except CardError:
            ctx.set_tvr(failed_bit)
            continue
        if not items or items[0].tag != template:
            continue
        ctx.set_tsi(Tsi.SCRIPT_PROCESSING_PERFORMED)
        status = 0x20  # performed successfully
        for number, command in enumerate(items[0].children.find_all(0x86), start=1):
            try:
                sw1 = ctx.channel.send_raw(command.value).sw1
            except CardError:
                sw1 = 0x6F
            if sw1 not in (0x90, 0x62, 0x63):
                ctx.set_tvr(failed_bit)
                status = 0x10 | min(number, 0x0F)  # failed, at this command
                break
        identifier = items[0].children.first(Tag.ISSUER_SCRIPT_IDENTIFIER) or bytes(4)
        ctx.terminal.script_results += bytes([status]) + identifier[:4].rjust(4, b"\x00")


def completion(ctx: TransactionContext, response: AuthorizationResponse | None) -> AcType:
    """The second GENERATE AC with CDOL2 (Book 3 §10.11).

    Online: TC if the host approved, else AAC. Unable to go online: the default action
    codes decide (§10.7 last step) and 8A becomes Y3 (TC asked) or Z3 (AAC asked).
    Scripts 71 go before, 72 after. Returns the card's final cryptogram type.
    """
    if response is None:
        requested = terminal_action_analysis_offline(ctx)
        ctx.terminal.arc = b"Y3" if requested is AcType.TC else b"Z3"
    else:
        requested = AcType.TC if response.approved else AcType.AAC
        issuer_script_processing(ctx, response.issuer_scripts, Tag.ISSUER_SCRIPT_TEMPLATE_1)
    final = generate_ac(ctx, requested, Tag.CDOL2)
    if response is not None:
        issuer_script_processing(ctx, response.issuer_scripts, Tag.ISSUER_SCRIPT_TEMPLATE_2)
    return final


def terminal_action_analysis_offline(ctx: TransactionContext) -> AcType:
    """TAA again as an offline terminal: TAC/IAC-default against the TVR."""
    capable = ctx.online_capable
    ctx.online_capable = False
    try:
        return terminal_action_analysis(ctx)
    finally:
        ctx.online_capable = capable
