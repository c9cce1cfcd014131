"""Card risk management: the card's own decisions, as pure functions.

- Contact EC (PBOC JR/T 0025.13): the card takes the EC path at GPO when the
  terminal says it supports EC (9F7A = 01) and the amount fits; at the first GENERATE
  AC it approves offline (TC) only if the amount is within the EC balance and the
  single-transaction limit 9F78 and the currency is the EC currency 9F51.
- Standard debit/credit (card action analysis, EMV 4.3 Book 3 §10.8): a TC request is
  turned into an ARQC once the consecutive offline count reaches the lower consecutive
  offline limit 9F14; a pure EC application (A000000333010106) cannot go online, so
  what it cannot approve it declines.
- qPBOC (JR/T 0025.12): decided in GPO from the TTQ, the amount and the balance.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from kiosk.payment.cardsim.profile import AppKind, CardPath, EcParams

__all__ = [
    "APPROVAL_CODES",
    "AcType",
    "EcRequest",
    "cvr",
    "ec_fits",
    "first_ac",
    "qpboc_decision",
    "requested_ac",
    "second_ac",
]


class AcType(IntEnum):
    """Cryptogram types as coded in P1 of GENERATE AC and in CID 9F27 (Book 3 §6.5.5)."""

    AAC = 0x00
    TC = 0x40
    ARQC = 0x80


#: Authorisation response codes (tag 8A) the card treats as approval in the second
#: GENERATE AC: online approvals and the terminal's "approved, unable to go online".
APPROVAL_CODES = frozenset({b"00", b"10", b"11", b"Y3"})


@dataclass(frozen=True, slots=True)
class EcRequest:
    """What the card knows of an EC purchase: amount in fen and currency (n3, 2 bytes)."""

    amount: int
    currency: bytes


def requested_ac(p1: int) -> AcType | None:
    """The cryptogram type P1 asks for; None for the RFU coding ``11`` (Book 3 Table 12)."""
    bits = p1 & 0xC0
    return None if bits == 0xC0 else AcType(bits)


def ec_fits(ec: EcParams | None, balance: int, request: EcRequest) -> bool:
    """True when an EC purchase may be approved offline (JR/T 0025.13, electronic cash)."""
    return (
        ec is not None
        and request.currency == ec.currency
        and 0 < request.amount <= balance
        and request.amount <= ec.single_limit
    )


def first_ac(
    requested: AcType,
    *,
    kind: AppKind,
    path: CardPath,
    ec_ok: bool,
    consecutive_offline: int,
    lower_offline_limit: int,
) -> AcType:
    """The card's answer to the first GENERATE AC (never more than was asked for)."""
    if requested is AcType.AAC:
        return AcType.AAC
    if kind is AppKind.EC:
        return AcType.TC if requested is AcType.TC and ec_ok else AcType.AAC
    if requested is AcType.TC:
        if path is CardPath.EC and ec_ok:
            return AcType.TC
        if path is CardPath.STANDARD and consecutive_offline < lower_offline_limit:
            return AcType.TC
    return AcType.ARQC


def second_ac(requested: AcType, *, arc: bytes, issuer_auth_ok: bool | None) -> AcType:
    """The answer to the second GENERATE AC: TC only if asked and the issuer approved.

    ``issuer_auth_ok`` is None when EXTERNAL AUTHENTICATE was not performed; a failed
    issuer authentication (False) declines (Book 3 §10.9, card's issuer auth check).
    """
    if requested is AcType.TC and arc in APPROVAL_CODES and issuer_auth_ok is not False:
        return AcType.TC
    return AcType.AAC


def qpboc_decision(ttq: bytes, *, ec: EcParams | None, balance: int, request: EcRequest) -> AcType:
    """The qPBOC GPO decision (JR/T 0025.12, qPBOC card processing).

    TTQ byte 2 bit 8 (online cryptogram required) forces ARQC; an amount within the
    offline balance and limits gets a TC; otherwise ARQC, or AAC when the reader is
    offline-only (TTQ byte 1 bit 4).
    """
    online_required = len(ttq) >= 2 and bool(ttq[1] & 0x80)
    offline_only = bool(ttq[:1]) and bool(ttq[0] & 0x08)
    if not online_required and ec_fits(ec, balance, request):
        return AcType.TC
    return AcType.AAC if offline_only else AcType.ARQC


def cvr(first: AcType | None, second: AcType | None = None) -> bytes:
    """Card Verification Results as PBOC codes them in the IAD (JR/T 0025.5 Annex).

    Byte 1 is the CVR length (03). Byte 2, bits 8-7: cryptogram of the second GENERATE
    AC (00 AAC, 01 TC, 10 not requested); bits 6-5: of the first (00 AAC, 01 TC,
    10 ARQC). This is where a terminal reads the type when 9F27 is absent (qPBOC).
    """
    codes = {AcType.AAC: 0b00, AcType.TC: 0b01, AcType.ARQC: 0b10}
    b2 = (codes[second] if second is not None else 0b10) << 6
    if first is not None:
        b2 |= codes[first] << 4
    return bytes([0x03, b2, 0x00, 0x00])
