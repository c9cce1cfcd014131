"""Cardholder verification (EMV 4.3 Book 3 §10.5, CVM codes Annex C3).

This product has no PIN pad: the kernel performs "no CVM required" and, on an attended
terminal (a cashier checks the receipt), "signature". PIN methods are recognised but not
supported: a rule asking for one is passed over when the rule allows it, and sets TVR
'PIN entry required and PIN pad not present' (§10.5.5) when it is the one applied.
"""

from __future__ import annotations

from kiosk.payment.kernel.context import TransactionContext, Tsi, Tvr
from kiosk.payment.kernel.data import terminal_capabilities
from kiosk.payment.tags import Tag

__all__ = ["cardholder_verification"]

FAIL_CVM, NO_CVM, SIGNATURE = 0x00, 0x1F, 0x1E
PIN_METHODS = frozenset({0x01, 0x02, 0x03, 0x04, 0x05})
KNOWN_METHODS = PIN_METHODS | {FAIL_CVM, NO_CVM, SIGNATURE}
APPLY_NEXT = 0x40
RESULT_UNKNOWN, RESULT_FAILED, RESULT_SUCCESSFUL = 0x00, 0x01, 0x02
_NO_CVM_PERFORMED = b"\x3f\x00\x00"


def _supported(ctx: TransactionContext, method: int) -> bool:
    """9F33 byte 2: b6 signature, b4 no CVM (EMV Book 4 Annex A2); PIN never here."""
    caps = terminal_capabilities(ctx)[1]
    if method == SIGNATURE:
        return bool(caps & 0x20)
    return method == NO_CVM and bool(caps & 0x08)


def _under_or_over(ctx: TransactionContext, limit: int, *, under: bool) -> bool:
    """Conditions 06-09: only in the application currency (9F42), else not satisfied."""
    currency = ctx.card.values.get(Tag.APPLICATION_CURRENCY_CODE)
    if currency != bytes.fromhex(ctx.config.currency_code):
        return False
    amount = ctx.params.amount_fen
    return amount < limit if under else amount > limit


def _condition_met(ctx: TransactionContext, condition: int, method: int, x: int, y: int) -> bool:
    """CVM condition codes (Book 3 Annex C3 Table 40); unknown codes are not satisfied."""
    txn_type = ctx.params.transaction_type
    cash, cashback = txn_type == 0x01, txn_type == 0x09
    unattended = not ctx.config.attended
    checks = {
        0x00: lambda: True,
        0x01: lambda: cash and unattended,  # unattended cash
        0x02: lambda: not cash and not cashback,  # not cash, not cashback
        0x03: lambda: _supported(ctx, method),  # if the terminal supports the CVM
        0x04: lambda: cash and not unattended,  # manual cash
        0x05: lambda: cashback,
        0x06: lambda: _under_or_over(ctx, x, under=True),
        0x07: lambda: _under_or_over(ctx, x, under=False),
        0x08: lambda: _under_or_over(ctx, y, under=True),
        0x09: lambda: _under_or_over(ctx, y, under=False),
    }
    check = checks.get(condition)
    return check is not None and check()


def _apply(ctx: TransactionContext, code: int, condition: int) -> bool | None:
    """Perform one rule: True success, False failure, None 'try the next rule'."""
    method = code & 0x3F
    if method not in KNOWN_METHODS:
        ctx.set_tvr(Tvr.UNRECOGNISED_CVM)
    elif method == FAIL_CVM:
        return False
    elif _supported(ctx, method):
        result = RESULT_SUCCESSFUL if method == NO_CVM else RESULT_UNKNOWN
        ctx.terminal.cvm_results = bytes([code, condition, result])
        return True
    elif method in PIN_METHODS:
        ctx.set_tvr(Tvr.PIN_PAD_NOT_PRESENT)
    if code & APPLY_NEXT:
        return None
    return False


def cardholder_verification(ctx: TransactionContext) -> None:
    """Walk the CVM list 8E (amounts X, Y then rules); set 9F34, TVR and TSI.

    Skipped (9F34 = 3F0000) when the AIP does not ask for it (byte 1 b5); an absent or
    empty list sets 'ICC data missing' (§10.5).
    """
    if not ctx.card.aip_has(1, 0x10):
        return
    cvm_list = ctx.card.values.get(Tag.CVM_LIST, b"")
    if len(cvm_list) < 10 or len(cvm_list) % 2:
        ctx.set_tvr(Tvr.ICC_DATA_MISSING)
        ctx.terminal.cvm_results = _NO_CVM_PERFORMED
        return
    ctx.set_tsi(Tsi.CVM_PERFORMED)
    x = int.from_bytes(cvm_list[:4], "big")
    y = int.from_bytes(cvm_list[4:8], "big")
    last = b""
    for i in range(8, len(cvm_list), 2):
        code, condition = cvm_list[i], cvm_list[i + 1]
        if not _condition_met(ctx, condition, code & 0x3F, x, y):
            continue
        last = bytes([code, condition])
        outcome = _apply(ctx, code, condition)
        if outcome is None:
            continue
        if outcome:
            return
        break
    ctx.set_tvr(Tvr.CVM_NOT_SUCCESSFUL)
    ctx.terminal.cvm_results = last + bytes([RESULT_FAILED]) if last else b"\x3f\x00\x01"
