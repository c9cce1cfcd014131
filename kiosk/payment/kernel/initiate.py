"""Initiate application processing: PDOL data and GET PROCESSING OPTIONS.

EMV 4.3 Book 3 §10.1; PBOC JR/T 0025.13 for the EC terminal support indicator 9F7A,
which this module decides from the fallback policy (:func:`offer_electronic_cash`).
"""

from __future__ import annotations

import enum

from kiosk.payment import tlv
from kiosk.payment.errors import CardError
from kiosk.payment.kernel.context import Termination, TransactionContext
from kiosk.payment.kernel.data import dol_data
from kiosk.payment.kernel.types import OnlinePolicy, Outcome
from kiosk.payment.procedures import expect_ok
from kiosk.payment.tags import Tag

__all__ = ["GpoStatus", "get_processing_options", "initiate_application_processing"]

SW_CONDITIONS = 0x6985  # Book 3 §10.1: application cannot be used; next candidate
SW_OTHER_INTERFACE = 0x6984  # JR/T 0025.12 / EMV Book A: try another interface


class GpoStatus(enum.Enum):
    DONE = "done"
    NEXT_CANDIDATE = "next_candidate"


def offer_electronic_cash(ctx: TransactionContext) -> bool:
    """Whether to send 9F7A = 01 (JR/T 0025.13; docs/architecture.md "Online, offline and
    fallback").

    EC needs a purchase within the EC terminal transaction limit 9F7B (strictly below it,
    as JR/T 0025.13 words it). Then: ``always`` (or a forced online) never offers EC;
    ``never`` always does; ``auto`` offers EC unless a reachable host is there and the
    amount is above the floor limit — the amount "needs" the host, so go online first.
    """
    cfg, params = ctx.config, ctx.params
    if params.transaction_type != 0x00 or not 0 < params.amount_fen < cfg.ec_terminal_limit_fen:
        return False
    if cfg.online is OnlinePolicy.ALWAYS or params.force_online:
        return False
    if cfg.online is OnlinePolicy.NEVER:
        return True
    return not (ctx.online_capable and params.amount_fen > cfg.floor_limit_fen)


def get_processing_options(ctx: TransactionContext) -> tlv.TlvList | None:
    """Send GPO with the PDOL data; the answer's objects, or None on 6985.

    Raises ``Termination`` (6984: other interface; any other refusal: end application)
    and ``CardError`` for malformed PDOL or answer.
    """
    pdol = ctx.card.fci.get(Tag.PDOL, b"")
    data = tlv.encode(Tag.COMMAND_TEMPLATE, dol_data(ctx, pdol))
    response = ctx.channel.send(0x80, 0xA8, 0x00, 0x00, data)
    if response.sw == SW_CONDITIONS:
        return None
    if response.sw == SW_OTHER_INTERFACE:
        raise Termination(Outcome.USE_OTHER_INTERFACE, "card.other_interface")
    body = expect_ok(response, "GET PROCESSING OPTIONS")
    items = tlv.decode(body)
    if len(items) != 1 or items[0].tag not in (Tag.RESPONSE_FORMAT_1, Tag.RESPONSE_FORMAT_2):
        raise CardError("GPO answer is neither template 80 nor 77", code="card.template")
    if items[0].tag == Tag.RESPONSE_FORMAT_1:
        value = items[0].value
        if len(value) < 2:
            raise CardError("GPO format 1 shorter than the AIP", code="card.gpo")
        return tlv.TlvList([tlv.Tlv(Tag.AIP, value[:2]), tlv.Tlv(Tag.AFL, value[2:])])
    return items[0].children


def store_gpo_answer(ctx: TransactionContext, objects: tlv.TlvList) -> None:
    """Keep AIP, AFL and the other primitive objects of the GPO answer in ``ctx.card``."""
    aip = objects.first(Tag.AIP)
    if aip is None or len(aip) != 2:
        raise CardError("GPO answer without a 2-byte AIP", code="card.gpo")
    ctx.card.aip = aip
    ctx.card.afl = objects.first(Tag.AFL) or b""
    for item in objects.walk():
        if not item.constructed:
            ctx.card.values.setdefault(item.tag, item.value)


def initiate_application_processing(ctx: TransactionContext) -> GpoStatus:
    """Contact GPO (Book 3 §10.1): decide 9F7A, send the PDOL data, keep AIP and AFL.

    Returns ``NEXT_CANDIDATE`` on 6985 (the caller re-selects). Raises ``CardError``
    (``card.afl`` when the AFL is missing: contact needs records) or ``Termination``.
    """
    ctx.terminal.ec_offered = offer_electronic_cash(ctx)
    objects = get_processing_options(ctx)
    if objects is None:
        return GpoStatus.NEXT_CANDIDATE
    store_gpo_answer(ctx, objects)
    if not ctx.card.afl:
        raise CardError("GPO answer without an AFL", code="card.afl")
    return GpoStatus.DONE
