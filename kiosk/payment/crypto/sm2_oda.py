"""SM2-based offline data authentication for PBOC cards of the SM profile (DF69 = 01).

The SM profile of PBOC 3.0 replaces RSA recovery with SM2 signatures (SM3 digest, GB/T
32918 with the default user ID ``1234567812345678``) over certificates in the clear. The
layouts below are the project's reading of that profile; no public test vector was found,
so the tests sign their own vectors with gmssl and check these functions against them:

- issuer certificate (90): ``12`` ‖ issuer id (4) ‖ expiry MMYY (2) ‖ serial (3) ‖
  signature algorithm ``04`` ‖ key algorithm ``04`` ‖ parameter ``00`` ‖ key length (1,
  ``40``) ‖ issuer public key x‖y (64) ‖ CA signature r‖s (64) over everything before it;
- ICC certificate (9F46): ``14`` ‖ PAN (10, cn) ‖ expiry (2) ‖ serial (3) ‖ ``04 04 00 40``
  ‖ ICC public key (64) ‖ issuer signature (64) over everything before it ‖ static data;
- signed static data (93): ``13`` ‖ ``04`` ‖ DAC (2) ‖ issuer signature over ``13 04 DAC``
  ‖ static data;
- signed dynamic data: ``15`` ‖ ``04`` ‖ length (1) ‖ ICC dynamic data ‖ ICC signature
  over the bytes before it ‖ terminal dynamic data (DDOL data).

Failures come back as :class:`~kiosk.payment.crypto.oda.OdaFailure`, as for RSA.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from gmssl import sm2

from kiosk.payment.crypto.oda import (
    OdaFailure,
    OdaFailureReason,
    OdaStep,
    check_icc_certificate,
    check_issuer_certificate,
)

__all__ = [
    "Sm2Key",
    "recover_icc_key_sm2",
    "recover_issuer_key_sm2",
    "verify_dynamic_sm2",
    "verify_static_sm2",
]

_SM2 = 0x04
_KEY_LEN, _SIG_LEN = 64, 64
_ISSUER_FORMAT, _STATIC_FORMAT, _ICC_FORMAT, _DYNAMIC_FORMAT = 0x12, 0x13, 0x14, 0x15


@dataclass(frozen=True, slots=True)
class Sm2Key:
    """An SM2 public key: the point x‖y, 64 bytes."""

    point: bytes

    def verify(self, signature: bytes, message: bytes) -> bool:
        """SM2 signature r‖s over SM3(Z ‖ message), default user ID (GB/T 32918.2)."""
        if len(signature) != _SIG_LEN or len(self.point) != _KEY_LEN:
            return False
        try:
            checker = sm2.CryptSM2(private_key="", public_key=self.point.hex())
            return bool(checker.verify_with_sm3(signature.hex(), message))
        except (ValueError, ZeroDivisionError, IndexError, TypeError):
            return False  # not a point of the curve: gmssl's arithmetic gives up


def _certified_key(
    step: OdaStep, cert: bytes, signer: Sm2Key, *, fmt: int, head: int, extra: bytes = b""
) -> tuple[bytes, Sm2Key] | OdaFailure:
    """Check format, algorithms, length and signature; return (header fields, key)."""
    if len(cert) != head + 4 + _KEY_LEN + _SIG_LEN:
        return OdaFailure(step, OdaFailureReason.WRONG_LENGTH, str(len(cert)))
    if cert[0] != fmt:
        return OdaFailure(step, OdaFailureReason.BAD_FORMAT, f"format {cert[0]:02X}")
    algorithms = cert[head : head + 4]
    if algorithms[:2] != bytes([_SM2, _SM2]) or algorithms[3] != _KEY_LEN:
        return OdaFailure(step, OdaFailureReason.UNSUPPORTED_ALGORITHM)
    signed, signature = cert[:-_SIG_LEN], cert[-_SIG_LEN:]
    if not signer.verify(signature, signed + extra):
        return OdaFailure(step, OdaFailureReason.HASH_MISMATCH, "SM2 signature")
    return cert[1:head], Sm2Key(cert[head + 4 : head + 4 + _KEY_LEN])


@dataclass(frozen=True, slots=True)
class Sm2Certified:
    """A key an SM2 certificate vouches for, with its identity fields."""

    key: Sm2Key
    identity: bytes  # issuer id (4) or PAN (10)
    expiry: bytes
    serial: bytes


def recover_issuer_key_sm2(
    certificate: bytes, *, ca_key: Sm2Key, pan: bytes, today: dt.date | None = None
) -> Sm2Certified | OdaFailure:
    """Check the issuer certificate under the CA key: signature, issuer id vs PAN, expiry."""
    step = OdaStep.ISSUER_CERTIFICATE
    checked = _certified_key(step, certificate, ca_key, fmt=_ISSUER_FORMAT, head=10)
    if isinstance(checked, OdaFailure):
        return checked
    fields, key = checked
    issuer_id, expiry, serial = fields[:4], fields[4:6], fields[6:9]
    if failure := check_issuer_certificate(issuer_id, expiry, pan=pan, today=today):
        return failure
    return Sm2Certified(key, issuer_id, expiry, serial)


def recover_icc_key_sm2(
    certificate: bytes,
    *,
    issuer_key: Sm2Key,
    static_data: bytes,
    pan: bytes,
    today: dt.date | None = None,
) -> Sm2Certified | OdaFailure:
    """Check the ICC certificate under the issuer key, covering the static data."""
    step = OdaStep.ICC_CERTIFICATE
    checked = _certified_key(
        step, certificate, issuer_key, fmt=_ICC_FORMAT, head=16, extra=static_data
    )
    if isinstance(checked, OdaFailure):
        return checked
    fields, key = checked
    cert_pan, expiry, serial = fields[:10], fields[10:12], fields[12:15]
    if failure := check_icc_certificate(cert_pan, expiry, pan=pan, today=today):
        return failure
    return Sm2Certified(key, cert_pan, expiry, serial)


def verify_static_sm2(
    signed: bytes, *, issuer_key: Sm2Key, static_data: bytes
) -> bytes | OdaFailure:
    """Check signed static data (93); the DAC on success."""
    step = OdaStep.STATIC_DATA
    if len(signed) != 4 + _SIG_LEN:
        return OdaFailure(step, OdaFailureReason.WRONG_LENGTH, str(len(signed)))
    if signed[0] != _STATIC_FORMAT or signed[1] != _SM2:
        return OdaFailure(step, OdaFailureReason.BAD_FORMAT, signed[:2].hex())
    if not issuer_key.verify(signed[4:], signed[:4] + static_data):
        return OdaFailure(step, OdaFailureReason.HASH_MISMATCH, "SM2 signature")
    return signed[2:4]


def verify_dynamic_sm2(
    signed: bytes, *, icc_key: Sm2Key, terminal_data: bytes
) -> bytes | OdaFailure:
    """Check signed dynamic data; the ICC dynamic number (first item of the data)."""
    step = OdaStep.DYNAMIC_SIGNATURE
    if len(signed) < 3 + _SIG_LEN or signed[0] != _DYNAMIC_FORMAT or signed[1] != _SM2:
        return OdaFailure(step, OdaFailureReason.BAD_FORMAT, signed[:2].hex())
    length = signed[2]
    if len(signed) != 3 + length + _SIG_LEN or length < 3:
        return OdaFailure(step, OdaFailureReason.BAD_DYNAMIC_DATA, "length")
    if not icc_key.verify(signed[-_SIG_LEN:], signed[:-_SIG_LEN] + terminal_data):
        return OdaFailure(step, OdaFailureReason.HASH_MISMATCH, "SM2 signature")
    data = signed[3 : 3 + length]
    if not 2 <= data[0] <= 8 or data[0] + 1 > len(data):
        return OdaFailure(step, OdaFailureReason.BAD_DYNAMIC_DATA, "ICC dynamic number")
    return data[1 : 1 + data[0]]
