"""Read application data (EMV 4.3 Book 3 §10.2): the records the AFL names.

Every primitive object of the records goes into ``ctx.card.values``; a tag met twice in
the records ends the transaction (§10.2: "… the terminal shall terminate"), as does a
missing mandatory object (§7.2: 5F24, 5A, 8C, 8D for contact; qPBOC needs 5F24 and the
PAN, from 5A or Track 2). The static data to authenticate is kept for ODA (§10.3).
"""

from __future__ import annotations

from kiosk.payment.kernel.context import Termination, TransactionContext, Tvr
from kiosk.payment.kernel.pan import pan_digits
from kiosk.payment.kernel.types import Outcome
from kiosk.payment.procedures import read_afl_records
from kiosk.payment.tags import Tag

__all__ = ["MANDATORY_CONTACT", "MANDATORY_QPBOC", "read_application_data"]

MANDATORY_CONTACT = (Tag.EXPIRATION_DATE, Tag.PAN, Tag.CDOL1, Tag.CDOL2)
MANDATORY_QPBOC = (Tag.EXPIRATION_DATE,)


def read_application_data(
    ctx: TransactionContext, mandatory: tuple[Tag, ...] = MANDATORY_CONTACT
) -> None:
    """READ RECORD per AFL; collect values and ODA data; check duplicates and mandatory
    data. Raises ``CardError`` (bad status, malformed TLV or AFL) or ``Termination``
    ``card.duplicate_data`` / ``card.data_missing`` (TVR 'ICC data missing' set)."""
    if not ctx.card.afl:
        return
    records = read_afl_records(ctx.channel, ctx.card.afl)
    seen: set[int] = set()
    for tag, value in records.objects:
        if tag in seen:
            raise Termination(Outcome.END_APPLICATION, "card.duplicate_data")
        seen.add(tag)
        ctx.card.values[tag] = value
    ctx.card.oda_records += records.oda_data
    ctx.card.oda_record_invalid |= records.oda_invalid
    missing = [tag for tag in mandatory if tag not in ctx.card.values]
    if Tag.PAN not in ctx.card.values and Tag.TRACK2_EQUIVALENT not in ctx.card.values:
        missing.append(Tag.PAN)
    if missing:
        ctx.set_tvr(Tvr.ICC_DATA_MISSING)
        raise Termination(Outcome.END_APPLICATION, "card.data_missing")
    if not pan_digits(ctx.card.values):
        raise Termination(Outcome.END_APPLICATION, "card.pan_invalid")  # Book 3 §7.5 format
