"""Card risk management decisions of the software card, as pure functions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.payment import tlv
from kiosk.payment.cardsim.profile import AppKind, CardPath, EcParams
from kiosk.payment.cardsim.risk import (
    AcType,
    EcRequest,
    cvr,
    ec_fits,
    first_ac,
    qpboc_decision,
    requested_ac,
    second_ac,
)

DATA = Path(__file__).resolve().parents[1] / "data"
EC = EcParams(
    balance=50000, balance_limit=100000, single_limit=20000, reset_threshold=1000,
    currency=b"\x01\x56",
)  # fmt: skip
CNY = b"\x01\x56"


@pytest.mark.parametrize(
    ("balance", "amount", "currency", "fits"),
    [
        pytest.param(50000, 20000, CNY, True, id="at-single-limit"),
        pytest.param(50000, 20001, CNY, False, id="over-single-limit"),
        pytest.param(100, 100, CNY, True, id="exact-balance"),
        pytest.param(100, 101, CNY, False, id="over-balance"),
        pytest.param(50000, 100, b"\x08\x40", False, id="usd"),
        pytest.param(50000, 0, CNY, False, id="zero-amount"),
    ],
)
def test_ec_fits(balance: int, amount: int, currency: bytes, fits: bool) -> None:
    """EC offline approval needs amount within balance and 9F78, in the EC currency."""
    assert ec_fits(EC, balance, EcRequest(amount, currency)) is fits


def test_no_ec_never_fits() -> None:
    """A card without EC never approves an EC purchase offline."""
    assert not ec_fits(None, 10**9, EcRequest(1, CNY))


_T, _Q, _A = AcType.TC, AcType.ARQC, AcType.AAC
_DEBIT, _CREDIT, _PURE_EC = AppKind.DEBIT, AppKind.CREDIT, AppKind.EC
_EC, _STD = CardPath.EC, CardPath.STANDARD
#: id: (requested, kind, path, ec_ok, consecutive offline, 9F14, answer)
FIRST_AC = {
    "ec-fits-tc": (_T, _DEBIT, _EC, True, 0, 0, _T),
    "ec-no-fit-online": (_T, _DEBIT, _EC, False, 0, 0, _Q),
    "std-limit-0-online": (_T, _DEBIT, _STD, False, 0, 0, _Q),
    "std-under-9F14": (_T, _DEBIT, _STD, False, 2, 3, _T),
    "std-at-9F14": (_T, _DEBIT, _STD, False, 3, 3, _Q),
    "pure-ec-declines": (_T, _PURE_EC, _EC, False, 0, 0, _A),
    "pure-ec-cannot-go-online": (_Q, _PURE_EC, _EC, True, 0, 0, _A),
    "arqc-stays-arqc": (_Q, _CREDIT, _STD, False, 0, 5, _Q),
    "aac-stays-aac": (_A, _DEBIT, _EC, True, 0, 0, _A),
}


@pytest.mark.parametrize("case", FIRST_AC.values(), ids=FIRST_AC.keys())
def test_first_ac(case: tuple[AcType, AppKind, CardPath, bool, int, int, AcType]) -> None:
    """The first GENERATE AC never answers more than asked, and goes online when it must."""
    requested, kind, path, ec_ok, offline, lower, answer = case
    got = first_ac(
        requested,
        kind=kind,
        path=path,
        ec_ok=ec_ok,
        consecutive_offline=offline,
        lower_offline_limit=lower,
    )
    assert got is answer


@pytest.mark.parametrize(
    ("requested", "arc", "auth", "answer"),
    [
        pytest.param(AcType.TC, b"00", True, AcType.TC, id="approved-authenticated"),
        pytest.param(AcType.TC, b"00", None, AcType.TC, id="approved-no-ext-auth"),
        pytest.param(AcType.TC, b"00", False, AcType.AAC, id="issuer-auth-failed"),
        pytest.param(AcType.TC, b"05", True, AcType.AAC, id="issuer-declined"),
        pytest.param(AcType.TC, b"Y3", None, AcType.TC, id="unable-online-approve"),
        pytest.param(AcType.AAC, b"00", True, AcType.AAC, id="terminal-declines"),
    ],
)
def test_second_ac(requested: AcType, arc: bytes, auth: bool | None, answer: AcType) -> None:
    """The second GENERATE AC gives a TC only for an approval the issuer authenticated."""
    assert second_ac(requested, arc=arc, issuer_auth_ok=auth) is answer


@pytest.mark.parametrize(
    ("ttq", "amount", "answer"),
    [
        pytest.param("26000000", 1000, AcType.TC, id="fits-offline"),
        pytest.param("26800000", 1000, AcType.ARQC, id="online-required"),
        pytest.param("26000000", 60000, AcType.ARQC, id="over-balance"),
        pytest.param("2E000000", 60000, AcType.AAC, id="offline-only-reader"),
    ],
)
def test_qpboc_decision(ttq: str, amount: int, answer: AcType) -> None:
    """qPBOC decides from TTQ (online required, offline-only) and the offline balance."""
    got = qpboc_decision(bytes.fromhex(ttq), ec=EC, balance=50000, request=EcRequest(amount, CNY))
    assert got is answer


@pytest.mark.parametrize(
    ("p1", "answer"),
    [(0x00, AcType.AAC), (0x40, AcType.TC), (0x80, AcType.ARQC), (0x90, AcType.ARQC), (0xC0, None)],
    ids=["aac", "tc", "arqc", "arqc-cda-bit", "rfu"],
)
def test_requested_ac(p1: int, answer: AcType | None) -> None:
    """P1 bits 8-7 code the requested cryptogram; 11 is RFU (Book 3 Table 12)."""
    assert requested_ac(p1) is answer


def test_cvr_layout_matches_a_real_unionpay_card() -> None:
    """CVR byte 2 as the real test card codes it: A0 after an ARQC, 60 after the online TC.

    Source: the two GENERATE AC answers of binaryfoo/emv-bertlv contact-upi-in.txt
    (tests/payment/data/upi_contact_trace.json), IAD 07 00 01 03 A0.. and 07 00 01 03 60..
    """
    trace = json.loads((DATA / "upi_contact_trace.json").read_text())
    answers = [bytes.fromhex(p["r"])[:-2] for p in trace if p["c"].startswith("80AE")]
    iads = [tlv.decode(a)[0].value[11:] for a in answers]
    assert [iad[4] for iad in iads] == [cvr(AcType.ARQC)[1], cvr(AcType.ARQC, AcType.TC)[1]]
