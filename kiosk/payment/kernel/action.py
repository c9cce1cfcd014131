"""Terminal action analysis and card action analysis (EMV 4.3 Book 3 §10.7, §10.8).

The terminal compares the TVR with the issuer action codes (9F0D/9F0E/9F0F) and its own
terminal action codes to ask for an AAC, a TC or an ARQC; the card answers the GENERATE
AC with the cryptogram it chose, never a stronger one than asked (Book 3 §9.3).
"""

from __future__ import annotations

import enum

from kiosk.payment import tlv
from kiosk.payment.errors import CardError
from kiosk.payment.kernel.config_check import check_hex
from kiosk.payment.kernel.context import TransactionContext, Tsi, Tvr
from kiosk.payment.kernel.data import dol_data
from kiosk.payment.kernel.types import OnlinePolicy
from kiosk.payment.procedures import expect_ok
from kiosk.payment.tags import Tag

__all__ = [
    "AcType",
    "card_action_analysis",
    "check_cryptogram_fields",
    "cryptogram_type",
    "generate_ac",
    "terminal_action_analysis",
]


class AcType(enum.IntEnum):
    """Cryptogram types, as in GENERATE AC P1 and CID bits 8-7 (Book 3 Table 12/14)."""

    AAC = 0x00
    TC = 0x40
    ARQC = 0x80


def cryptogram_type(cid: int) -> AcType:
    """The type a CID names; the RFU coding ``11`` is a ``CardError``."""
    bits = cid & 0xC0
    if bits == 0xC0:
        raise CardError("CID names no cryptogram type", code="card.cid", cid=f"{cid:02X}")
    return AcType(bits)


def _action_code(text: str, name: str) -> int:
    """A TAC from the configuration; a bad one is the operator's error (``ConfigError``)."""
    return int.from_bytes(check_hex(text, name, (5,), code="config.tac"), "big")


def _issuer_code(ctx: TransactionContext, tag: Tag, absent: int) -> int:
    value = ctx.card.values.get(tag)
    return int.from_bytes(value, "big") if value is not None and len(value) == 5 else absent


def terminal_action_analysis(ctx: TransactionContext) -> AcType:
    """Book 3 §10.7: denial codes, then online codes (online-capable terminal) or default
    codes (offline terminal); a forced online sets TVR 'merchant forced online'.

    Raises ``ConfigError`` for a malformed TAC. Absent IACs count as denial 00…,
    online and default FF… (§10.7).
    """
    entry = ctx.card.terminal_aid
    tac_denial = _action_code(entry.tac_denial, "tac_denial")
    tac_online = _action_code(entry.tac_online, "tac_online")
    tac_default = _action_code(entry.tac_default, "tac_default")
    full = (1 << 40) - 1
    forced = ctx.params.force_online or ctx.config.online is OnlinePolicy.ALWAYS
    if forced and ctx.online_capable and not ctx.electronic_cash:
        ctx.set_tvr(Tvr.MERCHANT_FORCED_ONLINE)
    tvr = int(ctx.terminal.tvr)
    if tvr & (tac_denial | _issuer_code(ctx, Tag.IAC_DENIAL, 0)):
        return AcType.AAC
    if ctx.online_capable:
        if forced or tvr & (tac_online | _issuer_code(ctx, Tag.IAC_ONLINE, full)):
            return AcType.ARQC
        return AcType.TC
    if tvr & (tac_default | _issuer_code(ctx, Tag.IAC_DEFAULT, full)):
        return AcType.AAC
    return AcType.TC


def _parse_ac_answer(data: bytes) -> dict[int, bytes]:
    """Format 1 (80: CID ATC AC [IAD]) or format 2 (77) into 9F27/9F36/9F26/9F10."""
    items = tlv.decode(data)
    if len(items) != 1:
        raise CardError("GENERATE AC answer is not one template", code="card.template")
    if items[0].tag == Tag.RESPONSE_FORMAT_1:
        value = items[0].value
        if not 11 <= len(value) <= 43:
            raise CardError("GENERATE AC format 1 has a wrong length", code="card.gen_ac")
        out: dict[int, bytes] = {
            Tag.CID: value[:1],
            Tag.ATC: value[1:3],
            Tag.APPLICATION_CRYPTOGRAM: value[3:11],
        }
        if len(value) > 11:
            out[Tag.ISSUER_APPLICATION_DATA] = value[11:]
        return out
    if items[0].tag != Tag.RESPONSE_FORMAT_2:
        raise CardError("GENERATE AC answer is neither 80 nor 77", code="card.template")
    out = {int(t.tag): t.value for t in items[0].children if not t.constructed}
    check_cryptogram_fields(out, cid=True)
    return out


def check_cryptogram_fields(values: dict[int, bytes], *, cid: bool) -> None:
    """9F36 must be 2 bytes, 9F26 8, 9F27 (when required) 1 (Book 3 Annex A1);
    else ``CardError`` ``card.gen_ac``."""
    sizes = [(Tag.ATC, 2), (Tag.APPLICATION_CRYPTOGRAM, 8)] + ([(Tag.CID, 1)] if cid else [])
    for tag, size in sizes:
        if len(values.get(tag, b"")) != size:
            raise CardError(f"the cryptogram answer lacks a valid {tag.name}", code="card.gen_ac")


def generate_ac(ctx: TransactionContext, requested: AcType, cdol_tag: Tag) -> AcType:
    """Send GENERATE AC asking for ``requested`` with the data ``cdol_tag`` lists.

    Keeps the answer in ``ctx.card.cryptogram`` and the card's values; returns the type
    the card gave. Raises ``CardError`` for a refusal, a malformed answer or a type
    stronger than asked (Book 3 §9.3: TC/ARQC when AAC was asked, TC for ARQC…).
    """
    cdol = ctx.card.values.get(cdol_tag)
    if cdol is None:
        raise CardError(f"the card has no {cdol_tag.name}", code="card.data_missing")
    response = ctx.channel.send(0x80, 0xAE, int(requested), 0x00, dol_data(ctx, cdol))
    answer = _parse_ac_answer(expect_ok(response, "GENERATE AC"))
    given = cryptogram_type(answer[Tag.CID][0])
    strength = {AcType.AAC: 0, AcType.ARQC: 1, AcType.TC: 2}
    if strength[given] > strength[requested]:
        raise CardError(
            f"the card answered {given.name} to a request for {requested.name}",
            code="card.gen_ac_type",
        )
    ctx.card.cryptogram = answer
    ctx.card.values.update(answer)
    return given


def card_action_analysis(ctx: TransactionContext, requested: AcType) -> AcType:
    """The first GENERATE AC with CDOL1 (Book 3 §10.8); TSI 'card risk management'."""
    ctx.set_tsi(Tsi.CARD_RISK_MANAGEMENT_PERFORMED)
    return generate_ac(ctx, requested, Tag.CDOL1)
