"""Signing side of offline data authentication: what personalisation writes on the card.

The exact inverse of :mod:`kiosk.payment.crypto.oda` (EMV 4.3 Book 2 Tables 6, 7, 14
and 17), so that a terminal verifying with the test CA sees genuine objects.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from kiosk.payment.cardsim.keys import RsaPrivateKey

__all__ = [
    "CertifiedKey",
    "icc_certificate",
    "issuer_certificate",
    "signed_dynamic_data",
    "signed_static_data",
]

_SHA1_RSA = b"\x01\x01"


@dataclass(frozen=True, slots=True)
class CertifiedKey:
    """A certificate with the remainder and exponent that go beside it on the card."""

    certificate: bytes
    remainder: bytes
    exponent: bytes


def _exponent_bytes(key: RsaPrivateKey) -> bytes:
    return key.exponent.to_bytes((key.exponent.bit_length() + 7) // 8, "big")


def _seal(signer: RsaPrivateKey, body: bytes, hashed_extra: bytes) -> bytes:
    """6A || body || SHA-1(body || extra) || BC, signed with ``signer``."""
    digest = hashlib.sha1(body + hashed_extra).digest()  # noqa: S324 - EMV hash algorithm 01
    return signer.sign_raw(b"\x6a" + body + digest + b"\xbc")


def _certify(
    signer: RsaPrivateKey, subject: RsaPrivateKey, head: bytes, room: int, extra: bytes
) -> CertifiedKey:
    modulus = subject.modulus.to_bytes(subject.size, "big")
    exponent = _exponent_bytes(subject)
    digits = modulus[:room].ljust(room, b"\xbb")
    remainder = modulus[room:]
    fields = _SHA1_RSA + bytes([subject.size, len(exponent)])
    cert = _seal(signer, head + fields + digits, remainder + exponent + extra)
    return CertifiedKey(cert, remainder, exponent)


def issuer_certificate(
    ca: RsaPrivateKey, issuer: RsaPrivateKey, *, issuer_id: bytes, expiry: bytes, serial: bytes
) -> CertifiedKey:
    """Tag 90 (with 92 and 9F32): the issuer key certified by the CA (Book 2 Table 6)."""
    head = b"\x02" + issuer_id + expiry + serial
    return _certify(ca, issuer, head, ca.size - 36, b"")


def icc_certificate(
    issuer: RsaPrivateKey,
    icc: RsaPrivateKey,
    *,
    pan: bytes,
    expiry: bytes,
    serial: bytes,
    static_data: bytes,
) -> CertifiedKey:
    """Tag 9F46 (with 9F48, 9F47): the ICC key certified by the issuer (Book 2 Table 14).

    ``pan`` is tag 5A; it is padded with ``F`` to 10 bytes as the table requires.
    """
    head = b"\x04" + pan.ljust(10, b"\xff") + expiry + serial
    return _certify(issuer, icc, head, issuer.size - 42, static_data)


def signed_static_data(issuer: RsaPrivateKey, *, dac: bytes, static_data: bytes) -> bytes:
    """Tag 93: signed static application data (Book 2 Table 7)."""
    body = b"\x03\x01" + dac + b"\xbb" * (issuer.size - 26)
    return _seal(issuer, body, static_data)


def signed_dynamic_data(
    icc: RsaPrivateKey, *, icc_dynamic_data: bytes, terminal_data: bytes
) -> bytes:
    """Signed dynamic application data (Book 2 Table 17) for DDA or qPBOC fDDA."""
    pad = icc.size - len(icc_dynamic_data) - 25
    if pad < 0:
        raise ValueError("ICC dynamic data too long for the ICC key")
    body = b"\x05\x01" + bytes([len(icc_dynamic_data)]) + icc_dynamic_data + b"\xbb" * pad
    return _seal(icc, body, terminal_data)
