"""SM2 offline data authentication, against vectors this test signs with gmssl (no SM2 card
profile exists): a valid chain passes, each tampering fails at its own step, and an SM card
goes through the kernel's ODA phase with INTERNAL AUTHENTICATE."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import pytest
from gmssl import sm2

from kiosk.payment import tlv
from kiosk.payment.capk import CaKeyStore
from kiosk.payment.cardsim.scripted import ScriptedCard
from kiosk.payment.crypto.oda import OdaFailure, OdaStep
from kiosk.payment.crypto.sm2_oda import (
    Sm2Key,
    recover_icc_key_sm2,
    recover_issuer_key_sm2,
    verify_dynamic_sm2,
    verify_static_sm2,
)
from kiosk.payment.kernel import TerminalConfig
from kiosk.payment.kernel.context import TransactionContext, Tsi, Tvr
from kiosk.payment.kernel.oda import offline_data_authentication
from tests.payment.kernel.test_phases import make_ctx

N = int(sm2.default_ecc_table["n"], 16)
PAN = bytes.fromhex("6212340000000019")
STATIC = bytes.fromhex("5F24033012315A0862123400000000195F340101")
UN = bytes.fromhex("7863AFC6")
SOURCE = random.Random(20261127)


@dataclass
class KeyPair:
    private: int
    public: Sm2Key

    @classmethod
    def new(cls) -> KeyPair:
        d = SOURCE.randrange(1, N - 1)
        point = sm2.CryptSM2(private_key="", public_key="")._kg(d, sm2.default_ecc_table["g"])
        return cls(d, Sm2Key(bytes.fromhex(point)))

    def sign(self, message: bytes) -> bytes:
        signer = sm2.CryptSM2(
            private_key=f"{self.private:064x}", public_key=self.public.point.hex()
        )
        k = f"{SOURCE.randrange(1, N - 1):064x}"
        return bytes.fromhex(signer.sign_with_sm3(message, k))


CA, ISSUER, ICC = KeyPair.new(), KeyPair.new(), KeyPair.new()


def issuer_cert(expiry: str = "1230", issuer_id: str = "621234FF") -> bytes:
    body = bytes.fromhex(f"12{issuer_id}{expiry}000001040400" + "40") + ISSUER.public.point
    return body + CA.sign(body)


def icc_cert(pan: bytes = PAN) -> bytes:
    body = b"\x14" + pan + b"\xff" * (10 - len(pan)) + bytes.fromhex("123000000204040040")
    body += ICC.public.point
    return body + ISSUER.sign(body + STATIC)


def static_signature() -> bytes:
    head = bytes.fromhex("1304DAC1")
    return head + ISSUER.sign(head + STATIC)


def dynamic_signature(terminal: bytes = UN) -> bytes:
    head = bytes.fromhex("150409") + bytes.fromhex("08") + bytes(range(1, 9))
    return head + ICC.sign(head + terminal)


def flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :]


def test_valid_chain() -> None:
    """CA -> issuer -> ICC certificates, static and dynamic signatures all verify."""
    issuer = recover_issuer_key_sm2(issuer_cert(), ca_key=CA.public, pan=PAN)
    assert not isinstance(issuer, OdaFailure) and issuer.key == ISSUER.public
    icc = recover_icc_key_sm2(icc_cert(), issuer_key=issuer.key, static_data=STATIC, pan=PAN)
    assert not isinstance(icc, OdaFailure) and icc.key == ICC.public
    assert (
        verify_static_sm2(static_signature(), issuer_key=issuer.key, static_data=STATIC)
        == b"\xda\xc1"
    )
    number = verify_dynamic_sm2(dynamic_signature(), icc_key=icc.key, terminal_data=UN)
    assert number == bytes(range(1, 9))


@pytest.mark.parametrize(
    ("case", "step", "reason"),
    [
        ("issuer-tampered", OdaStep.ISSUER_CERTIFICATE, "hash_mismatch"),
        ("issuer-wrong-ca", OdaStep.ISSUER_CERTIFICATE, "hash_mismatch"),
        ("issuer-expired", OdaStep.ISSUER_CERTIFICATE, "expired"),
        ("issuer-other-bin", OdaStep.ISSUER_CERTIFICATE, "identity_mismatch"),
        ("issuer-truncated", OdaStep.ISSUER_CERTIFICATE, "wrong_length"),
        ("icc-static-changed", OdaStep.ICC_CERTIFICATE, "hash_mismatch"),
        ("icc-other-pan", OdaStep.ICC_CERTIFICATE, "identity_mismatch"),
        ("static-tampered", OdaStep.STATIC_DATA, "hash_mismatch"),
        ("dynamic-other-un", OdaStep.DYNAMIC_SIGNATURE, "hash_mismatch"),
        ("dynamic-bad-format", OdaStep.DYNAMIC_SIGNATURE, "bad_format"),
    ],
)
def test_failures(case: str, step: OdaStep, reason: str) -> None:
    """Each tampering is caught at its own step with its own reason."""
    today = dt.date(2026, 11, 27)
    ca, issuer, icc = CA.public, ISSUER.public, ICC.public
    other_pan = bytes.fromhex("6212340000000027")
    results = {
        "issuer-tampered": lambda: recover_issuer_key_sm2(
            flip(issuer_cert(), 20), ca_key=ca, pan=PAN
        ),
        "issuer-wrong-ca": lambda: recover_issuer_key_sm2(issuer_cert(), ca_key=issuer, pan=PAN),
        "issuer-expired": lambda: recover_issuer_key_sm2(
            issuer_cert("1225"), ca_key=ca, pan=PAN, today=today
        ),
        "issuer-other-bin": lambda: recover_issuer_key_sm2(
            issuer_cert(issuer_id="622222FF"), ca_key=ca, pan=PAN
        ),
        "issuer-truncated": lambda: recover_issuer_key_sm2(issuer_cert()[:-1], ca_key=ca, pan=PAN),
        "icc-static-changed": lambda: recover_icc_key_sm2(
            icc_cert(), issuer_key=issuer, static_data=flip(STATIC, 3), pan=PAN
        ),
        "icc-other-pan": lambda: recover_icc_key_sm2(
            icc_cert(), issuer_key=issuer, static_data=STATIC, pan=other_pan
        ),
        "static-tampered": lambda: verify_static_sm2(
            flip(static_signature(), 3), issuer_key=issuer, static_data=STATIC
        ),
        "dynamic-other-un": lambda: verify_dynamic_sm2(
            dynamic_signature(), icc_key=icc, terminal_data=bytes(4)
        ),
        "dynamic-bad-format": lambda: verify_dynamic_sm2(
            b"\x05" + dynamic_signature()[1:], icc_key=icc, terminal_data=UN
        ),
    }
    failure = results[case]()
    assert isinstance(failure, OdaFailure)
    assert (failure.step, failure.reason.value) == (step, reason)


def test_not_a_curve_point_fails_cleanly() -> None:
    """A key that is not a curve point makes verification fail, not raise."""
    assert not Sm2Key(b"\x01" * 64).verify(b"\x02" * 64, b"data")


def sm_store(expiry: str | None = None) -> CaKeyStore:
    """The shipped keys plus this test's SM2 CA key as A000000333/F8 (with an expiry)."""
    return CaKeyStore.load(
        allow_test_keys=True,
        sm2_keys={"A000000333/F8": CA.public.point.hex()},
        expiry_overrides={"A000000333/F8": expiry} if expiry else None,
    )


def _sm_context(
    *, sm_card: bool, config: TerminalConfig | None = None, dda: bool = True
) -> tuple[TransactionContext, ScriptedCard]:
    exchange = (
        "0088000004" + UN.hex().upper() + "00",
        tlv.encode(0x80, dynamic_signature()).hex() + "9000",
    )
    card = ScriptedCard([exchange] if dda else [])
    ctx = make_ctx(
        {0x8F: "F8", 0x90: issuer_cert().hex(), 0x9F46: icc_cert().hex(), 0x9F49: "9F3704"},
        card=card,
        config=config or TerminalConfig(),
    )
    ctx.card.aid = bytes.fromhex("A000000333010101")
    ctx.card.oda_records += STATIC
    if sm_card:
        ctx.card.fci[0xDF69] = b"\x01"
    ctx.terminal.unpredictable_number = UN
    return ctx, card


def test_sm_card_through_the_oda_phase() -> None:
    """DF69 = 01 and an SM2 CA key: SM2 DDA with INTERNAL AUTHENTICATE passes."""
    ctx, card = _sm_context(sm_card=True)
    offline_data_authentication(ctx, sm_store("20271231"))
    assert (ctx.oda.method, ctx.oda.result) == ("sm", "passed")
    assert Tsi.ODA_PERFORMED in ctx.terminal.tsi
    card.assert_done()


def test_sm2_ca_key_past_its_expiry_fails_dda() -> None:
    """Book 2 §5.3 for SM2 too: a CA key past its expiry date is not used; no command is
    sent to the card."""
    ctx, card = _sm_context(sm_card=True, dda=False)
    offline_data_authentication(ctx, sm_store("20261126"))  # the day before WHEN
    assert (ctx.oda.method, ctx.oda.result) == ("sm", "failed")
    assert ctx.oda.failure == "ca_key:capk.expired"
    assert Tvr.DDA_FAILED in ctx.terminal.tvr
    card.assert_done()


def test_revoked_sm2_issuer_certificate_fails_dda() -> None:
    """The revocation list applies to SM2 issuer certificates (RID/index/serial)."""
    config = TerminalConfig(revocation_list=frozenset({"A000000333/F8/000001"}))
    ctx, card = _sm_context(sm_card=True, config=config, dda=False)
    offline_data_authentication(ctx, sm_store())
    assert (ctx.oda.result, ctx.oda.failure) == ("failed", "issuer_certificate:revoked")
    assert Tvr.DDA_FAILED in ctx.terminal.tvr
    card.assert_done()


def test_card_without_df69_uses_rsa(capk: CaKeyStore) -> None:
    """Without DF69 the same card is authenticated with RSA, which it cannot do: DDA failed."""
    ctx, _ = _sm_context(sm_card=False)
    offline_data_authentication(ctx, sm_store())
    assert (ctx.oda.method, ctx.oda.result) == ("dda", "failed")
    assert Tvr.DDA_FAILED in ctx.terminal.tvr
