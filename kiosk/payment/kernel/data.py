"""Terminal data objects as DOLs ask for them, and the amounts in PBOC numeric form.

One source for every DOL the kernel answers (PDOL, CDOL1/2, DDOL): the terminal's own
values (EMV 4.3 Book 3 Annex A1 terminal-sourced tags; PBOC 9F7A/9F7B/9F66/DF69), then
values set during the transaction (91, 8A …), then the card's own data. Formats follow the
tag dictionary; :func:`kiosk.payment.dol.build_dol_data` pads and truncates.
"""

from __future__ import annotations

from kiosk.payment.bcd import bcd
from kiosk.payment.dol import build_dol_data
from kiosk.payment.kernel.context import TransactionContext
from kiosk.payment.tags import Tag

__all__ = [
    "dol_data",
    "terminal_capabilities",
    "terminal_value",
    "terminal_values",
]


def terminal_capabilities(ctx: TransactionContext) -> bytes:
    """9F33 with the signature bit (byte 2 b6) set when a cashier is present to check it."""
    caps = bytearray(bytes.fromhex(ctx.config.terminal_capabilities))
    if ctx.config.attended:
        caps[1] |= 0x20
    return bytes(caps)


def _ascii(text: str) -> bytes:
    return text.encode("ascii", "replace")


def terminal_values(ctx: TransactionContext) -> dict[int, bytes]:
    """The terminal-sourced values as they stand now, by tag."""
    cfg, params, term = ctx.config, ctx.params, ctx.terminal
    values: dict[int, bytes] = {
        Tag.AMOUNT_AUTHORISED: bcd(params.amount_fen),
        Tag.AMOUNT_OTHER: bcd(params.other_amount_fen),
        Tag.TERMINAL_COUNTRY_CODE: bytes.fromhex(cfg.country_code),
        Tag.TRANSACTION_CURRENCY_CODE: bytes.fromhex(cfg.currency_code),
        Tag.TRANSACTION_CURRENCY_EXPONENT: bcd(cfg.currency_exponent, 1),
        Tag.TRANSACTION_DATE: bytes.fromhex(params.when.strftime("%y%m%d")),
        Tag.TRANSACTION_TIME: bytes.fromhex(params.when.strftime("%H%M%S")),
        Tag.TRANSACTION_TYPE: bcd(params.transaction_type, 1),
        Tag.UNPREDICTABLE_NUMBER: term.unpredictable_number,
        Tag.TERMINAL_TYPE: bytes([cfg.terminal_type]),
        Tag.TERMINAL_CAPABILITIES: terminal_capabilities(ctx),
        Tag.ADDITIONAL_TERMINAL_CAPABILITIES: bytes.fromhex(cfg.additional_capabilities),
        Tag.TERMINAL_ID: _ascii(cfg.terminal_id),
        Tag.IFD_SERIAL_NUMBER: _ascii(cfg.terminal_id),
        Tag.MERCHANT_ID: _ascii(cfg.merchant_id),
        Tag.MERCHANT_NAME_AND_LOCATION: cfg.merchant_name_location.encode("gb18030"),
        Tag.MERCHANT_CATEGORY_CODE: bytes.fromhex(cfg.merchant_category_code),
        Tag.TTQ: term.ttq,
        Tag.EC_TERMINAL_SUPPORT_INDICATOR: b"\x01" if term.ec_offered else b"\x00",
        Tag.EC_TERMINAL_TRANSACTION_LIMIT: bcd(cfg.ec_terminal_limit_fen),
        Tag.TVR: term.tvr.to_bytes5(),
        Tag.TSI: term.tsi.to_bytes2(),
        Tag.CVM_RESULTS: term.cvm_results,
        0x9F1B: cfg.floor_limit_fen.to_bytes(4, "big"),  # terminal floor limit, b4
        0x9F41: bcd(params.sequence_counter, 4),  # transaction sequence counter
        0x9F09: bytes.fromhex(ctx.card.terminal_aid.application_version),
        Tag.TERMINAL_AID: ctx.card.aid,
        Tag.SM_ALGORITHM_SUPPORT: b"\x01" if cfg.support_sm else b"\x00",
    }
    if term.arc:
        values[Tag.AUTHORISATION_RESPONSE_CODE] = term.arc
    return values


def _lookup(ctx: TransactionContext, values: dict[int, bytes], tag: int) -> bytes | None:
    value = values.get(tag)
    if value is None:
        value = ctx.terminal.extra.get(tag)
    return value if value is not None else ctx.card.values.get(tag)


def terminal_value(ctx: TransactionContext, tag: int) -> bytes | None:
    """The value of ``tag`` as the terminal knows it now (then values set during the
    transaction, then the card's own data), or None."""
    return _lookup(ctx, terminal_values(ctx), tag)


def dol_data(ctx: TransactionContext, dol: bytes) -> bytes:
    """The data answering ``dol`` from :func:`terminal_value` (Book 3 §5.4).

    Raises ``TlvError`` (a ``CardError``) when the card's DOL is malformed.
    """
    values = terminal_values(ctx)
    return build_dol_data(dol, lambda tag: _lookup(ctx, values, tag))
