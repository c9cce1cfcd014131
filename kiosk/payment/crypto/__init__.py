"""Symmetric card cryptography: key derivation, application cryptograms, ARPC, script MACs.

Built on ``cryptography`` (3DES from its ``decrepit`` module, SM4 from its primitives).
The EMV/PBOC constructions around the block ciphers are written here because no
maintained Python library implements them; each cites the section it follows.

3DES (double-length keys, 16 bytes):

- ICC master key: EMV 4.3 Book 2 Annex A1.4.1 *option A*.
- Session key: the PBOC 3.0 / UnionPay derivation (JR/T 0025, debit/credit application
  security), which is *not* EMV's common session key (Book 2 A1.3): only the ATC
  diversifies the key, no unpredictable number::

      SK = 3DES(MK)[00 00 00 00 00 00 || ATC] || 3DES(MK)[00 00 00 00 00 00 || ~ATC]

  Sources checked: payment HSM interfaces expose a "UnionPay" session-key mode taking
  only PAN, PSN and ATC (AWS Payment Cryptography ``SessionKeyUnionPay``), and a public
  PBOC key tool derives it exactly so (``fightyz/mpos`` ``pbocKeyGenerator``). No public
  test vector was found for it; the tests pin the layout.
- Application cryptogram: ISO/IEC 9797-1 MAC algorithm 3 (retail MAC), padding method 2
  (Book 2 A1.2.1), 8 bytes.
- ARPC method 1 (Book 2 §8.2.1) with the AC session key: ``3DES(SK)[ARQC xor (ARC || 00..)]``.

SM4 (the SM-algorithm profile of PBOC 3.0, cards announcing DF69 = 01; 16-byte keys
and blocks): the same structure with SM4 for 3DES. Derivations encrypt one 16-byte
block holding both halves (``Y || ~Y``; ``00..||ATC||00..||~ATC``); the MAC is SM4-CBC
with padding method 2, leftmost 8 bytes of the last block; ARPC is the leftmost 8
bytes of ``SM4(SK)[(ARQC xor ARC||00..) || 00 * 8]``. These SM4 layouts are the
project's reading of the SM profile; no public vector was found to check them.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from kiosk.payment.crypto.oda import (
    DynamicSignature,
    IccKey,
    IssuerKey,
    OdaFailure,
    OdaFailureReason,
    OdaStep,
    RsaPublicKey,
    StaticSignature,
    recover_icc_key,
    recover_issuer_key,
    verify_dynamic_signature,
    verify_static_data,
)

__all__ = [
    "AC_TERMINAL_TAGS",
    "CipherSuite",
    "DynamicSignature",
    "IccKey",
    "IssuerKey",
    "OdaFailure",
    "OdaFailureReason",
    "OdaStep",
    "RsaPublicKey",
    "StaticSignature",
    "cryptogram_data",
    "derive_icc_master_key",
    "derive_session_key",
    "generate_ac",
    "generate_arpc",
    "key_check_value",
    "recover_icc_key",
    "recover_issuer_key",
    "script_mac",
    "verify_dynamic_signature",
    "verify_static_data",
]


class CipherSuite(Enum):
    """Which block cipher a card's symmetric keys use (PBOC 3.0: DF69 = 01 means SM)."""

    TDES = "3des"
    SM4 = "sm4"


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def _tdes(key: bytes, block: bytes) -> bytes:
    if len(key) != 16:
        raise ValueError("3DES keys here are double length (16 bytes)")
    # One-block ECB is the primitive the EMV/PBOC constructions are defined on.
    enc = Cipher(TripleDES(key + key[:8]), modes.ECB()).encryptor()  # noqa: S305
    return enc.update(block) + enc.finalize()


def _des(key: bytes, block: bytes, *, decrypt: bool = False) -> bytes:
    # Single DES as 3DES with K1=K2=K3, the form ``cryptography`` keeps supporting.
    cipher = Cipher(TripleDES(key * 3), modes.ECB())  # noqa: S305
    ctx = cipher.decryptor() if decrypt else cipher.encryptor()
    return ctx.update(block) + ctx.finalize()


def _sm4(key: bytes, block: bytes) -> bytes:
    if len(key) != 16:
        raise ValueError("SM4 keys are 16 bytes")
    enc = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()  # noqa: S305
    return enc.update(block) + enc.finalize()


def _odd_parity(key: bytes) -> bytes:
    """Set each byte's least significant bit for odd parity (Book 2 A1.4.1 last step)."""
    return bytes((b & 0xFE) | ((bin(b >> 1).count("1") + 1) & 1) for b in key)


def _pad_method_2(data: bytes, block: int) -> bytes:
    """ISO/IEC 9797-1 padding method 2: one ``80`` then ``00`` to a whole block."""
    padded = data + b"\x80"
    return padded + bytes(-len(padded) % block)


def _digits(value: str | bytes | int, *, name: str) -> str:
    text = value.decode("ascii") if isinstance(value, bytes) else str(value)
    text = text.upper().rstrip("F")
    if not text.isdigit():
        raise ValueError(f"{name} must be decimal digits")
    return text


def key_check_value(key: bytes, *, suite: CipherSuite = CipherSuite.TDES, size: int = 3) -> bytes:
    """Leftmost ``size`` bytes of the key encrypting zeros (how keys are checked by eye)."""
    if suite is CipherSuite.SM4:
        return _sm4(key, bytes(16))[:size]
    return _tdes(key, bytes(8))[:size]


def derive_icc_master_key(
    issuer_master_key: bytes,
    pan: str | bytes,
    psn: str | bytes | int | None = None,
    *,
    suite: CipherSuite = CipherSuite.TDES,
) -> bytes:
    """ICC master key from the issuer master key, PAN and PAN sequence number.

    EMV 4.3 Book 2 A1.4.1 option A: Y = rightmost 16 digits of PAN || PSN (PSN ``00``
    when absent), left-padded with zeros; MK = E(Y) || E(Y xor FF..FF), odd parity.
    ``pan`` is the digits (ASCII/str, trailing ``F`` allowed); ``psn`` is 2 digits or int.
    Raises ValueError on non-digit input or a key of the wrong length.
    """
    digits = _digits(pan, name="PAN")
    seq = (
        "00"
        if psn is None
        else (f"{psn:02d}" if isinstance(psn, int) else _digits(psn, name="PSN"))
    )
    y = bytes.fromhex((digits + seq.zfill(2))[-16:].zfill(16))
    if suite is CipherSuite.SM4:
        return _sm4(issuer_master_key, y + _xor(y, b"\xff" * 8))
    left = _tdes(issuer_master_key, y)
    right = _tdes(issuer_master_key, _xor(y, b"\xff" * 8))
    return _odd_parity(left + right)


def derive_session_key(
    icc_master_key: bytes, atc: int | bytes, *, suite: CipherSuite = CipherSuite.TDES
) -> bytes:
    """The PBOC/UnionPay AC session key for one ATC (see the module docstring)."""
    atc_b = atc.to_bytes(2, "big") if isinstance(atc, int) else bytes(atc)
    if len(atc_b) != 2:
        raise ValueError("ATC is 2 bytes")
    left_in = bytes(6) + atc_b
    right_in = bytes(6) + _xor(atc_b, b"\xff\xff")
    if suite is CipherSuite.SM4:
        return _sm4(icc_master_key, left_in + right_in)
    return _tdes(icc_master_key, left_in) + _tdes(icc_master_key, right_in)


def _retail_mac(key: bytes, data: bytes) -> bytes:
    """ISO/IEC 9797-1 MAC algorithm 3 with DES, padding method 2 (Book 2 A1.2.1)."""
    k_left, k_right = key[:8], key[8:16]
    padded = _pad_method_2(data, 8)
    chain = bytes(8)
    for i in range(0, len(padded), 8):
        chain = _des(k_left, _xor(chain, padded[i : i + 8]))
    return _des(k_left, _des(k_right, chain, decrypt=True))


def _sm4_cbc_mac(key: bytes, data: bytes) -> bytes:
    padded = _pad_method_2(data, 16)
    enc = Cipher(algorithms.SM4(key), modes.CBC(bytes(16))).encryptor()
    return (enc.update(padded) + enc.finalize())[-16:]


def generate_ac(session_key: bytes, data: bytes, *, suite: CipherSuite = CipherSuite.TDES) -> bytes:
    """The 8-byte application cryptogram (ARQC/TC/AAC) over ``data`` (CDOL data || ...)."""
    if len(session_key) != 16:
        raise ValueError("session keys are 16 bytes")
    if suite is CipherSuite.SM4:
        return _sm4_cbc_mac(session_key, data)[:8]
    return _retail_mac(session_key, data)


def generate_arpc(
    session_key: bytes, arqc: bytes, arc: bytes, *, suite: CipherSuite = CipherSuite.TDES
) -> bytes:
    """ARPC method 1 (Book 2 §8.2.1): encrypt ARQC xor (ARC padded with 00 to 8 bytes)."""
    if len(arqc) != 8 or len(arc) != 2:
        raise ValueError("ARQC is 8 bytes and ARC 2 bytes")
    x = _xor(arqc, arc + bytes(6))
    if suite is CipherSuite.SM4:
        return _sm4(session_key, x + bytes(8))[:8]
    return _tdes(session_key, x)


def script_mac(
    session_key: bytes, data: bytes, *, suite: CipherSuite = CipherSuite.TDES, size: int = 4
) -> bytes:
    """Secure-messaging MAC of an issuer script command (Book 2 §9.2.3, PBOC Part 5).

    ``data`` is CLA INS P1 P2 Lc || ATC || ARQC || command data (without the MAC),
    ``session_key`` the MAC session key derived from the ICC MAC master key with
    :func:`derive_session_key`. Returns the leftmost ``size`` bytes (PBOC uses 4).
    """
    return generate_ac(session_key, data, suite=suite)[:size]


#: Terminal data an application cryptogram covers, in this order: the minimum set of
#: EMV 4.3 Book 2 §8.1.1 Table 26, which PBOC JR/T 0025.5 keeps; then AIP, ATC, CVR.
AC_TERMINAL_TAGS: tuple[int, ...] = (0x9F02, 0x9F03, 0x9F1A, 0x95, 0x5F2A, 0x9A, 0x9C, 0x9F37)


def cryptogram_data(terminal: Mapping[int, bytes], *, aip: bytes, atc: bytes, iad: bytes) -> bytes:
    """The data an ARQC/TC/AAC is computed over, for the card and the host alike.

    ``terminal`` holds the values the terminal sent (CDOL or PDOL data, by tag); a tag
    it did not send counts as zeros of its usual length. ``iad`` is tag 9F10 in the
    PBOC layout (length 07, DKI, CVN, CVR[4], algorithm), whose CVR is bytes 3-6.
    """
    sizes = {0x9F02: 6, 0x9F03: 6, 0x9F1A: 2, 0x95: 5, 0x5F2A: 2, 0x9A: 3, 0x9C: 1, 0x9F37: 4}
    parts = [terminal.get(tag, bytes(sizes[tag])) for tag in AC_TERMINAL_TAGS]
    return b"".join(parts) + aip + atc + iad[3:7]
