"""Terminal data objects as DOLs ask for them, and the amounts in PBOC numeric form.

One source for every DOL the kernel answers (PDOL, CDOL1/2, DDOL): the terminal's own
values (EMV 4.3 Book 3 Annex A1 terminal-sourced tags; PBOC 9F7A/9F7B/9F66/DF69), then
values set during the transaction (91, 8A …), then the card's own data. Formats follow the
tag dictionary; :func:`kiosk.payment.dol.build_dol_data` pads and truncates.
"""

from __future__ import annotations

import hashlib

from kiosk.payment.bcd import bcd
from kiosk.payment.dol import build_dol_data, parse_dol
from kiosk.payment.kernel.context import TransactionContext, Tvr
from kiosk.payment.kernel.types import OnlinePolicy
from kiosk.payment.tags import Tag

__all__ = [
    "additional_capabilities",
    "dol_data",
    "tc_hash",
    "terminal_capabilities",
    "terminal_type",
    "terminal_value",
    "terminal_values",
]


def terminal_capabilities(ctx: TransactionContext) -> bytes:
    """9F33 with the signature bit (byte 2 b6) set when a cashier is present to check it."""
    caps = bytearray(bytes.fromhex(ctx.config.terminal_capabilities))
    if ctx.config.attended:
        caps[1] |= 0x20
    return bytes(caps)


def additional_capabilities(ctx: TransactionContext) -> bytes:
    """9F40 (EMV Book 4 Annex A3); attended: byte 3 numeric, alphabetic, command and
    function keys (``F0``, the cashier's keyboard), byte 4 b6 display for the attendant."""
    caps = bytearray(bytes.fromhex(ctx.config.additional_capabilities))
    if ctx.config.attended:
        caps[2] |= 0xF0
        caps[3] |= 0x20
    return bytes(caps)


def terminal_type(ctx: TransactionContext) -> int:
    """9F35 (EMV Book 4 Annex A1, Table A1), operated by a merchant: attended 21/22/23,
    unattended 24/25/26 for online only (policy ``always``) / offline with online
    capability / offline only (no host, or policy ``never``)."""
    if not ctx.host_configured:
        environment = 3
    elif ctx.config.online is OnlinePolicy.ALWAYS:
        environment = 1
    else:
        environment = 2
    return 0x20 + environment + (0 if ctx.config.attended else 3)


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
        # 9C is n2: the two-digit code itself (0x20 refund is ``20``, never ``32``).
        Tag.TRANSACTION_TYPE: bytes([params.transaction_type]),
        Tag.UNPREDICTABLE_NUMBER: term.unpredictable_number,
        Tag.TERMINAL_TYPE: bytes([terminal_type(ctx)]),
        Tag.TERMINAL_CAPABILITIES: terminal_capabilities(ctx),
        Tag.ADDITIONAL_TERMINAL_CAPABILITIES: additional_capabilities(ctx),
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
    if term.script_results:
        values[Tag.ISSUER_SCRIPT_RESULTS] = values[Tag.PBOC_SCRIPT_RESULTS] = bytes(
            term.script_results
        )
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


def tc_hash(ctx: TransactionContext) -> bytes:
    """98, the TC hash value: SHA-1 over the data the TDOL lists (EMV Book 3 §5.4; Book 2
    §A2 for SHA-1), the card's TDOL (97) or else the terminal's default, which sets TVR
    'default TDOL used' (Book 3 Annex C5, byte 5 b8)."""
    tdol = ctx.card.values.get(Tag.TDOL)
    if tdol is None:
        tdol = bytes.fromhex(ctx.config.default_tdol)
        ctx.set_tvr(Tvr.DEFAULT_TDOL_USED)
    values = terminal_values(ctx)
    data = build_dol_data(
        tdol, lambda tag: None if tag == Tag.TC_HASH else _lookup(ctx, values, tag)
    )
    return hashlib.sha1(data, usedforsecurity=False).digest()


def dol_data(ctx: TransactionContext, dol: bytes) -> bytes:
    """The data answering ``dol`` from :func:`terminal_value` (Book 3 §5.4); 98 asked for
    is the TC hash of the TDOL data, worked out first since it may set a TVR bit.

    Raises ``TlvError`` (a ``CardError``) when the card's DOL (or TDOL) is malformed.
    """
    extra: dict[int, bytes] = {}
    if any(entry.tag == Tag.TC_HASH for entry in parse_dol(dol)):
        extra[Tag.TC_HASH] = tc_hash(ctx)
    values = terminal_values(ctx) | extra
    return build_dol_data(dol, lambda tag: _lookup(ctx, values, tag))
