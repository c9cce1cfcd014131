"""Processing restrictions (EMV 4.3 Book 3 §10.4): version, usage control, dates.

Each check only sets TVR bits; terminal action analysis decides what they mean.
"""

from __future__ import annotations

import datetime as dt

from kiosk.payment.kernel.context import TransactionContext, Tvr
from kiosk.payment.tags import Tag

__all__ = ["card_date", "processing_restrictions"]

# Application Usage Control 9F07 (Book 3 Annex C2), byte 1.
_AUC_DOMESTIC_CASH, _AUC_INTL_CASH = 0x80, 0x40
_AUC_DOMESTIC_GOODS, _AUC_INTL_GOODS = 0x20, 0x10
_AUC_DOMESTIC_SERVICES, _AUC_INTL_SERVICES = 0x08, 0x04
_AUC_NOT_ATM = 0x01
_CASH_TYPES = frozenset({0x01, 0x17})


def card_date(value: bytes | None) -> dt.date | None:
    """YYMMDD (n6) as a date; YY < 50 is 20YY (Book 3 §10.4.3 / Annex). None if invalid."""
    text = (value or b"").hex()
    if len(text) != 6 or not text.isdigit():
        return None
    year = int(text[:2])
    try:
        return dt.date(2000 + year if year < 50 else 1900 + year, int(text[2:4]), int(text[4:]))
    except ValueError:
        return None


def _usage_allowed(ctx: TransactionContext, auc: bytes) -> bool:
    """Book 3 §10.4.2: ATM or not, domestic or international, goods/services or cash."""
    if len(auc) < 2 or not auc[0] & _AUC_NOT_ATM:  # this terminal is never an ATM
        return False
    issuer_country = ctx.card.values.get(Tag.ISSUER_COUNTRY_CODE)
    if issuer_country is None:
        return True
    domestic = issuer_country == bytes.fromhex(ctx.config.country_code)
    if ctx.params.transaction_type in _CASH_TYPES:
        return bool(auc[0] & (_AUC_DOMESTIC_CASH if domestic else _AUC_INTL_CASH))
    wanted = (
        _AUC_DOMESTIC_GOODS | _AUC_DOMESTIC_SERVICES
        if domestic
        else _AUC_INTL_GOODS | _AUC_INTL_SERVICES
    )
    return bool(auc[0] & wanted)


def processing_restrictions(ctx: TransactionContext) -> None:
    """Set TVR 'version mismatch', 'service not allowed', 'not yet effective', 'expired'."""
    card_version = ctx.card.values.get(Tag.APPLICATION_VERSION_NUMBER)
    terminal_version = bytes.fromhex(ctx.card.terminal_aid.application_version)
    if card_version is not None and card_version != terminal_version:
        ctx.set_tvr(Tvr.VERSION_MISMATCH)  # §10.4.1
    auc = ctx.card.values.get(Tag.APPLICATION_USAGE_CONTROL)
    if auc is not None and not _usage_allowed(ctx, auc):
        ctx.set_tvr(Tvr.SERVICE_NOT_ALLOWED)
    today = ctx.params.when.date()
    effective = card_date(ctx.card.values.get(Tag.EFFECTIVE_DATE))
    if Tag.EFFECTIVE_DATE in ctx.card.values and (effective is None or effective > today):
        ctx.set_tvr(Tvr.NOT_YET_EFFECTIVE)  # §10.4.3
    expiry = card_date(ctx.card.values.get(Tag.EXPIRATION_DATE))
    if expiry is None or expiry < today:
        ctx.set_tvr(Tvr.EXPIRED)
