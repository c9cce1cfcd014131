"""qPBOC, the contactless path (PBOC JR/T 0025.12): the card decides in its GPO answer.

After PPSE selection the terminal sends GPO with 9F66 (TTQ) and the PDOL data; the card
answers with its cryptogram (TC offline, ARQC online, AAC decline), ATC, IAD, 9F5D
(available offline amount), CTQ 9F6C and, for a TC, the fDDA data (9F69, 9F4B). The
records the AFL names carry the certificates; nothing else is asked of the card (no GET
DATA: 9F5D already is the balance). fDDA is verified after the card may leave the field.
"""

from __future__ import annotations

from kiosk.payment.bcd import fen_of
from kiosk.payment.capk import CaKeyStore
from kiosk.payment.dol import parse_dol
from kiosk.payment.errors import CardError
from kiosk.payment.host.base import AuthorizationHost
from kiosk.payment.kernel.action import AcType, check_cryptogram_fields, cryptogram_type
from kiosk.payment.kernel.context import Termination, TransactionContext, Tvr
from kiosk.payment.kernel.initiate import get_processing_options, store_gpo_answer
from kiosk.payment.kernel.oda import verify_fdda
from kiosk.payment.kernel.online import request_authorization
from kiosk.payment.kernel.pan import pan_token
from kiosk.payment.kernel.read_data import MANDATORY_QPBOC, read_application_data
from kiosk.payment.kernel.restrictions import processing_restrictions
from kiosk.payment.kernel.risk import offline_ceiling_reached
from kiosk.payment.kernel.types import KernelHooks, OnlinePolicy, Outcome
from kiosk.payment.tags import Tag

__all__ = [
    "cryptogram_type_from_iad",
    "online_required",
    "qpboc_gpo",
    "qpboc_outcome",
    "ttq_for",
]

# TTQ (JR/T 0025.12): byte 1 b4 offline only, b3 online PIN, b2 signature; byte 2 b8
# online cryptogram required.
_TTQ_OFFLINE_ONLY, _TTQ_ONLINE_PIN, _TTQ_SIGNATURE, _TTQ_ONLINE_REQUIRED = 0x08, 0x04, 0x02, 0x80
# CTQ byte 1: b8 online PIN required, b7 signature required, b6 go online if ODA fails,
# b5 switch interface if ODA fails.
_CTQ_ONLINE_PIN, _CTQ_SIGNATURE = 0x80, 0x40
_CTQ_ONLINE_IF_ODA_FAILS, _CTQ_SWITCH_IF_ODA_FAILS = 0x20, 0x10
_IAD_TYPES = {0b00: AcType.AAC, 0b01: AcType.TC, 0b10: AcType.ARQC}


def _ctq(ctx: TransactionContext) -> bytes:
    """The CTQ, at least one byte (absent or empty: no requirement)."""
    return ctx.card.values.get(Tag.CTQ) or b"\x00"


def online_required(ctx: TransactionContext) -> bool:
    """TTQ byte 2 b8 'online cryptogram required' (JR/T 0025.12 reader rules): the amount
    is above the reader floor limit, the terminal's offline ceiling would be passed, or
    the terminal goes online for every amount. Whether the host can be reached now does
    not matter: a card must not approve offline what the terminal would send online."""
    forced = ctx.params.force_online or ctx.config.online is OnlinePolicy.ALWAYS
    over_floor = ctx.params.amount_fen > ctx.config.floor_limit_fen or offline_ceiling_reached(ctx)
    return forced or over_floor


def ttq_for(ctx: TransactionContext) -> bytes:
    """The configured TTQ with this transaction's bits set (JR/T 0025.12 reader rules)."""
    ttq = bytearray(bytes.fromhex(ctx.config.ttq).ljust(4, b"\x00")[:4])
    ttq[0] &= ~(_TTQ_OFFLINE_ONLY | _TTQ_ONLINE_PIN | _TTQ_SIGNATURE) & 0xFF
    if ctx.config.attended:
        ttq[0] |= _TTQ_SIGNATURE
    if ctx.config.online is OnlinePolicy.NEVER:
        ttq[0] |= _TTQ_OFFLINE_ONLY
    ttq[1] &= ~_TTQ_ONLINE_REQUIRED & 0xFF
    if online_required(ctx):
        ttq[1] |= _TTQ_ONLINE_REQUIRED
    return bytes(ttq)


def cryptogram_type_from_iad(iad: bytes) -> AcType:
    """IAD byte index 4 (the CVR's second byte), bits 6-5: 00 AAC, 01 TC, 10 ARQC."""
    if len(iad) < 5 or (iad[4] >> 4) & 0x03 not in _IAD_TYPES:
        raise CardError("the IAD names no cryptogram type", code="card.iad")
    return _IAD_TYPES[(iad[4] >> 4) & 0x03]


def qpboc_gpo(ctx: TransactionContext) -> bool:
    """Send the qPBOC GPO; False on 6985 (next candidate). Raises ``Termination``
    (6984 / amount over the contactless limit: other interface) or ``CardError``."""
    pdol = ctx.card.fci.get(Tag.PDOL, b"")
    if all(e.tag != Tag.TTQ for e in parse_dol(pdol)):
        raise Termination(Outcome.USE_OTHER_INTERFACE, "card.no_qpboc")
    objects = get_processing_options(ctx)
    if objects is None:
        return False
    store_gpo_answer(ctx, objects)
    values = ctx.card.values
    iad = values.get(Tag.ISSUER_APPLICATION_DATA, b"")
    cid = values.get(Tag.CID)
    kind = cryptogram_type(cid[0]) if cid else cryptogram_type_from_iad(iad)
    check_cryptogram_fields(values, cid=False)
    ctx.card.cryptogram = {
        Tag.CID: bytes([kind]),
        Tag.ATC: values[Tag.ATC],
        Tag.APPLICATION_CRYPTOGRAM: values[Tag.APPLICATION_CRYPTOGRAM],
        Tag.ISSUER_APPLICATION_DATA: iad,
    }
    return True


def _offline_approval(ctx: TransactionContext, capk: CaKeyStore) -> tuple[Outcome, str]:
    """A TC from the card: restrictions and fDDA decide (JR/T 0025.12 reader rules)."""
    processing_restrictions(ctx)
    if ctx.terminal.tvr & (Tvr.EXPIRED | Tvr.NOT_YET_EFFECTIVE):
        return Outcome.DECLINED, "card.expired"
    if pan_token(ctx.config.pan_token_key, ctx.card.values) in ctx.config.exception_file:
        ctx.set_tvr(Tvr.CARD_ON_EXCEPTION_FILE)
        return Outcome.DECLINED, "card.exception_file"
    verify_fdda(ctx, capk)
    if ctx.oda.result != "passed":
        ctq = _ctq(ctx)
        if ctq[0] & _CTQ_ONLINE_IF_ODA_FAILS and ctx.online_capable:
            return Outcome.ONLINE_REQUEST, "card.oda_failed"
        if ctq[0] & _CTQ_SWITCH_IF_ODA_FAILS:
            return Outcome.USE_OTHER_INTERFACE, "card.oda_failed"
        return Outcome.DECLINED, "card.oda_failed"
    ctx.terminal.arc = b"Y1"
    return Outcome.APPROVED_OFFLINE, ""


def qpboc_outcome(
    ctx: TransactionContext,
    capk: CaKeyStore,
    host: AuthorizationHost | None,
    hooks: KernelHooks | None,
) -> tuple[Outcome, str]:
    """After the GPO: read the records, let the card go, then decide."""
    if ctx.card.afl:
        read_application_data(ctx, MANDATORY_QPBOC)
    if hooks is not None:
        hooks.progress("card.remove")
    ctq = _ctq(ctx)
    if ctq[0] & _CTQ_SIGNATURE and ctx.config.attended:
        ctx.terminal.cvm_results = b"\x1e\x00\x00"  # the cashier checks the signature
    available = fen_of(ctx.card.values.get(Tag.AVAILABLE_OFFLINE_AMOUNT))
    kind = AcType(ctx.card.cryptogram[Tag.CID][0])
    if kind is AcType.TC and ctx.terminal.ttq[1] & _TTQ_ONLINE_REQUIRED:
        # The terminal asked for an online cryptogram (TTQ byte 2 b8) and the card approved
        # offline anyway: the reader declines an offline approval it did not allow (JR/T
        # 0025.12 reader rules on the card's answer; EMV Book C-3, the same for qVSDC).
        return Outcome.DECLINED, "card.offline_not_allowed"
    if kind is AcType.TC:
        ctx.terminal.ec_balance_after = available
        if available is not None:  # the card debited exactly the amount (JR/T 0025.12)
            ctx.terminal.ec_balance_before = available + ctx.params.amount_fen
        return _offline_approval(ctx, capk)
    ctx.terminal.ec_balance_before = available
    if kind is AcType.AAC:
        return Outcome.DECLINED, "card.declined"
    return _online(ctx, host)


def _online(ctx: TransactionContext, host: AuthorizationHost | None) -> tuple[Outcome, str]:
    """An ARQC: the host decides (no second GENERATE AC on qPBOC)."""
    ctq = _ctq(ctx)
    if ctq[0] & _CTQ_ONLINE_PIN and not ctx.terminal.ttq[0] & _TTQ_ONLINE_PIN:
        return Outcome.USE_OTHER_INTERFACE, "cvm.online_pin_required"
    if host is None or not ctx.online_capable:
        return Outcome.DECLINED, "host.unavailable"
    response = request_authorization(ctx, host)  # the card has left: no EXTERNAL AUTH
    if response is None:
        return Outcome.DECLINED, "host.unavailable"
    if response.approved:
        return Outcome.APPROVED_ONLINE, ""
    return Outcome.DECLINED, response.decline_reason
