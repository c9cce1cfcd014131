"""Whole transactions against the software card, checked with the project's own crypto.

Each test plays the terminal's side with plain APDUs and verifies what the card returns
with :mod:`kiosk.payment.crypto` and the issuer master keys from the test assets, so a
card that merely looked right would fail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.payment import tlv
from kiosk.payment.cardsim.keys import CAPK_TEST, load_issuer
from kiosk.payment.cardsim.profiles import load_card
from kiosk.payment.crypto import (
    CipherSuite,
    IccKey,
    IssuerKey,
    OdaFailure,
    OdaFailureReason,
    OdaStep,
    RsaPublicKey,
    StaticSignature,
    cryptogram_data,
    derive_icc_master_key,
    derive_session_key,
    generate_ac,
    generate_arpc,
    recover_icc_key,
    recover_issuer_key,
    script_mac,
    verify_dynamic_signature,
    verify_static_data,
)
from kiosk.payment.dol import build_dol_data, parse_dol
from kiosk.payment.tags import Tag

TODAY = dt.date(2026, 11, 27)
TEST_CA_PATH = CAPK_TEST
PRODUCTION_INDICES = {0x01, 0x02, 0x03, 0x04, 0x08, 0x09, 0x0A, 0x0B, 0x0C}


def _test_ca() -> RsaPublicKey:
    entry = json.loads(TEST_CA_PATH.read_text())[0]
    return RsaPublicKey(int(entry["modulus"], 16), int(entry["exponent"], 16))


def _bcd(fen: int) -> bytes:
    return bytes.fromhex(f"{fen:012d}")


@dataclass
class Terminal:
    """The terminal side of one transaction, just enough to drive and check the card."""

    card: object
    values: dict[int, bytes] = field(default_factory=dict)
    records: dict[int, bytes] = field(default_factory=dict)
    static: bytes = b""
    aip: bytes = b""
    afl: bytes = b""

    def send(self, apdu: bytes | str) -> tuple[bytes, str]:
        raw = bytes.fromhex(apdu) if isinstance(apdu, str) else apdu
        answer = self.card.process(raw)  # type: ignore[attr-defined]
        return answer[:-2], answer[-2:].hex().upper()

    def ok(self, apdu: bytes | str) -> bytes:
        data, sw = self.send(apdu)
        assert sw == "9000", f"{apdu!r} -> {sw}"
        return data

    def select(self, aid: str) -> tlv.TlvList:
        name = bytes.fromhex(aid)
        return tlv.decode(self.ok(bytes([0, 0xA4, 4, 0, len(name)]) + name + b"\x00"))

    def txn(self, *, amount: int, ec: bool = True, currency: bytes = b"\x01\x56") -> None:
        self.values |= {
            Tag.AMOUNT_AUTHORISED: _bcd(amount),
            Tag.AMOUNT_OTHER: bytes(6),
            Tag.TERMINAL_COUNTRY_CODE: b"\x01\x56",
            Tag.TVR: bytes(5),
            Tag.TRANSACTION_CURRENCY_CODE: currency,
            Tag.TRANSACTION_DATE: bytes.fromhex("261127"),
            Tag.TRANSACTION_TYPE: b"\x00",
            Tag.UNPREDICTABLE_NUMBER: bytes.fromhex("7863AFC6"),
            Tag.TRANSACTION_TIME: bytes.fromhex("120000"),
            Tag.MERCHANT_NAME_AND_LOCATION: b"KIOSK TEST".ljust(20),
            Tag.EC_TERMINAL_SUPPORT_INDICATOR: b"\x01" if ec else b"\x00",
            Tag.TTQ: bytes.fromhex("26000000"),
        }

    def gpo(self, pdol: bytes) -> tlv.TlvList:
        data = tlv.encode(Tag.COMMAND_TEMPLATE, build_dol_data(pdol, self.values))
        answer = tlv.decode(self.ok(bytes([0x80, 0xA8, 0, 0, len(data)]) + data + b"\x00"))
        if answer[0].tag == Tag.RESPONSE_FORMAT_1:
            self.aip, self.afl = answer[0].value[:2], answer[0].value[2:]
        else:
            self.aip, self.afl = answer.first(Tag.AIP) or b"", answer.first(Tag.AFL) or b""
        return answer

    def read_afl(self) -> None:
        """READ RECORD everything the AFL names; collect tags and ODA static data."""
        for i in range(0, len(self.afl), 4):
            sfi, first, last, oda = self.afl[i] >> 3, *self.afl[i + 1 : i + 4]
            for rec in range(first, last + 1):
                data = self.ok(bytes([0, 0xB2, rec, sfi << 3 | 4, 0]))
                decoded = tlv.decode(data)
                if rec - first < oda:
                    self.static += decoded[0].value
                for t in decoded.walk():
                    if not t.constructed:
                        self.values.setdefault(t.tag, t.value)
        if self.values.get(Tag.SDA_TAG_LIST) == b"\x82":
            self.static += self.aip

    def issuer_key(self) -> IssuerKey | OdaFailure:
        v = self.values
        assert v[Tag.CA_PUBLIC_KEY_INDEX] == b"\xf7"
        return recover_issuer_key(
            v[Tag.ISSUER_PK_CERTIFICATE],
            ca_key=_test_ca(),
            remainder=v.get(Tag.ISSUER_PK_REMAINDER, b""),
            exponent=v[Tag.ISSUER_PK_EXPONENT],
            pan=v[Tag.PAN],
            today=TODAY,
        )

    def icc_key(self) -> IccKey | OdaFailure:
        issuer = self.issuer_key()
        assert isinstance(issuer, IssuerKey), issuer
        v = self.values
        return recover_icc_key(
            v[Tag.ICC_PK_CERTIFICATE],
            issuer_key=issuer.key,
            remainder=v.get(Tag.ICC_PK_REMAINDER, b""),
            exponent=v[Tag.ICC_PK_EXPONENT],
            static_data=self.static,
            pan=v[Tag.PAN],
            today=TODAY,
        )

    def generate_ac(self, p1: int, *, second: bool = False) -> tuple[int, bytes, bytes]:
        """Send GENERATE AC; return (CID, AC, IAD) whatever the response format."""
        dol = self.values[Tag.CDOL2 if second else Tag.CDOL1]
        data = build_dol_data(dol, self.values)
        answer = tlv.decode(self.ok(bytes([0x80, 0xAE, p1, 0, len(data)]) + data + b"\x00"))
        if answer[0].tag == Tag.RESPONSE_FORMAT_1:
            body = answer[0].value
            return body[0], body[3:11], body[11:]
        cid = answer.first(Tag.CID) or b"\xff"
        return (
            cid[0],
            answer.first(Tag.APPLICATION_CRYPTOGRAM) or b"",
            answer.first(Tag.ISSUER_APPLICATION_DATA) or b"",
        )

    def get_data(self, tag: int) -> bytes:
        return tlv.decode(self.ok(bytes([0x80, 0xCA, tag >> 8, tag & 0xFF, 0]))).first(tag) or b""


def _start(profile: str, aid: str = "A000000333010101", **txn: object) -> Terminal:
    card = load_card(profile)
    card.power_on()
    term = Terminal(card)
    fci = term.select(aid)
    term.txn(**txn)  # type: ignore[arg-type]
    term.gpo(fci.first(Tag.PDOL) or b"")
    return term


def _issuer_session_key(
    term: Terminal, atc: bytes, *, smi: bool = False, suite=CipherSuite.TDES
) -> bytes:
    issuer = load_issuer()
    pan = term.values[Tag.PAN].hex().rstrip("f")
    psn = term.values[Tag.PAN_SEQUENCE_NUMBER].hex()
    mk = derive_icc_master_key(issuer.imk_smi if smi else issuer.imk_ac, pan, psn, suite=suite)
    return derive_session_key(mk, atc, suite=suite)


def _expected_ac(term: Terminal, iad: bytes, *, suite: CipherSuite = CipherSuite.TDES) -> bytes:
    atc = term.get_data(Tag.ATC)
    data = cryptogram_data(term.values, aip=term.aip, atc=atc, iad=iad)
    return generate_ac(_issuer_session_key(term, atc, suite=suite), data, suite=suite)


# --- certificates and the test CA --------------------------------------------------------


def test_test_ca_public_key_is_well_formed() -> None:
    """assets/capk/test.json: RID A000000333, a non-production index, test flag, true SHA-1."""
    entry = json.loads(TEST_CA_PATH.read_text())[0]
    assert entry["rid"] == "A000000333" and entry["test"] is True
    assert int(entry["index"], 16) not in PRODUCTION_INDICES
    checked = bytes.fromhex(entry["rid"] + entry["index"] + entry["modulus"] + entry["exponent"])
    assert hashlib.sha1(checked).hexdigest().upper() == entry["sha1"]
    assert len(entry["expiry"]) == 8 and entry["expiry"] > "20261127"


@pytest.mark.parametrize("profile", ["debit-ec", "credit", "pure-ec", "debit-ec-sm4"])
def test_contact_cards_chain_to_the_test_ca(profile: str) -> None:
    """Issuer cert, SDA (93) and ICC cert of every good contact card verify up to the test CA."""
    aid = {"credit": "A000000333010102", "pure-ec": "A000000333010106"}.get(
        profile, "A000000333010101"
    )
    term = _start(profile, aid, amount=1000)
    term.read_afl()
    issuer = term.issuer_key()
    assert isinstance(issuer, IssuerKey), issuer
    sda = verify_static_data(
        term.values[Tag.SIGNED_STATIC_DATA], issuer_key=issuer.key, static_data=term.static
    )
    assert isinstance(sda, StaticSignature), sda
    assert isinstance(term.icc_key(), IccKey)


def test_dda_signature_verifies_for_the_terminal_number() -> None:
    """INTERNAL AUTHENTICATE signs the DDOL data; it verifies for that UN and not another."""
    term = _start("debit-ec", amount=1000)
    term.read_afl()
    icc = term.icc_key()
    assert isinstance(icc, IccKey)
    ddol = build_dol_data(term.values[Tag.DDOL], term.values)
    sdad = tlv.decode(term.ok(bytes([0, 0x88, 0, 0, len(ddol)]) + ddol + b"\x00")).first(0x80)
    assert sdad is not None
    ok = verify_dynamic_signature(sdad, icc_key=icc.key, terminal_data=ddol)
    assert not isinstance(ok, OdaFailure)
    assert len(ok.icc_dynamic_number) == 8
    bad = verify_dynamic_signature(sdad, icc_key=icc.key, terminal_data=b"\x00\x00\x00\x00")
    assert isinstance(bad, OdaFailure) and bad.reason is OdaFailureReason.HASH_MISMATCH


@pytest.mark.parametrize(
    ("profile", "step", "reason"),
    [
        ("broken-issuer-cert", OdaStep.ISSUER_CERTIFICATE, None),
        ("broken-sda-data", OdaStep.STATIC_DATA, OdaFailureReason.HASH_MISMATCH),
        ("broken-expired", OdaStep.ICC_CERTIFICATE, OdaFailureReason.EXPIRED),
    ],
)
def test_broken_profiles_fail_oda_as_named(
    profile: str, step: OdaStep, reason: OdaFailureReason | None
) -> None:
    """Each ODA-breaking profile fails at the documented step (and reason where fixed)."""
    term = _start(profile, amount=1000)
    term.read_afl()
    issuer = term.issuer_key()
    if step is OdaStep.ISSUER_CERTIFICATE:
        assert isinstance(issuer, OdaFailure) and issuer.step is step
        return
    assert isinstance(issuer, IssuerKey)
    if step is OdaStep.STATIC_DATA:
        result: object = verify_static_data(
            term.values[Tag.SIGNED_STATIC_DATA], issuer_key=issuer.key, static_data=term.static
        )
    else:
        result = term.icc_key()
        assert term.values[Tag.EXPIRATION_DATE] == bytes.fromhex("231231")
    assert result == OdaFailure(step, reason, getattr(result, "detail", ""))  # type: ignore[arg-type]


# --- contact EC --------------------------------------------------------------------------


def test_contact_ec_purchase_approved_offline_and_debited() -> None:
    """¥10.00 on debit-ec: EC path (9F74 read), TC that verifies, balance 500 -> 490, log."""
    term = _start("debit-ec", amount=1000)
    term.read_afl()
    assert term.values[Tag.EC_ISSUER_AUTHORISATION_CODE] == b"ECC001"
    cid, ac, iad = term.generate_ac(0x40)
    assert cid == 0x40
    assert ac == _expected_ac(term, iad)
    assert term.get_data(Tag.EC_BALANCE) == _bcd(49000)
    assert term.get_data(Tag.ATC) == b"\x00\x01"
    log_fmt = parse_dol(term.get_data(Tag.LOG_FORMAT))
    record = term.ok("00B2015C00")
    fields, pos = {}, 0
    for entry in log_fmt:
        fields[entry.tag] = record[pos : pos + entry.length]
        pos += entry.length
    assert fields[Tag.AMOUNT_AUTHORISED] == _bcd(1000)
    assert fields[Tag.TRANSACTION_DATE] == bytes.fromhex("261127")
    assert fields[Tag.ATC] == b"\x00\x01"
    assert term.send("00B2025C00")[1] == "6A83"


@pytest.mark.parametrize(
    ("profile", "aid", "txn", "cid", "ec_path"),
    [
        pytest.param(
            "debit-ec", "A000000333010101", {"amount": 50001}, 0x80, False, id="over-balance-online"
        ),
        pytest.param(
            "debit-ec",
            "A000000333010101",
            {"amount": 1000, "ec": False},
            0x80,
            False,
            id="terminal-no-ec",
        ),
        pytest.param(
            "debit-ec",
            "A000000333010101",
            {"amount": 1000, "currency": b"\x08\x40"},
            0x80,
            False,
            id="foreign-currency",
        ),
        pytest.param(
            "broken-ec-low-balance",
            "A000000333010101",
            {"amount": 1000},
            0x80,
            False,
            id="low-balance-online",
        ),
        pytest.param(
            "broken-ec-low-balance",
            "A000000333010101",
            {"amount": 100},
            0x40,
            True,
            id="low-balance-exact-fit",
        ),
        pytest.param(
            "pure-ec", "A000000333010106", {"amount": 20001}, 0x00, True, id="pure-ec-over-declines"
        ),
        pytest.param(
            "pure-ec", "A000000333010106", {"amount": 20000}, 0x40, True, id="pure-ec-exact-balance"
        ),
        pytest.param(
            "credit", "A000000333010102", {"amount": 100}, 0x80, False, id="credit-always-online"
        ),
    ],
)
def test_card_decision_on_tc_request(
    profile: str, aid: str, txn: dict[str, object], cid: int, ec_path: bool
) -> None:
    """Asked for a TC, the card approves offline only within balance, limits and currency."""
    term = _start(profile, aid, **txn)
    term.read_afl()
    assert (Tag.EC_ISSUER_AUTHORISATION_CODE in term.values) is ec_path
    before = term.get_data(Tag.EC_BALANCE) if profile != "credit" else b""
    got, ac, iad = term.generate_ac(0x40)
    assert got == cid
    assert ac == _expected_ac(term, iad)
    if profile != "credit":
        amount = int(term.values[Tag.AMOUNT_AUTHORISED].hex())
        after = int(term.get_data(Tag.EC_BALANCE).hex())
        assert after == int(before.hex()) - (amount if cid == 0x40 else 0)


def test_single_transaction_limit_is_enforced() -> None:
    """An amount within the balance but above 9F78 is not approved offline."""
    term = _start("debit-ec", amount=1000)
    term.read_afl()
    limit = int(term.get_data(Tag.EC_SINGLE_TRANSACTION_LIMIT).hex())
    assert limit == 50000
    term2 = _start("pure-ec", "A000000333010106", amount=20001)
    term2.read_afl()
    assert int(term2.get_data(Tag.EC_SINGLE_TRANSACTION_LIMIT).hex()) == 20000
    assert term2.generate_ac(0x40)[0] == 0x00


def test_atc_increments_once_per_transaction() -> None:
    """Each GPO increments the ATC by one; GENERATE AC does not add another."""
    card = load_card("debit-ec")
    atcs = []
    for _ in range(3):
        card.power_on()
        term = Terminal(card)
        fci = term.select("A000000333010101")
        term.txn(amount=100)
        term.gpo(fci.first(Tag.PDOL) or b"")
        term.read_afl()
        term.generate_ac(0x40)
        atcs.append(term.get_data(Tag.ATC))
    assert atcs == [b"\x00\x01", b"\x00\x02", b"\x00\x03"]


def test_log_keeps_newest_first_and_is_bounded() -> None:
    """After 12 offline purchases the log holds 10 records, newest (ATC 12) first."""
    card = load_card("debit-ec")
    for _ in range(12):
        card.power_on()
        term = Terminal(card)
        term.select("A000000333010101")
        term.txn(amount=100)
        term.gpo(bytes.fromhex("9F7A019F02065F2A02"))
        term.read_afl()
        assert term.generate_ac(0x40)[0] == 0x40
    assert term.ok("00B2015C00")[-2:] == b"\x00\x0c"
    assert term.ok("00B20A5C00")[-2:] == b"\x00\x03"
    assert term.send("00B20B5C00")[1] == "6A83"


# --- online: ARQC, ARPC, second GENERATE AC, issuer script -----------------------------


@pytest.mark.parametrize("profile", ["credit", "debit-ec-sm4"])
def test_online_approval_with_valid_arpc(profile: str) -> None:
    """ARQC verifies at the issuer; the issuer's ARPC passes; second GENERATE AC gives a TC."""
    suite = CipherSuite.SM4 if profile.endswith("sm4") else CipherSuite.TDES
    aid = "A000000333010102" if profile == "credit" else "A000000333010101"
    term = _start(profile, aid, amount=100000, ec=False)
    term.read_afl()
    cid, arqc, iad = term.generate_ac(0x80)
    assert cid == 0x80
    assert arqc == _expected_ac(term, iad, suite=suite)
    atc = term.get_data(Tag.ATC)
    arpc = generate_arpc(_issuer_session_key(term, atc, suite=suite), arqc, b"00", suite=suite)
    assert term.send("008200000A" + (arpc + b"00").hex())[1] == "9000"
    term.values[Tag.AUTHORISATION_RESPONSE_CODE] = b"00"
    cid2, tc, iad2 = term.generate_ac(0x40, second=True)
    assert cid2 == 0x40
    assert tc == _expected_ac(term, iad2, suite=suite)
    assert iad2[4] & 0xF0 == 0b0110_0000  # CVR: 2nd GEN AC TC, 1st ARQC
    assert term.get_data(Tag.LAST_ONLINE_ATC) == atc
    assert term.send("80AE40001D" + "00" * 29)[1] == "6985"


def test_wrong_arpc_fails_issuer_authentication_and_declines() -> None:
    """A forged ARPC gets 6300 and the second GENERATE AC answers AAC."""
    term = _start("credit", "A000000333010102", amount=100000, ec=False)
    term.read_afl()
    term.generate_ac(0x80)
    assert term.send("008200000A" + "11" * 8 + "3030")[1] == "6300"
    term.values[Tag.AUTHORISATION_RESPONSE_CODE] = b"00"
    assert term.generate_ac(0x40, second=True)[0] == 0x00


def test_issuer_declines_online() -> None:
    """With ARC 05 (declined) the second GENERATE AC answers AAC even after a valid ARPC."""
    term = _start("credit", "A000000333010102", amount=100000, ec=False)
    term.read_afl()
    _, arqc, _ = term.generate_ac(0x80)
    atc = term.get_data(Tag.ATC)
    arpc = generate_arpc(_issuer_session_key(term, atc), arqc, b"05")
    assert term.send("008200000A" + (arpc + b"05").hex())[1] == "9000"
    term.values[Tag.AUTHORISATION_RESPONSE_CODE] = b"05"
    assert term.generate_ac(0x40, second=True)[0] == 0x00


def _ec_load(term: Terminal, new_balance: int, *, tamper: bool = False) -> str:
    _, arqc, _ = term.generate_ac(0x80)
    atc = term.get_data(Tag.ATC)
    value = _bcd(new_balance)
    header = bytes.fromhex("04DA9F790A")
    mac = script_mac(_issuer_session_key(term, atc, smi=True), header + atc + arqc + value)
    if tamper:
        mac = bytes([mac[0] ^ 1]) + mac[1:]
    return term.send(header + value + mac)[1]


@pytest.mark.parametrize(
    ("new_balance", "tamper", "sw", "balance"),
    [
        pytest.param(80000, False, "9000", 80000, id="load-to-800"),
        pytest.param(80000, True, "6988", 50000, id="bad-mac"),
        pytest.param(100001, False, "6A80", 50000, id="over-balance-limit"),
    ],
)
def test_ec_load_by_issuer_script(new_balance: int, tamper: bool, sw: str, balance: int) -> None:
    """PUT DATA 9F79 with a valid script MAC sets the balance; bad MAC or limit refused."""
    term = _start("debit-ec", amount=100, ec=False)
    term.read_afl()
    assert _ec_load(term, new_balance, tamper=tamper) == sw
    assert int(term.get_data(Tag.EC_BALANCE).hex()) == balance
    log_sw = term.send("00B2016400")[1]  # EC load log, SFI 12
    assert (log_sw == "9000") is (sw == "9000")


def test_ec_load_log_record_layout() -> None:
    """The load log (DF4D in the FCI, format DF4F) records P1P2, balance before and after."""
    card = load_card("debit-ec")
    card.power_on()
    term = Terminal(card)
    fci = term.select("A000000333010101")
    assert fci.first(Tag.EC_LOG_ENTRY) == bytes([12, 10])
    term.txn(amount=100, ec=False)
    term.gpo(fci.first(Tag.PDOL) or b"")
    term.read_afl()
    assert _ec_load(term, 80000) == "9000"
    fmt = parse_dol(term.get_data(Tag.EC_LOG_FORMAT))
    record = term.ok("00B2016400")
    assert record[:2] == b"\x9f\x79"
    assert record[2:8] == _bcd(50000) and record[8:14] == _bcd(80000)
    assert len(record) == 14 + sum(e.length for e in fmt)
    assert record[14:17] == bytes.fromhex("261127")


# --- qPBOC --------------------------------------------------------------------------------


def _qpboc(amount: int, ttq: str = "26000000") -> tuple[Terminal, tlv.TlvList]:
    card = load_card("qpboc-debit-ec")
    card.power_on()
    term = Terminal(card)
    assert term.ok("00A404000E325041592E5359532E444446303100")
    fci = term.select("A000000333010101")
    term.txn(amount=amount)
    term.values[Tag.TTQ] = bytes.fromhex(ttq)
    return term, term.gpo(fci.first(Tag.PDOL) or b"")


def test_qpboc_offline_approval_with_fdda() -> None:
    """¥10.00 tapped: the GPO carries a TC, 9F5D = new balance, 9F69 and a valid fDDA."""
    term, gpo = _qpboc(1000)
    assert gpo[0].tag == Tag.RESPONSE_FORMAT_2 and Tag.CID not in gpo
    iad = gpo.first(Tag.ISSUER_APPLICATION_DATA) or b""
    assert iad[4] & 0x30 == 0x10  # CVR: first cryptogram TC
    assert gpo.first(Tag.AVAILABLE_OFFLINE_AMOUNT) == _bcd(29000)
    term.read_afl()
    atc = gpo.first(Tag.ATC) or b""
    data = cryptogram_data(term.values, aip=term.aip, atc=atc, iad=iad)
    expected = generate_ac(_issuer_session_key(term, atc), data)
    assert gpo.first(Tag.APPLICATION_CRYPTOGRAM) == expected
    icc = term.icc_key()
    assert isinstance(icc, IccKey)
    auth = gpo.first(Tag.CARD_AUTH_RELATED_DATA) or b""
    fdda_data = (
        term.values[Tag.UNPREDICTABLE_NUMBER]
        + term.values[Tag.AMOUNT_AUTHORISED]
        + term.values[Tag.TRANSACTION_CURRENCY_CODE]
        + auth
    )
    sdad = gpo.first(Tag.SIGNED_DYNAMIC_DATA) or b""
    assert not isinstance(
        verify_dynamic_signature(sdad, icc_key=icc.key, terminal_data=fdda_data), OdaFailure
    )
    tampered = fdda_data[:4] + _bcd(1) + fdda_data[10:]
    assert isinstance(
        verify_dynamic_signature(sdad, icc_key=icc.key, terminal_data=tampered), OdaFailure
    )


@pytest.mark.parametrize(
    ("amount", "ttq", "cvr_first", "balance"),
    [
        pytest.param(1000, "26800000", 0x20, 30000, id="online-cryptogram-required"),
        pytest.param(30001, "26000000", 0x20, 30000, id="over-balance-online"),
        pytest.param(30001, "2E000000", 0x00, 30000, id="over-balance-offline-only-reader"),
        pytest.param(30000, "26000000", 0x10, 0, id="exact-balance-offline"),
    ],
)
def test_qpboc_card_decision(amount: int, ttq: str, cvr_first: int, balance: int) -> None:
    """The qPBOC card decides in GPO from TTQ and balance; fDDA data only with a TC."""
    term, gpo = _qpboc(amount, ttq)
    iad = gpo.first(Tag.ISSUER_APPLICATION_DATA) or b""
    assert iad[4] & 0x30 == cvr_first
    assert gpo.first(Tag.AVAILABLE_OFFLINE_AMOUNT) == _bcd(balance)
    assert (Tag.SIGNED_DYNAMIC_DATA in gpo) is (cvr_first == 0x10)
    assert term.send("80AE40001D" + "00" * 29)[1] == "6985"


def test_sm4_card_announces_sm_support() -> None:
    """The SM4 profile's FCI carries DF69 = 01 and its TC verifies only with SM4 keys."""
    card = load_card("debit-ec-sm4")
    card.power_on()
    term = Terminal(card)
    fci = term.select("A000000333010101")
    assert fci.first(Tag.SM_ALGORITHM_SUPPORT) == b"\x01"
    term.txn(amount=1000)
    term.gpo(fci.first(Tag.PDOL) or b"")
    term.read_afl()
    cid, ac, iad = term.generate_ac(0x40)
    assert cid == 0x40
    assert iad[7] == 0x04
    assert ac == _expected_ac(term, iad, suite=CipherSuite.SM4)
    assert ac != _expected_ac(term, iad)


def test_state_dir_keeps_balance_across_cards(tmp_path: Path) -> None:
    """With a state dir, a second card object sees the first one's debit and log."""
    card = load_card("debit-ec", state_dir=tmp_path)
    card.power_on()
    term = Terminal(card)
    term.select("A000000333010101")
    term.txn(amount=2500)
    term.gpo(bytes.fromhex("9F7A019F02065F2A02"))
    term.read_afl()
    assert term.generate_ac(0x40)[0] == 0x40
    again = load_card("debit-ec", state_dir=tmp_path)
    again.power_on()
    t2 = Terminal(again)
    t2.select("A000000333010101")
    assert t2.get_data(Tag.EC_BALANCE) == _bcd(47500)
    assert t2.ok("00B2015C00")[-2:] == b"\x00\x01"


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 30000), min_size=1, max_size=8))
def test_ec_ledger_invariants(amounts: list[int]) -> None:
    """Over any run of EC purchases: balance = start - approved sum, never negative; ATC and
    log count follow the transactions; every approval is within balance and 9F78."""
    card = load_card("debit-ec")
    balance, approved = 50000, 0
    for n, amount in enumerate(amounts, start=1):
        card.power_on()
        term = Terminal(card)
        term.select("A000000333010101")
        term.txn(amount=amount)
        term.gpo(bytes.fromhex("9F7A019F02065F2A02"))
        term.read_afl()
        cid, _, _ = term.generate_ac(0x40)
        fits = amount <= min(balance, 50000)
        assert (cid == 0x40) is fits
        if fits:
            balance -= amount
            approved += 1
        assert int(term.get_data(Tag.EC_BALANCE).hex()) == balance >= 0
        assert int.from_bytes(term.get_data(Tag.ATC), "big") == n
    logged = sum(term.send(bytes([0, 0xB2, r, 0x5C, 0]))[1] == "9000" for r in range(1, 11))
    assert logged == min(approved, 10)
