"""Card cryptography against published vectors and a real UnionPay card."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes

from kiosk.payment.crypto import (
    CipherSuite,
    DynamicSignature,
    IccKey,
    IssuerKey,
    OdaFailure,
    OdaFailureReason,
    OdaStep,
    RsaPublicKey,
    StaticSignature,
    derive_icc_master_key,
    derive_session_key,
    generate_ac,
    generate_arpc,
    key_check_value,
    recover_icc_key,
    recover_issuer_key,
    verify_dynamic_signature,
    verify_static_data,
)

DATA = Path(__file__).resolve().parents[1] / "data"
ODA = json.loads((DATA / "upi_contact_oda.json").read_text())
IMK = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")


def _h(name: str) -> bytes:
    return bytes.fromhex(ODA[name])


def _ca09() -> RsaPublicKey:
    keys = json.loads((DATA / "unionpay_capk.json").read_text())
    ca = next(k for k in keys if k["index"] == "09")
    return RsaPublicKey(int(ca["modulus"], 16), int(ca["exponent"], 16))


# --- symmetric: published vectors ----------------------------------------------------------


@pytest.mark.parametrize(
    ("pan", "psn", "kcv"),
    [
        pytest.param("12345678901234567", "45", "FF08", id="pan17-psn45"),
        pytest.param("1234567890123456", "00", "BAB0", id="pan16-psn00"),
        pytest.param("1234567890123456", None, "BAB0", id="pan16-no-psn"),
    ],
)
def test_icc_master_key_option_a_published_kcv(pan: str, psn: str | None, kcv: str) -> None:
    """Option A ICC master keys match the check values published in pyemv's test suite.

    Source: knovichikhin/pyemv tests/test_kd_hsm.py (test_derive_icc_mk_a_psn, KCV FF08)
    and tests/test_cvn_hsm.py (Visa CVN10 ICC MK AC, KCV BAB0), issuer master key
    0123456789ABCDEFFEDCBA9876543210 (KCV 08D7).
    """
    assert key_check_value(IMK, size=2).hex().upper() == "08D7"
    mk = derive_icc_master_key(IMK, pan, psn)
    assert key_check_value(mk, size=2).hex().upper() == kcv


def test_icc_master_key_option_a_published_value() -> None:
    """The full option A key for PAN 99012345678901234 / PSN 45 matches pyemv's kd docstring."""
    mk = derive_icc_master_key(IMK, "99012345678901234", "45")
    assert mk.hex().upper() == "67F8292358083E5EA7AB7FDA58D53B6B"


def test_ac_and_arpc_method1_published_vectors() -> None:
    """Retail MAC AC and ARPC method 1 match pyemv's published HSM-checked vectors.

    Source: knovichikhin/pyemv tests/test_kd_hsm.py test_derive_icc_mk_a_psn: the session
    key is EMV common session key with R = 1234567890123456 (KCV DF82); AC over
    0123456789ABCDEF0123456789ABCDEF = 19C1FBC83EBDC0D5; ARPC method 1 with ARC 0000
    under the ICC master key = 78A372523FA35A03.
    """
    mk = derive_icc_master_key(IMK, "12345678901234567", "45")
    r = bytes.fromhex("1234567890123456")
    # EMV common session key (Book 2 A1.3.1), built here only to reach the vector's key.
    enc = Cipher(TripleDES(mk + mk[:8]), modes.ECB()).encryptor()
    r_left = r[:2] + b"\xf0" + r[3:]
    r_right = r[:2] + b"\x0f" + r[3:]
    sk = enc.update(r_left) + enc.update(r_right)
    assert key_check_value(sk, size=2).hex().upper() == "DF82"
    arqc = generate_ac(sk, bytes.fromhex("0123456789ABCDEF0123456789ABCDEF"))
    assert arqc.hex().upper() == "19C1FBC83EBDC0D5"
    assert generate_arpc(mk, arqc, b"\x00\x00").hex().upper() == "78A372523FA35A03"


def test_pboc_session_key_structure() -> None:
    """The PBOC session key halves are E(MK)[00..ATC] and E(MK)[00..~ATC] (JR/T 0025.5).

    No public vector for this derivation was found; this pins the documented layout
    (also that of fightyz/mpos pbocKeyGenerator SessionKeyGen) against an independent
    3DES computation, and the ATC changes the key.
    """
    mk = derive_icc_master_key(IMK, "6210948000000011", "01")
    enc = Cipher(TripleDES(mk + mk[:8]), modes.ECB()).encryptor()
    expected = enc.update(bytes.fromhex("000000000000001C")) + enc.update(
        bytes.fromhex("000000000000FFE3")
    )
    assert derive_session_key(mk, 0x1C) == expected
    assert derive_session_key(mk, b"\x00\x1c") == expected
    assert derive_session_key(mk, 0x1D) != expected


@pytest.mark.parametrize(
    ("data", "mac_len"),
    [(b"", 8), (bytes(7), 8), (bytes(8), 8), (bytes(29), 8)],
    ids=["empty", "7-bytes", "8-bytes-full-pad-block", "29-bytes"],
)
def test_sm4_variants_shape(data: bytes, mac_len: int) -> None:
    """SM4 derivations and MAC give 16-byte keys, 8-byte cryptograms, differing from 3DES."""
    mk = derive_icc_master_key(IMK, "6210948000000011", "01", suite=CipherSuite.SM4)
    sk = derive_session_key(mk, 5, suite=CipherSuite.SM4)
    ac = generate_ac(sk, data, suite=CipherSuite.SM4)
    assert len(mk) == 16 and len(sk) == 16 and len(ac) == mac_len
    assert ac != generate_ac(sk, data)
    arpc = generate_arpc(sk, ac, b"00", suite=CipherSuite.SM4)
    assert len(arpc) == 8 and arpc != generate_arpc(sk, ac, b"00")


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: derive_icc_master_key(IMK, "62A1", "00"), "digits"),
        (lambda: derive_session_key(IMK, b"\x01"), "ATC"),
        (lambda: generate_ac(IMK[:8], b"x"), "16 bytes"),
        (lambda: generate_arpc(IMK, bytes(7), b"00"), "ARQC"),
    ],
    ids=["pan-not-digits", "atc-length", "short-key", "arqc-length"],
)
def test_bad_symmetric_input_raises_value_error(call: object, match: str) -> None:
    """Misuse of the primitives is a ValueError naming the bad argument."""
    with pytest.raises(ValueError, match=match):
        call()  # type: ignore[operator]


# --- RSA: the real UnionPay test card (CA key 09) --------------------------------------------


def _issuer() -> IssuerKey:
    result = recover_issuer_key(
        _h("tag_90"),
        ca_key=_ca09(),
        remainder=_h("tag_92"),
        exponent=_h("tag_9F32"),
        pan=_h("tag_5A"),
        today=dt.date(2026, 11, 27),
    )
    assert isinstance(result, IssuerKey), result
    return result


def _icc() -> IccKey:
    result = recover_icc_key(
        _h("tag_9F46"),
        issuer_key=_issuer().key,
        remainder=_h("tag_9F48"),
        exponent=_h("tag_9F47"),
        static_data=_h("static_data_to_authenticate"),
        pan=_h("tag_5A"),
        today=dt.date(2026, 11, 27),
    )
    assert isinstance(result, IccKey), result
    return result


def test_real_issuer_certificate_recovers() -> None:
    """The real card's issuer certificate recovers with CA 09 to the published modulus."""
    issuer = _issuer()
    assert issuer.key.modulus == int(ODA["issuer_modulus"], 16)
    assert issuer.issuer_id.hex().upper() == "621094FF"
    assert issuer.serial.hex().upper() == ODA["issuer_cert_serial"]


def test_real_sda_verifies() -> None:
    """Tag 93 of the real card verifies over its static data (SFI 2 rec 1 + AIP), DAC DAC5."""
    result = verify_static_data(
        _h("tag_93"), issuer_key=_issuer().key, static_data=_h("static_data_to_authenticate")
    )
    assert result == StaticSignature(dac=bytes.fromhex("DAC5"))


def test_real_icc_certificate_recovers() -> None:
    """The real ICC certificate recovers to the published ICC modulus and exponent 010001."""
    icc = _icc()
    assert icc.key.modulus == int(ODA["icc_modulus"], 16)
    assert icc.key.exponent == 0x010001


def test_real_dda_signature_verifies() -> None:
    """The INTERNAL AUTHENTICATE answer for UN 7863AFC6 verifies; ICC dynamic number found."""
    trace = json.loads((DATA / "upi_contact_trace.json").read_text())
    answer = bytes.fromhex(next(p["r"] for p in trace if p["c"].startswith("0088")))
    sdad = answer[3:-2]  # 80 81 B0 <sdad> 90 00
    result = verify_dynamic_signature(
        sdad, icc_key=_icc().key, terminal_data=bytes.fromhex("7863AFC6")
    )
    assert isinstance(result, DynamicSignature), result
    assert result.icc_dynamic_number.hex().upper() == "000659A2F145F4"


@pytest.mark.parametrize(
    ("mutate", "step", "reason"),
    [
        pytest.param(
            lambda k: {**k, "static_data": k["static_data"][:-2]},
            OdaStep.ICC_CERTIFICATE,
            OdaFailureReason.HASH_MISMATCH,
            id="icc-cert-without-aip",
        ),
        pytest.param(
            lambda k: {**k, "pan": bytes.fromhex("6210948000000012")},
            OdaStep.ICC_CERTIFICATE,
            OdaFailureReason.IDENTITY_MISMATCH,
            id="icc-cert-other-pan",
        ),
        pytest.param(
            lambda k: {**k, "today": dt.date(2031, 1, 1)},
            OdaStep.ICC_CERTIFICATE,
            OdaFailureReason.EXPIRED,
            id="icc-cert-expired",
        ),
        pytest.param(
            lambda k: {**k, "remainder": k["remainder"][:-1]},
            OdaStep.ICC_CERTIFICATE,
            OdaFailureReason.MISSING_REMAINDER,
            id="icc-remainder-short",
        ),
    ],
)
def test_icc_certificate_failures_are_typed(mutate: object, step: OdaStep, reason: str) -> None:
    """Tampered inputs give an OdaFailure naming the step and the reason, not an exception."""
    kwargs = {
        "issuer_key": _issuer().key,
        "remainder": _h("tag_9F48"),
        "exponent": _h("tag_9F47"),
        "static_data": _h("static_data_to_authenticate"),
        "pan": _h("tag_5A"),
        "today": dt.date(2026, 11, 27),
    }
    result = recover_icc_key(_h("tag_9F46"), **mutate(kwargs))  # type: ignore[operator]
    assert result == OdaFailure(step, OdaFailureReason(reason), result.detail)  # type: ignore[union-attr]


def test_issuer_certificate_with_wrong_ca_fails() -> None:
    """Recovering with another UnionPay CA key (03) fails with a typed failure."""
    keys = json.loads((DATA / "unionpay_capk.json").read_text())
    ca03 = next(k for k in keys if k["index"] == "03")
    wrong = RsaPublicKey(int(ca03["modulus"], 16), int(ca03["exponent"], 16))
    result = recover_issuer_key(
        _h("tag_90")[: wrong.size],
        ca_key=wrong,
        remainder=_h("tag_92"),
        exponent=_h("tag_9F32"),
        pan=_h("tag_5A"),
    )
    assert isinstance(result, OdaFailure)
    assert result.step is OdaStep.ISSUER_CERTIFICATE


def test_issuer_certificate_wrong_length() -> None:
    """A certificate not as long as the CA modulus fails with WRONG_LENGTH."""
    result = recover_issuer_key(
        _h("tag_90")[:-1], ca_key=_ca09(), remainder=b"", exponent=b"\x03", pan=_h("tag_5A")
    )
    assert isinstance(result, OdaFailure)
    assert result.reason is OdaFailureReason.WRONG_LENGTH


def test_sda_tampered_data_fails() -> None:
    """One changed byte of static data makes tag 93 fail with HASH_MISMATCH."""
    data = bytearray(_h("static_data_to_authenticate"))
    data[5] ^= 1
    result = verify_static_data(_h("tag_93"), issuer_key=_issuer().key, static_data=bytes(data))
    assert result == OdaFailure(OdaStep.STATIC_DATA, OdaFailureReason.HASH_MISMATCH)


def test_dda_other_unpredictable_number_fails() -> None:
    """The real DDA signature does not verify for another unpredictable number."""
    trace = json.loads((DATA / "upi_contact_trace.json").read_text())
    sdad = bytes.fromhex(next(p["r"] for p in trace if p["c"].startswith("0088")))[3:-2]
    result = verify_dynamic_signature(sdad, icc_key=_icc().key, terminal_data=b"\x78\x63\xaf\xc7")
    assert result == OdaFailure(OdaStep.DYNAMIC_SIGNATURE, OdaFailureReason.HASH_MISMATCH)
