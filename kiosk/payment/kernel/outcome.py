"""The transaction's result: field 55 data and the :class:`TransactionResult`.

Field 55 (ISO 8583 ICC data) carries what UnionPay's acquirer specification lists for a
PBOC purchase (cryptogram, CID, IAD, UN, ATC, TVR, date, type, amounts, currency, AIP,
country, capabilities, CVM results, terminal type, IFD serial, DF name, application
version, sequence counter, card product ID, EC authorisation code). Never the PAN (5A),
Track 2 (57), Track 1/2 discretionary data (9F1F, 56, 9F6B) or PIN data.
"""

from __future__ import annotations

from kiosk.payment.kernel.context import TransactionContext
from kiosk.payment.kernel.data import terminal_values
from kiosk.payment.kernel.pan import mask_pan, pan_digits, pan_token
from kiosk.payment.kernel.types import OdaResult, Outcome, TransactionResult
from kiosk.payment.tags import Tag

__all__ = ["FIELD55_TAGS", "FORBIDDEN_TAGS", "build_result", "field55"]

FIELD55_TAGS: tuple[int, ...] = (
    0x9F26, 0x9F27, 0x9F10, 0x9F37, 0x9F36, 0x95, 0x9A, 0x9C, 0x9F02, 0x5F2A, 0x82,
    0x9F1A, 0x9F03, 0x9F33, 0x9F34, 0x9F35, 0x9F1E, 0x84, 0x9F09, 0x9F41, 0x9F63,
    0x9F74, 0x9F5D, 0x9F66, 0x9F6C, 0x8A, 0x91, 0xDF31,
)  # fmt: skip
#: What must never leave the card path in clear (docs/architecture.md "Card data").
FORBIDDEN_TAGS = frozenset({0x5A, 0x57, 0x56, 0x9F6B, 0x9F1F, 0x9F20, 0x99})


def _value(ctx: TransactionContext, terminal: dict[int, bytes], tag: int) -> bytes | None:
    """Card-produced values first (cryptogram, AIP, ATC …), then the terminal's."""
    if tag == Tag.DF_NAME:
        return ctx.card.aid or None
    if tag in ctx.card.cryptogram:
        return ctx.card.cryptogram[tag]
    if tag == Tag.AIP:
        return ctx.card.aip if ctx.card.aid else None
    card_sourced = (0x9F36, 0x9F63, 0x9F74, 0x9F5D, 0x9F6C, 0x9F26, 0x9F27, 0x9F10)
    if tag in card_sourced:
        return ctx.card.values.get(tag)
    if tag == Tag.TTQ and not ctx.terminal.ttq:
        return None
    return terminal.get(tag, ctx.terminal.extra.get(tag))


def field55(ctx: TransactionContext) -> dict[int, bytes]:
    """Tag -> value for ISO 8583 field 55 (present values only)."""
    out: dict[int, bytes] = {}
    terminal = terminal_values(ctx)
    for tag in FIELD55_TAGS:
        value = _value(ctx, terminal, tag)
        if value is not None and tag not in FORBIDDEN_TAGS:
            out[tag] = value
    return out


def build_result(ctx: TransactionContext, outcome: Outcome, reason: str = "") -> TransactionResult:
    """Everything the journal and receipt need, from the context as it stands."""
    values = ctx.card.values
    cid = ctx.card.cryptogram.get(Tag.CID, b"")
    atc = ctx.card.cryptogram.get(Tag.ATC) or values.get(Tag.ATC)
    data = field55(ctx) if ctx.card.cryptogram else {}
    return TransactionResult(
        outcome=outcome,
        interface=ctx.interface,
        reason=reason,
        aid=ctx.card.aid.hex().upper(),
        app_label=ctx.card.label,
        pan_masked=mask_pan(pan_digits(values)),
        pan_token=pan_token(ctx.config.pan_token_key, values),
        amount_fen=ctx.params.amount_fen,
        cid=cid.hex().upper(),
        cryptogram=ctx.card.cryptogram.get(Tag.APPLICATION_CRYPTOGRAM, b"").hex().upper(),
        atc=int.from_bytes(atc, "big") if atc else ctx.terminal.atc,
        tvr=ctx.terminal.tvr.to_bytes5().hex().upper(),
        tsi=ctx.terminal.tsi.to_bytes2().hex().upper(),
        oda=OdaResult(ctx.oda.method, ctx.oda.result, ctx.oda.failure),
        response_code=ctx.terminal.arc.decode("ascii", "replace"),
        script_results=ctx.terminal.script_results.hex().upper(),
        electronic_cash=ctx.electronic_cash,
        ec_balance_before_fen=ctx.terminal.ec_balance_before,
        ec_balance_after_fen=ctx.terminal.ec_balance_after,
        data={f"{tag:X}": value.hex().upper() for tag, value in data.items()},
        apdu_count=ctx.channel.count,
        committed=ctx.committed,
    )
