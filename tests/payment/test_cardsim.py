"""The software PBOC card: commands, status words, profiles and persistence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.errors import ConfigError
from kiosk.payment import tlv
from kiosk.payment.cardsim.profiles import list_profiles, load_card
from kiosk.payment.errors import TlvError
from kiosk.payment.tags import Tag

PSE = "00A404000E315041592E5359532E444446303100"
PPSE = "00A404000E325041592E5359532E444446303100"
SELECT_DEBIT = "00A4040008A00000033301010100"
#: GPO for the contact EC PDOL 9F7A01 9F0206 5F2A02: EC supported, ¥10.00, CNY.
GPO_EC_1000 = "80A800000B830901000000001000015600"


def send(card: object, apdu: str) -> tuple[bytes, str]:
    """Send one APDU (hex) and split the answer into data and the status word (hex)."""
    answer = card.process(bytes.fromhex(apdu))  # type: ignore[attr-defined]
    return answer[:-2], answer[-2:].hex().upper()


@pytest.fixture
def debit() -> object:
    """A powered debit-ec card with fresh in-memory state."""
    card = load_card("debit-ec")
    card.power_on()
    return card


def test_atr_is_t1_with_valid_checksum() -> None:
    """The ATR announces T=1 and its TCK makes the XOR of T0..TCK zero (ISO 7816-3 §8.2.5)."""
    atr = load_card("debit-ec").power_on()
    assert atr[0] == 0x3B and atr[2:4] == b"\x80\x01"
    check = 0
    for b in atr[1:]:
        check ^= b
    assert check == 0


def test_pse_directory_lists_debit_application(debit: object) -> None:
    """SELECT PSE gives SFI 1; its first record lists A000000333010101 and record 2 is 6A83."""
    fci, sw = send(debit, PSE)
    assert sw == "9000" and tlv.decode(fci).first(Tag.SFI_OF_DIRECTORY) == b"\x01"
    rec, sw = send(debit, "00B2010C00")
    assert sw == "9000" and tlv.decode(rec).first(Tag.AID) == bytes.fromhex("A000000333010101")
    assert send(debit, "00B2020C00")[1] == "6A83"


def test_ppse_lists_qpboc_application() -> None:
    """SELECT PPSE on the qPBOC card lists its AID inside BF0C; the contact PSE is absent."""
    card = load_card("qpboc-debit-ec")
    card.power_on()
    fci, sw = send(card, PPSE)
    assert sw == "9000"
    assert tlv.decode(fci).first(Tag.AID) == bytes.fromhex("A000000333010101")
    assert send(card, PSE)[1] == "6A82"


def test_select_aid_returns_fci_with_pdol_and_log_entry(debit: object) -> None:
    """SELECT by AID returns the FCI: DF name, PDOL, and log entry 9F4D = SFI 11, 10 records."""
    fci, sw = send(debit, SELECT_DEBIT)
    decoded = tlv.decode(fci)
    assert sw == "9000"
    assert decoded.first(Tag.DF_NAME) == bytes.fromhex("A000000333010101")
    assert decoded.first(Tag.PDOL) == bytes.fromhex("9F7A019F02065F2A02")
    assert decoded.first(Tag.LOG_ENTRY) == bytes([11, 10])


def test_partial_selection_and_next_occurrence(debit: object) -> None:
    """A partial AID selects the first match; P2=02 asks for the next, of which there is none."""
    fci, sw = send(debit, "00A4040005A00000033300")
    assert sw == "9000" and tlv.decode(fci).first(Tag.DF_NAME) == bytes.fromhex("A000000333010101")
    assert send(debit, "00A4040205A00000033300")[1] == "6A82"


def test_next_occurrence_walks_both_applications() -> None:
    """On multi-app, partial name A000000333 selects debit, then P2=02 EC, then 6A82."""
    card = load_card("multi-app")
    card.power_on()
    names = []
    for apdu in ("00A4040005A00000033300", "00A4040205A00000033300", "00A4040205A00000033300"):
        fci, sw = send(card, apdu)
        names.append(tlv.decode(fci).first(Tag.DF_NAME).hex().upper() if sw == "9000" else sw)  # type: ignore[union-attr]
    assert names == ["A000000333010101", "A000000333010106", "6A82"]
    send(card, PSE)
    assert send(card, "00B2020C00")[1] == "9000"
    assert send(card, "00B2030C00")[1] == "6A83"


@pytest.mark.parametrize(
    ("apdu", "sw"),
    [
        pytest.param("00A4040008A00000033301010900", "6A82", id="select-unknown-aid"),
        pytest.param("00A4010008A00000033301010100", "6A86", id="select-by-fid-p1"),
        pytest.param("00A4040108A00000033301010100", "6A86", id="select-bad-p2"),
        pytest.param("00A40400", "6700", id="select-no-name"),
        pytest.param("00A4040008A000000333", "6700", id="lc-longer-than-data"),
        pytest.param("A0A4040008A00000033301010100", "6E00", id="wrong-cla"),
        pytest.param("00FE000000", "6D00", id="unknown-ins"),
        pytest.param("00B2000C00", "6A86", id="read-record-zero"),
        pytest.param("00B2010800", "6A86", id="read-record-p2-not-sfi"),
        pytest.param("80A80000028300", "6985", id="gpo-before-select"),
        pytest.param("80CA9F7900", "6985", id="get-data-before-select"),
        pytest.param("80AE80001D" + "00" * 29, "6985", id="gen-ac-before-gpo"),
        pytest.param("008200000A" + "00" * 10, "6985", id="external-auth-without-arqc"),
        pytest.param("00", "6700", id="too-short"),
    ],
)
def test_status_words_before_and_outside_a_transaction(debit: object, apdu: str, sw: str) -> None:
    """Bad or out-of-order commands get the status word a card gives, never an exception."""
    assert send(debit, apdu)[1] == sw


@pytest.mark.parametrize(
    ("apdu", "sw"),
    [
        pytest.param("80A8000002830000", "6700", id="gpo-pdol-data-short"),
        pytest.param("80A800000C830A01000000001000015600" + "00", "6700", id="gpo-lc-mismatch"),
        pytest.param("80A800000B840901000000001000015600", "6700", id="gpo-not-template-83"),
        pytest.param("80A801000B830901000000001000015600", "6A86", id="gpo-bad-p1"),
        pytest.param("80CA9F9900", "6A88", id="get-data-unknown-tag"),
        pytest.param("80AE40001D" + "00" * 29, "6985", id="gen-ac-before-gpo"),
        pytest.param("0088000000", "6700", id="internal-auth-no-data"),
        pytest.param("008801000411223344", "6A86", id="internal-auth-bad-p1"),
        pytest.param("04DA9F790A" + "00" * 10, "6985", id="put-data-without-arqc"),
        pytest.param("0020008008341234FFFFFFFFFF", "6A80", id="verify-bad-pin-block"),
        pytest.param("0020008808241234FFFFFFFFFF", "6A86", id="verify-enciphered-pin"),
        pytest.param("00B2012C00", "6A82", id="read-record-unknown-sfi"),
        pytest.param("00B2090C00", "6A83", id="read-record-beyond-file"),
        pytest.param("00B2015C00", "6A83", id="read-empty-log"),
    ],
)
def test_status_words_with_application_selected(debit: object, apdu: str, sw: str) -> None:
    """With the debit application selected, malformed commands get their status words."""
    send(debit, SELECT_DEBIT)
    assert send(debit, apdu)[1] == sw


@pytest.mark.parametrize(
    ("apdu", "sw"),
    [
        pytest.param("80AEC00034" + "00" * 52, "6A86", id="gen-ac-rfu-p1"),
        pytest.param("80AE40013400" + "00" * 51, "6A86", id="gen-ac-p2-not-zero"),
        pytest.param("80AE40001D" + "00" * 29, "6700", id="gen-ac-cdol1-data-short"),
        pytest.param("04DA9F770A" + "00" * 10, "6A88", id="put-data-other-tag"),
        pytest.param("04DA9F790A" + "00" * 10, "6985", id="put-data-before-arqc"),
        pytest.param("008200000A" + "00" * 10, "6985", id="external-auth-before-arqc"),
        pytest.param("008201000A" + "00" * 10, "6A86", id="external-auth-bad-p1"),
    ],
)
def test_status_words_during_a_transaction(debit: object, apdu: str, sw: str) -> None:
    """After GPO, malformed or premature transaction commands get their status words."""
    send(debit, SELECT_DEBIT)
    assert send(debit, GPO_EC_1000)[1] == "9000"
    assert send(debit, apdu)[1] == sw


def test_second_gpo_refused(debit: object) -> None:
    """A second GPO in the same selection is refused with 6985."""
    send(debit, SELECT_DEBIT)
    assert send(debit, GPO_EC_1000)[1] == "9000"
    assert send(debit, GPO_EC_1000)[1] == "6985"


@pytest.mark.parametrize(
    ("tag", "value"),
    [
        ("9F79", "9F7906000000050000"),
        ("9F77", "9F7706000000100000"),
        ("9F78", "9F7806000000050000"),
        ("9F6D", "9F6D06000000001000"),
        ("9F51", "9F51020156"),
        ("9F36", "9F36020000"),
        ("9F13", "9F13020000"),
        ("9F17", "9F170103"),
        ("9F4F", "9F4F19" + "9A039F21039F02069F03069F1A025F2A029F4E149C019F3602"),
    ],
)
def test_get_data(debit: object, tag: str, value: str) -> None:
    """GET DATA returns each EC and counter data object as a TLV."""
    send(debit, SELECT_DEBIT)
    data, sw = send(debit, f"80CA{tag}00")
    assert sw == "9000" and data.hex().upper() == value


def test_credit_card_has_no_ec_data() -> None:
    """The credit profile has no EC: GET DATA 9F79 is 6A88."""
    card = load_card("credit")
    card.power_on()
    send(card, "00A4040008A00000033301010200")
    assert send(card, "80CA9F7900")[1] == "6A88"


def test_verify_pin_counts_down_and_blocks(debit: object) -> None:
    """Wrong PINs count 63C2, 63C1, 63C0, then 6983; the right one before that resets."""
    send(debit, SELECT_DEBIT)
    assert send(debit, "0020008008261234 56FFFFFFFF".replace(" ", ""))[1] == "9000"
    answers = [send(debit, "002000800826999999FFFFFFFF")[1] for _ in range(4)]
    assert answers == ["63C2", "63C1", "63C0", "6983"]
    assert send(debit, "0020008008261234 56FFFFFFFF".replace(" ", ""))[1] == "6983"


@pytest.mark.parametrize(
    ("profile", "record", "sfi"),
    [("broken-record-tlv", "00B2010C00", 1)],
)
def test_broken_record_tlv_is_malformed(profile: str, record: str, sfi: int) -> None:
    """The broken-record-tlv card serves SFI 1 record 1 whose inner TLV runs past its end."""
    card = load_card(profile)
    card.power_on()
    send(card, SELECT_DEBIT)
    data, sw = send(card, record)
    assert sw == "9000" and data[0] == 0x70
    with pytest.raises(TlvError) as err:
        tlv.decode(data)
    assert err.value.code == "card.tlv.value_truncated"


def test_broken_missing_tag_has_no_cdol1() -> None:
    """broken-missing-tag serves no 8C in any record, and GENERATE AC is refused."""
    card = load_card("broken-missing-tag")
    card.power_on()
    send(card, SELECT_DEBIT)
    send(card, GPO_EC_1000)
    found = []
    for p2 in ("0C", "14", "1C"):
        for rec in range(1, 5):
            data, sw = send(card, f"00B2{rec:02X}{p2}00")
            if sw == "9000":
                found.append(tlv.decode(data).first(Tag.CDOL1))
    assert found and all(v is None for v in found)
    assert send(card, "80AE40001D" + "00" * 29)[1] == "6985"


def test_broken_gpo_6985() -> None:
    """broken-gpo-6985 selects fine but answers every GPO with 6985."""
    card = load_card("broken-gpo-6985")
    card.power_on()
    assert send(card, SELECT_DEBIT)[1] == "9000"
    assert send(card, GPO_EC_1000)[1] == "6985"


def test_list_profiles_sorted_with_required_names() -> None:
    """list_profiles is sorted and includes every profile the project promises."""
    names = [p.name for p in list_profiles()]
    assert names == sorted(names)
    required = {
        "debit-ec", "credit", "pure-ec", "qpboc-debit-ec", "broken-expired",
        "broken-issuer-cert", "broken-sda-data", "broken-missing-tag", "broken-gpo-6985",
        "broken-record-tlv", "broken-ec-low-balance",
    }  # fmt: skip
    assert required <= set(names)
    assert all(p.description for p in list_profiles())


@pytest.mark.parametrize("name", ["no-such-card", "../debit-ec", "", ".hidden"])
def test_unknown_profile_is_config_error(name: str) -> None:
    """An unknown (or path-like) profile name is ConfigError cardsim.unknown_profile."""
    with pytest.raises(ConfigError) as err:
        load_card(name)
    assert err.value.code == "cardsim.unknown_profile"


def test_state_survives_reload(tmp_path: Path) -> None:
    """ATC, EC balance and log written by one card object are there for the next."""
    card = load_card("debit-ec", state_dir=tmp_path)
    card.power_on()
    send(card, SELECT_DEBIT)
    send(card, GPO_EC_1000)
    cdol1 = "000000001000" + "000000000000" + "0156" + "0000000000" + "0156" + "261127" + "00"
    cdol1 += "11223344" + "120000" + "00" * 20
    data, sw = send(card, "80AE400034" + cdol1)
    assert sw == "9000" and data[2] == 0x40  # TC
    card.power_off()
    again = load_card("debit-ec", state_dir=tmp_path)
    again.power_on()
    send(again, SELECT_DEBIT)
    assert send(again, "80CA9F7900")[0].hex().upper() == "9F7906000000049000"
    assert send(again, "80CA9F3600")[0].hex().upper() == "9F36020001"
    assert send(again, "00B2015C00")[1] == "9000"
    saved = json.loads((tmp_path / "debit-ec.json").read_text())
    assert saved["ec_balance"] == 49000 and saved["atc"] == 1


def test_corrupt_state_file_is_config_error(tmp_path: Path) -> None:
    """A state file that is not valid JSON is ConfigError cardsim.bad_state, not a crash."""
    (tmp_path / "debit-ec.json").write_text("{not json")
    with pytest.raises(ConfigError) as err:
        load_card("debit-ec", state_dir=tmp_path)
    assert err.value.code == "cardsim.bad_state"


def test_without_state_dir_each_load_starts_fresh() -> None:
    """Without a state directory a new card starts from the profile's balance and ATC."""
    card = load_card("debit-ec")
    card.power_on()
    send(card, SELECT_DEBIT)
    send(card, GPO_EC_1000)
    fresh = load_card("debit-ec")
    fresh.power_on()
    send(fresh, SELECT_DEBIT)
    assert send(fresh, "80CA9F3600")[0].hex().upper() == "9F36020000"


def test_qpboc_reader_without_qpboc_support_gets_6984() -> None:
    """A GPO whose TTQ does not offer qPBOC is answered 6984 (try another interface)."""
    card = load_card("qpboc-debit-ec")
    card.power_on()
    send(card, SELECT_DEBIT)
    pdol_data = "06000000" + "000000001000" + "00" * 6 + "0156" + "00" * 5 + "0156"
    pdol_data += "261127" + "00" + "11223344"
    assert send(card, "80A8000023" + "8321" + pdol_data + "00")[1] == "6984"
    assert send(card, "80CA9F3600")[0].hex().upper() == "9F36020000"


_VALID_APDUS = [
    PSE, PPSE, SELECT_DEBIT, GPO_EC_1000, "00B2010C00", "00B2011400", "80CA9F7900",
    "0088000004112233 4400".replace(" ", ""), "80AE40003400" + "00" * 51,
    "008200000A" + "00" * 10, "04DA9F790A" + "00" * 10, "0020008008241234FFFFFFFFFF",
]  # fmt: skip


@pytest.mark.parametrize("profile", ["debit-ec", "qpboc-debit-ec", "credit", "pure-ec"])
def test_fuzzed_apdus_always_get_a_status_word(profile: str) -> None:
    """Random and mutated APDUs, in any order, always get data + a 2-byte SW, never raise."""
    import random

    rng = random.Random(profile)
    card = load_card(profile)
    card.power_on()
    for i in range(1500):
        if i % 3 == 0:
            apdu = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 40)))
        else:
            apdu = bytearray.fromhex(rng.choice(_VALID_APDUS))
            for _ in range(rng.randint(0, 3)):
                apdu[rng.randrange(len(apdu))] = rng.randrange(256)
            apdu = bytes(apdu)
        answer = card.process(apdu)
        assert isinstance(answer, bytes) and len(answer) >= 2
        assert answer[-2] in (0x90, 0x61, 0x62, 0x63, 0x67, 0x69, 0x6A, 0x6D, 0x6E)


def _write_profile(tmp_path: Path, name: str, content: dict[str, object]) -> None:
    (tmp_path / f"{name}.json").write_text(json.dumps(content))


@pytest.mark.parametrize(
    ("override", "field"),
    [
        pytest.param({"pan": "6212340000000010"}, "pan", id="pan-fails-luhn"),
        pytest.param({"pan": "4111111111111111"}, "pan", id="pan-not-unionpay"),
        pytest.param({"expiry": "2030-12-31"}, "expiry", id="expiry-not-yymmdd"),
        pytest.param({"aip": "ZZ"}, "aip", id="aip-not-hex"),
        pytest.param({"applications": []}, "applications", id="no-application"),
        pytest.param({"ec": {"balance": 200000}}, "ec.balance", id="balance-over-limit"),
        pytest.param({"psn": "01"}, "psn", id="psn-not-int"),
        pytest.param({"psn": 100}, "psn", id="psn-over-99"),
        pytest.param({"log": {"sfi": 3}}, "log.sfi", id="log-sfi-not-11-30"),
        pytest.param({"records": {"x": ["5A"]}}, "records.x", id="bad-record-key"),
    ],
)
def test_bad_profile_is_config_error_naming_the_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, override: dict[str, object], field: str
) -> None:
    """A profile with a bad field fails to load with cardsim.bad_profile naming the field."""
    from kiosk.payment.cardsim import profile as profile_module
    from kiosk.payment.cardsim import profiles as profiles_module

    base = profile_module.PROFILES_DIR / "debit-ec.json"
    (tmp_path / "debit-ec.json").write_text(base.read_text())
    _write_profile(tmp_path, "bad", {"extends": "debit-ec", "description": "bad", **override})
    monkeypatch.setattr(profile_module, "PROFILES_DIR", tmp_path)
    monkeypatch.setattr(profiles_module, "PROFILES_DIR", tmp_path)
    profiles_module._image.cache_clear()
    with pytest.raises(ConfigError) as err:
        load_card("bad")
    profiles_module._image.cache_clear()
    assert err.value.code == "cardsim.bad_profile"
    assert err.value.context["field"] == field


def test_profile_not_json_is_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A profile file that is not JSON is reported as cardsim.bad_profile, not a crash."""
    from kiosk.payment.cardsim import profile as profile_module
    from kiosk.payment.cardsim import profiles as profiles_module

    (tmp_path / "garbage.json").write_text("{ nope")
    monkeypatch.setattr(profile_module, "PROFILES_DIR", tmp_path)
    monkeypatch.setattr(profiles_module, "PROFILES_DIR", tmp_path)
    with pytest.raises(ConfigError) as err:
        load_card("garbage")
    assert err.value.code == "cardsim.bad_profile"
    with pytest.raises(ConfigError):
        list_profiles()
