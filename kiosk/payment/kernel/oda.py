"""Offline data authentication: SDA, DDA and qPBOC fDDA (EMV 4.3 Book 2 §5-6, Book 3 §10.3).

The RSA work is :mod:`kiosk.payment.crypto.oda`; this module picks the method, finds the
CA key by RID (the AID's first 5 bytes) and index (8F) in the :class:`CaKeyStore`, applies
the revocation list and certificate expiry, runs INTERNAL AUTHENTICATE for DDA, and turns
every failure into TVR bits (Book 3 §10.3): 'ICC data missing' when an object is absent,
'SDA failed' / 'DDA failed' for the method tried. Nothing here raises for card data.

A card announcing the SM algorithms (FCI DF69 = 01, terminal ``support_sm``) whose CA
key index names an SM2 CA key of the configuration is authenticated with SM2
(:mod:`kiosk.payment.crypto.sm2_oda`, method ``sm``); otherwise with RSA through the CA key store.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from kiosk.payment import tlv
from kiosk.payment.capk import CaKeyError, CaKeyStore, Sm2CaPublicKey
from kiosk.payment.crypto.oda import (
    IccKey,
    IssuerKey,
    OdaFailure,
    RsaPublicKey,
    recover_icc_key,
    recover_issuer_key,
    verify_dynamic_signature,
    verify_static_data,
)
from kiosk.payment.crypto.sm2_oda import (
    Sm2Key,
    recover_icc_key_sm2,
    recover_issuer_key_sm2,
    verify_dynamic_sm2,
    verify_static_sm2,
)
from kiosk.payment.dol import parse_dol
from kiosk.payment.errors import CardError
from kiosk.payment.kernel.context import TransactionContext, Tsi, Tvr
from kiosk.payment.kernel.data import dol_data, terminal_capabilities
from kiosk.payment.tags import Tag

__all__ = ["offline_data_authentication", "verify_fdda"]

_T = TypeVar("_T")

#: What fDDA signs of the terminal's data, before 9F69 (JR/T 0025.12).
FDDA_TERMINAL_DOL = bytes.fromhex("9F37049F02065F2A02")


class _Failed(Exception):  # noqa: N818 - internal: one ODA step failed, reason attached
    def __init__(self, reason: str, *, missing: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.missing = missing


def _need(ctx: TransactionContext, tag: Tag) -> bytes:
    value = ctx.card.values.get(tag)
    if value is None:
        raise _Failed(f"missing:{tag:X}", missing=True)
    return value


def _ok(result: _T | OdaFailure) -> _T:
    if isinstance(result, OdaFailure):
        raise _Failed(f"{result.step}:{result.reason}")
    return result


def _pan(ctx: TransactionContext) -> bytes:
    """5A, or the PAN digits of Track 2 (qPBOC answers carry 57 in GPO)."""
    pan = ctx.card.values.get(Tag.PAN)
    if pan is not None:
        return pan
    track2 = _need(ctx, Tag.TRACK2_EQUIVALENT).hex().upper()
    digits = track2.split("D", 1)[0]
    return bytes.fromhex(digits + "F" * (len(digits) % 2))


def _static_data(ctx: TransactionContext) -> bytes:
    """Records marked for ODA, plus the AIP when 9F4A lists it (only 82 allowed, §10.3)."""
    if ctx.card.oda_record_invalid:
        raise _Failed("static_data:record_not_70")
    data = bytes(ctx.card.oda_records)
    tag_list = ctx.card.values.get(Tag.SDA_TAG_LIST)
    if tag_list is not None:
        if tag_list != bytes([Tag.AIP]):
            raise _Failed("static_data:tag_list")
        data += ctx.card.aip
    return data


def _issuer_key(ctx: TransactionContext, capk: CaKeyStore) -> IssuerKey:
    """CA key lookup, issuer certificate recovery, revocation (Book 2 §5.3)."""
    index = _need(ctx, Tag.CA_PUBLIC_KEY_INDEX)
    if len(index) != 1:
        raise _Failed("ca_key:index_length")
    certificate = _need(ctx, Tag.ISSUER_PK_CERTIFICATE)
    exponent = _need(ctx, Tag.ISSUER_PK_EXPONENT)
    rid = ctx.card.aid[:5]
    today = ctx.params.when.date()
    try:
        ca = capk.lookup(rid, index[0], today=today)
    except CaKeyError as exc:
        raise _Failed(f"ca_key:{exc.code}") from exc
    issuer = _ok(
        recover_issuer_key(
            certificate,
            ca_key=RsaPublicKey(ca.modulus, ca.exponent),
            remainder=ctx.card.values.get(Tag.ISSUER_PK_REMAINDER, b""),
            exponent=exponent,
            pan=_pan(ctx),
            today=today,
        )
    )
    _check_revocation(ctx, index, issuer.serial)
    return issuer


def _check_revocation(ctx: TransactionContext, index: bytes, serial: bytes) -> None:
    """Book 2 §5.3 step 10 (and §6.3 for DDA): an issuer certificate whose RID, CA key
    index and serial number are on the certification revocation list fails ODA."""
    name = f"{ctx.card.aid[:5].hex()}/{index.hex()}/{serial.hex()}".upper()
    if name in {entry.upper() for entry in ctx.config.revocation_list}:
        raise _Failed("issuer_certificate:revoked")


def _icc_key(ctx: TransactionContext, issuer: IssuerKey) -> IccKey:
    """ICC certificate recovery (Book 2 §6.4), covering the static data."""
    return _ok(
        recover_icc_key(
            _need(ctx, Tag.ICC_PK_CERTIFICATE),
            issuer_key=issuer.key,
            remainder=ctx.card.values.get(Tag.ICC_PK_REMAINDER, b""),
            exponent=_need(ctx, Tag.ICC_PK_EXPONENT),
            static_data=_static_data(ctx),
            pan=_pan(ctx),
            today=ctx.params.when.date(),
        )
    )


def _sda(ctx: TransactionContext, capk: CaKeyStore) -> None:
    """Book 2 §5.4: signed static application data 93 under the issuer key."""
    issuer = _issuer_key(ctx, capk)
    signature = _ok(
        verify_static_data(
            _need(ctx, Tag.SIGNED_STATIC_DATA),
            issuer_key=issuer.key,
            static_data=_static_data(ctx),
        )
    )
    ctx.card.values[Tag.DATA_AUTHENTICATION_CODE] = signature.dac


def _internal_authenticate(ctx: TransactionContext, ddol: bytes) -> bytes:
    """INTERNAL AUTHENTICATE with the DDOL data; the signed dynamic data (Book 3 §6.5.9)."""
    response = ctx.channel.send(0x00, 0x88, 0x00, 0x00, dol_data(ctx, ddol))
    if not response.ok:
        raise _Failed(f"internal_authenticate:{response.sw:04X}")
    try:
        items = tlv.decode(response.data)
    except CardError as exc:
        raise _Failed("internal_authenticate:tlv") from exc
    if len(items) == 1 and items[0].tag == Tag.RESPONSE_FORMAT_1:
        return items[0].value
    signed = items.first(Tag.SIGNED_DYNAMIC_DATA) if len(items) == 1 else None
    if signed is None or items[0].tag != Tag.RESPONSE_FORMAT_2:
        raise _Failed("internal_authenticate:format")
    return signed


def _ddol(ctx: TransactionContext) -> bytes:
    """The card's DDOL or the terminal's default; it must ask for 9F37 (Book 2 §6.5.1)."""
    ddol = ctx.card.values.get(Tag.DDOL) or bytes.fromhex(ctx.config.default_ddol)
    try:
        entries = parse_dol(ddol)
    except CardError as exc:
        raise _Failed("ddol:malformed") from exc
    if all(e.tag != Tag.UNPREDICTABLE_NUMBER for e in entries):
        raise _Failed("ddol:no_unpredictable_number")
    return ddol


def _dda(ctx: TransactionContext, capk: CaKeyStore) -> None:
    """Book 2 §6.5: recover the ICC key, sign the DDOL data, verify it."""
    icc = _icc_key(ctx, _issuer_key(ctx, capk))
    ddol = _ddol(ctx)
    signed = _internal_authenticate(ctx, ddol)
    result = _ok(
        verify_dynamic_signature(signed, icc_key=icc.key, terminal_data=dol_data(ctx, ddol))
    )
    ctx.card.values[Tag.ICC_DYNAMIC_NUMBER] = result.icc_dynamic_number


def _run(ctx: TransactionContext, method: str, check: Callable[[], None], failed_bit: Tvr) -> None:
    """Run ``check``; record the outcome in ``ctx.oda`` and the TVR/TSI."""
    ctx.oda.method = method
    ctx.set_tsi(Tsi.ODA_PERFORMED)
    try:
        check()
    except _Failed as failure:
        ctx.oda.result, ctx.oda.failure = "failed", failure.reason
        ctx.set_tvr(failed_bit | (Tvr.ICC_DATA_MISSING if failure.missing else Tvr(0)))
        return
    ctx.oda.result = "passed"


def _sm2_ca_key(ctx: TransactionContext, capk: CaKeyStore) -> Sm2CaPublicKey | None:
    """The configured SM2 CA key the card names, when the card and terminal do SM."""
    if ctx.card.fci.get(Tag.SM_ALGORITHM_SUPPORT) != b"\x01" or not ctx.config.support_sm:
        return None
    index = ctx.card.values.get(Tag.CA_PUBLIC_KEY_INDEX)
    if index is None or len(index) != 1:
        return None
    return capk.lookup_sm2(ctx.card.aid[:5], index[0])


def _sm2(ctx: TransactionContext, capk: CaKeyStore, ca: Sm2CaPublicKey, *, dynamic: bool) -> None:
    """SM2 ODA with the Book 2 §5.3 checks of RSA: CA key expiry, issuer certificate,
    revocation, then signed static data or ICC certificate + DDA."""
    today, pan = ctx.params.when.date(), _pan(ctx)
    try:
        capk.check_expiry(ca, today)
    except CaKeyError as exc:
        raise _Failed(f"ca_key:{exc.code}") from exc
    issuer = _ok(
        recover_issuer_key_sm2(
            _need(ctx, Tag.ISSUER_PK_CERTIFICATE), ca_key=Sm2Key(ca.point), pan=pan, today=today
        )
    )
    _check_revocation(ctx, bytes([ca.index]), issuer.serial)
    if not dynamic:
        dac = _ok(
            verify_static_sm2(
                _need(ctx, Tag.SIGNED_STATIC_DATA),
                issuer_key=issuer.key,
                static_data=_static_data(ctx),
            )
        )
        ctx.card.values[Tag.DATA_AUTHENTICATION_CODE] = dac
        return
    icc = _ok(
        recover_icc_key_sm2(
            _need(ctx, Tag.ICC_PK_CERTIFICATE),
            issuer_key=issuer.key,
            static_data=_static_data(ctx),
            pan=pan,
            today=today,
        )
    )
    ddol = _ddol(ctx)
    signed = _internal_authenticate(ctx, ddol)
    number = _ok(verify_dynamic_sm2(signed, icc_key=icc.key, terminal_data=dol_data(ctx, ddol)))
    ctx.card.values[Tag.ICC_DYNAMIC_NUMBER] = number


def offline_data_authentication(ctx: TransactionContext, capk: CaKeyStore) -> None:
    """Contact ODA (Book 3 §10.3): DDA when card (AIP b6) and terminal (9F33 byte 3 b7)
    support it, else SDA (AIP b7, 9F33 byte 3 b8), else TVR 'ODA not performed'. SM2
    instead of RSA for an SM card whose CA key is SM2 (method ``sm``)."""
    caps = terminal_capabilities(ctx)
    dynamic = ctx.card.aip_has(1, 0x20) and bool(caps[2] & 0x40)
    static = ctx.card.aip_has(1, 0x40) and bool(caps[2] & 0x80)
    if not (dynamic or static):
        ctx.set_tvr(Tvr.ODA_NOT_PERFORMED)
        return
    bit = Tvr.DDA_FAILED if dynamic else Tvr.SDA_FAILED
    if not dynamic:
        ctx.set_tvr(Tvr.SDA_SELECTED)
    sm2_key = _sm2_ca_key(ctx, capk)
    if sm2_key is not None:
        _run(ctx, "sm", lambda: _sm2(ctx, capk, sm2_key, dynamic=dynamic), bit)
    elif dynamic:
        _run(ctx, "dda", lambda: _dda(ctx, capk), bit)
    else:
        _run(ctx, "sda", lambda: _sda(ctx, capk), bit)


def _fdda(ctx: TransactionContext, capk: CaKeyStore) -> None:
    """qPBOC fDDA (JR/T 0025.12): 9F4B from the GPO over 9F37 ‖ 9F02 ‖ 5F2A ‖ 9F69."""
    icc = _icc_key(ctx, _issuer_key(ctx, capk))
    signed = _need(ctx, Tag.SIGNED_DYNAMIC_DATA)
    auth_data = _need(ctx, Tag.CARD_AUTH_RELATED_DATA)
    terminal = dol_data(ctx, FDDA_TERMINAL_DOL)
    _ok(verify_dynamic_signature(signed, icc_key=icc.key, terminal_data=terminal + auth_data))


def verify_fdda(ctx: TransactionContext, capk: CaKeyStore) -> None:
    """Verify fDDA after the card has left the field (no APDU is sent)."""
    _run(ctx, "fdda", lambda: _fdda(ctx, capk), Tvr.DDA_FAILED)
