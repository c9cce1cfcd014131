"""Offline data authentication: RSA certificate recovery and signature checks.

EMV 4.3 Book 2 §5 (SDA) and §6 (DDA; fDDA of qPBOC, JR/T 0025.12, uses the same
signed-dynamic-data format 05 over UN, amount, currency and 9F69).

Why by hand: EMV signatures are raw RSA over an ISO 9796-2-like layout (header ``6A``,
trailer ``BC``, SHA-1 inside the block) that ``cryptography`` does not expose, so we
do the modular exponentiation ourselves and use ``cryptography`` for SHA-1.

Failures are *returned* as :class:`OdaFailure` (step + reason), never raised: a bad
certificate is an expected outcome that the kernel maps to TVR bits (Book 3 §10.3).
Keys are plain modulus/exponent ints so that the CA key store and this module stay
independent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from cryptography.hazmat.primitives import hashes

__all__ = [
    "DynamicSignature",
    "IccKey",
    "IssuerKey",
    "OdaFailure",
    "OdaFailureReason",
    "OdaStep",
    "RsaPublicKey",
    "StaticSignature",
    "certificate_expired",
    "check_icc_certificate",
    "check_issuer_certificate",
    "pan_digits",
    "recover_icc_key",
    "recover_issuer_key",
    "verify_dynamic_signature",
    "verify_static_data",
]

_HEADER, _TRAILER, _PAD = 0x6A, 0xBC, 0xBB
_HASH_LEN = 20
_SHA1, _RSA = 0x01, 0x01


class OdaStep(StrEnum):
    """Which object failed (the kernel sets SDA or DDA failed in the TVR accordingly)."""

    ISSUER_CERTIFICATE = "issuer_certificate"
    ICC_CERTIFICATE = "icc_certificate"
    STATIC_DATA = "static_data"
    DYNAMIC_SIGNATURE = "dynamic_signature"


class OdaFailureReason(StrEnum):
    """Why the object failed (Book 2 §5.3, §5.4, §6.3, §6.5 steps)."""

    WRONG_LENGTH = "wrong_length"
    BAD_HEADER = "bad_header"
    BAD_TRAILER = "bad_trailer"
    BAD_FORMAT = "bad_format"
    HASH_MISMATCH = "hash_mismatch"
    UNSUPPORTED_ALGORITHM = "unsupported_algorithm"
    IDENTITY_MISMATCH = "identity_mismatch"
    EXPIRED = "expired"
    MISSING_REMAINDER = "missing_remainder"
    BAD_DYNAMIC_DATA = "bad_dynamic_data"


@dataclass(frozen=True, slots=True)
class OdaFailure:
    """An authentication check that did not pass: which object, why, and a short detail."""

    step: OdaStep
    reason: OdaFailureReason
    detail: str = ""


@dataclass(frozen=True, slots=True)
class RsaPublicKey:
    """An RSA public key as EMV carries it; ``size`` is the modulus length in bytes."""

    modulus: int
    exponent: int

    @property
    def size(self) -> int:
        return (self.modulus.bit_length() + 7) // 8

    def recover(self, signature: bytes) -> bytes:
        """Raw RSA public operation, result as ``size`` bytes (Book 2 A2.1)."""
        value = pow(int.from_bytes(signature, "big"), self.exponent, self.modulus)
        return value.to_bytes(self.size, "big")


@dataclass(frozen=True, slots=True)
class IssuerKey:
    """What a valid issuer public key certificate yields (Book 2 Table 6)."""

    key: RsaPublicKey
    issuer_id: bytes
    expiry: bytes
    serial: bytes


@dataclass(frozen=True, slots=True)
class IccKey:
    """What a valid ICC public key certificate yields (Book 2 Table 14)."""

    key: RsaPublicKey
    pan: bytes
    expiry: bytes
    serial: bytes


@dataclass(frozen=True, slots=True)
class StaticSignature:
    """A valid signed static application data (Book 2 Table 7); ``dac`` is tag 9F45."""

    dac: bytes


@dataclass(frozen=True, slots=True)
class DynamicSignature:
    """A valid signed dynamic application data (Book 2 Table 17).

    ``icc_dynamic_number`` is tag 9F4C (the first length-prefixed item of the data).
    """

    icc_dynamic_data: bytes
    icc_dynamic_number: bytes


def _sha1(data: bytes) -> bytes:
    h = hashes.Hash(hashes.SHA1())  # noqa: S303 - EMV hash algorithm indicator 01 is SHA-1
    h.update(data)
    return h.finalize()


def _open(step: OdaStep, signature: bytes, key: RsaPublicKey, fmt: int) -> bytes | OdaFailure:
    """Recover a signed block and check length, header, trailer and format byte."""
    if len(signature) != key.size:
        return OdaFailure(step, OdaFailureReason.WRONG_LENGTH, f"{len(signature)} != {key.size}")
    block = key.recover(signature)
    if block[-1] != _TRAILER:
        return OdaFailure(step, OdaFailureReason.BAD_TRAILER)
    if block[0] != _HEADER:
        return OdaFailure(step, OdaFailureReason.BAD_HEADER)
    if block[1] != fmt:
        return OdaFailure(step, OdaFailureReason.BAD_FORMAT, f"format {block[1]:02X}")
    return block


def _check_hash(step: OdaStep, block: bytes, extra: bytes) -> OdaFailure | None:
    body, digest = block[1 : -1 - _HASH_LEN], block[-1 - _HASH_LEN : -1]
    if _sha1(body + extra) != digest:
        return OdaFailure(step, OdaFailureReason.HASH_MISMATCH)
    return None


def certificate_expired(mmyy: bytes, today: dt.date | None) -> bool:
    """Certificates are valid through the last day of their MMYY month (Book 2 §5.3 step 8);
    a date that is not BCD counts as expired. ``today`` None skips the check."""
    text = mmyy.hex()
    if not text.isdigit():
        return True
    return today is not None and (2000 + int(text[2:]), int(text[:2])) < (today.year, today.month)


def pan_digits(data: bytes) -> str:
    """The digits of a PAN field (cn, padded with F)."""
    return data.hex().upper().rstrip("F")


def check_issuer_certificate(
    issuer_id: bytes, expiry: bytes, *, pan: bytes, today: dt.date | None
) -> OdaFailure | None:
    """Issuer certificate steps 7-8 (Book 2 §5.3), for RSA and SM2 alike: the issuer id
    (3 to 8 digits) leads the PAN and the certificate has not expired."""
    step = OdaStep.ISSUER_CERTIFICATE
    if len(pan_digits(issuer_id)) < 3 or not pan_digits(pan).startswith(pan_digits(issuer_id)):
        return OdaFailure(step, OdaFailureReason.IDENTITY_MISMATCH, "issuer id vs PAN")
    if certificate_expired(expiry, today):
        return OdaFailure(step, OdaFailureReason.EXPIRED, expiry.hex())
    return None


def check_icc_certificate(
    cert_pan: bytes, expiry: bytes, *, pan: bytes, today: dt.date | None
) -> OdaFailure | None:
    """ICC certificate steps 9-10 (Book 2 §6.4), for RSA and SM2 alike: the certified PAN
    is the card's (5A) and the certificate has not expired."""
    step = OdaStep.ICC_CERTIFICATE
    if pan_digits(cert_pan) != pan_digits(pan):
        return OdaFailure(step, OdaFailureReason.IDENTITY_MISMATCH, "certificate PAN vs 5A")
    if certificate_expired(expiry, today):
        return OdaFailure(step, OdaFailureReason.EXPIRED, expiry.hex())
    return None


def _unpack_key(
    step: OdaStep,
    block: bytes,
    offset: int,
    *,
    remainder: bytes,
    exponent: bytes,
    digits_room: int,
) -> tuple[RsaPublicKey, bytes] | OdaFailure:
    """Rebuild the certified key from the algorithm/length fields at ``offset``.

    Returns the key and the bytes the hash must also cover (remainder || exponent).
    """
    hash_algo, pk_algo, pk_len, exp_len = block[offset : offset + 4]
    if hash_algo != _SHA1 or pk_algo != _RSA:
        return OdaFailure(step, OdaFailureReason.UNSUPPORTED_ALGORITHM)
    digits = block[offset + 4 : offset + 4 + digits_room]
    if pk_len > digits_room:
        if len(remainder) != pk_len - digits_room:
            return OdaFailure(step, OdaFailureReason.MISSING_REMAINDER)
        modulus = digits + remainder
    else:
        modulus = digits[:pk_len]
    if len(exponent) != exp_len or not exponent:
        return OdaFailure(step, OdaFailureReason.BAD_FORMAT, "exponent length")
    key = RsaPublicKey(int.from_bytes(modulus, "big"), int.from_bytes(exponent, "big"))
    return key, remainder + exponent


def recover_issuer_key(
    certificate: bytes,
    *,
    ca_key: RsaPublicKey,
    remainder: bytes,
    exponent: bytes,
    pan: bytes,
    today: dt.date | None = None,
) -> IssuerKey | OdaFailure:
    """Recover and check the issuer public key (tag 90 with 92, 9F32) - Book 2 §5.3.

    ``pan`` is tag 5A: the issuer identifier must match its leading digits.
    ``today`` enables the expiry check (step 8); omit it to skip that check.
    """
    step = OdaStep.ISSUER_CERTIFICATE
    block = _open(step, certificate, ca_key, 0x02)
    if isinstance(block, OdaFailure):
        return block
    unpacked = _unpack_key(
        step, block, 11, remainder=remainder, exponent=exponent, digits_room=ca_key.size - 36
    )
    if isinstance(unpacked, OdaFailure):
        return unpacked
    key, hashed_extra = unpacked
    if failure := _check_hash(step, block, hashed_extra):
        return failure
    issuer_id, expiry, serial = block[2:6], block[6:8], block[8:11]
    if failure := check_issuer_certificate(issuer_id, expiry, pan=pan, today=today):
        return failure
    return IssuerKey(key, issuer_id, expiry, serial)


def recover_icc_key(
    certificate: bytes,
    *,
    issuer_key: RsaPublicKey,
    remainder: bytes,
    exponent: bytes,
    static_data: bytes,
    pan: bytes,
    today: dt.date | None = None,
) -> IccKey | OdaFailure:
    """Recover and check the ICC public key (tag 9F46 with 9F48, 9F47) - Book 2 §6.4.

    ``static_data`` is the static data to be authenticated (ODA records, plus the AIP
    when 9F4A lists it), covered by the certificate's hash.
    """
    step = OdaStep.ICC_CERTIFICATE
    block = _open(step, certificate, issuer_key, 0x04)
    if isinstance(block, OdaFailure):
        return block
    unpacked = _unpack_key(
        step, block, 17, remainder=remainder, exponent=exponent, digits_room=issuer_key.size - 42
    )
    if isinstance(unpacked, OdaFailure):
        return unpacked
    key, hashed_extra = unpacked
    if failure := _check_hash(step, block, hashed_extra + static_data):
        return failure
    cert_pan, expiry, serial = block[2:12], block[12:14], block[14:17]
    if failure := check_icc_certificate(cert_pan, expiry, pan=pan, today=today):
        return failure
    return IccKey(key, cert_pan, expiry, serial)


def verify_static_data(
    signed: bytes, *, issuer_key: RsaPublicKey, static_data: bytes
) -> StaticSignature | OdaFailure:
    """Verify signed static application data (tag 93) - Book 2 §5.4."""
    step = OdaStep.STATIC_DATA
    block = _open(step, signed, issuer_key, 0x03)
    if isinstance(block, OdaFailure):
        return block
    if block[2] != _SHA1:
        return OdaFailure(step, OdaFailureReason.UNSUPPORTED_ALGORITHM)
    if failure := _check_hash(step, block, static_data):
        return failure
    return StaticSignature(dac=block[3:5])


def verify_dynamic_signature(
    signed: bytes, *, icc_key: RsaPublicKey, terminal_data: bytes
) -> DynamicSignature | OdaFailure:
    """Verify signed dynamic application data (tag 9F4B or INTERNAL AUTHENTICATE) - §6.5.

    ``terminal_data`` is what the hash covers after the block: the DDOL data for DDA,
    or for qPBOC fDDA ``9F37 || 9F02 || 5F2A || 9F69`` (JR/T 0025.12).
    """
    step = OdaStep.DYNAMIC_SIGNATURE
    block = _open(step, signed, icc_key, 0x05)
    if isinstance(block, OdaFailure):
        return block
    if block[2] != _SHA1:
        return OdaFailure(step, OdaFailureReason.UNSUPPORTED_ALGORITHM)
    length = block[3]
    if length == 0 or 4 + length > len(block) - 1 - _HASH_LEN:
        return OdaFailure(step, OdaFailureReason.BAD_DYNAMIC_DATA, "length")
    if failure := _check_hash(step, block, terminal_data):
        return failure
    data = block[4 : 4 + length]
    number_len = data[0]
    if not 2 <= number_len <= 8 or number_len + 1 > len(data):
        return OdaFailure(step, OdaFailureReason.BAD_DYNAMIC_DATA, "ICC dynamic number")
    return DynamicSignature(icc_dynamic_data=data, icc_dynamic_number=data[1 : 1 + number_len])
