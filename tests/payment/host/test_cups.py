"""The CUPS POS field specification: every message type round-trips, bytes as documented."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.errors import ConfigError
from kiosk.payment.errors import HostError
from kiosk.payment.host import cups
from kiosk.payment.host.keys import (
    WorkingKeys,
    check_value,
    load_tmk,
    open_key_block,
    seal_key_block,
    write_tmk,
)

MAK = bytes.fromhex("0123456789ABCDEF")
ICC = "9F2608A1B2C3D4E5F601029F2701809F101307010103A0A000010A01000000000012345678"
_BASE = {"41": "TEST0001", "42": "898000000000001"}

#: One example of each message the terminal and the acquirer exchange (notes §5).
MESSAGES: dict[str, dict[str, str]] = {
    "0800": _BASE | {"11": "000001", "60": "00000000003", "63": "001"},
    "0810": _BASE
    | {
        "11": "000001",
        "12": "103015",
        "13": "1127",
        "32": "00085500",
        "37": "000000000001",
        "39": "00",
        "60": "00000519003",
        "62": "AB" * 40,
    },
    "0200": _BASE
    | {
        "2": "6228480012345678901",
        "3": "000000",
        "4": "000000012345",
        "11": "000002",
        "14": "2812",
        "22": "051",
        "23": "001",
        "25": "00",
        "49": "156",
        "55": ICC,
        "60": "2200000100050",
    },
    "0210": _BASE
    | {
        "3": "000000",
        "4": "000000012345",
        "11": "000002",
        "37": "000000000002",
        "38": "123456",
        "39": "51",
        "55": "910A1122334455667788303072",
        "60": "2200000100050",
    },
    "0400": _BASE
    | {
        "2": "6228480012345678",
        "3": "000000",
        "4": "000000012345",
        "11": "000002",
        "22": "071",
        "25": "00",
        "39": "98",
        "49": "156",
        "55": "9F3602001295058000000000",
        "60": "2200000100060",
    },
    "0410": _BASE | {"3": "000000", "4": "000000012345", "11": "000002", "39": "00"},
    "0220": _BASE | {"3": "200000", "4": "000000000100", "11": "000003", "37": "000000000002"},
    "0320": _BASE
    | {
        "2": "6228480012345678",
        "3": "000000",
        "4": "000000000500",
        "11": "000004",
        "55": ICC + "8A025931",
        "60": "3600000100050",
        "61": "0000010000021127",
        "63": "CUP",
    },
    "0330": _BASE | {"11": "000004", "39": "00"},
    "0500": _BASE
    | {
        "11": "000005",
        "48": "0000000128450030000000001000010" + "0" * 31,
        "49": "156",
        "60": "00000001201",
        "63": "001",
    },
    "0510": _BASE | {"11": "000005", "39": "00", "48": "0" * 30 + "1" + "0" * 31},
    "0620": _BASE | {"11": "000006", "55": "DF31052000000001", "61": "0000010000021127"},
    "0820": _BASE | {"11": "000007", "60": "00000001301"},
}


@pytest.mark.parametrize("mti", sorted(MESSAGES))
@pytest.mark.parametrize("mak", [None, MAK], ids=["plain", "maced"])
def test_every_message_type_round_trips(mti: str, mak: bytes | None) -> None:
    fields = {"t": mti} | MESSAGES[mti]
    body = cups.encode(dict(fields), mak)
    assert body[:2] == bytes.fromhex(mti)
    decoded = cups.decode(body, mak)
    assert decoded.pop("64", None) == (
        None if mak is None else cups.mac(mak, body[:-8]).hex().upper()
    )
    assert decoded == fields
    assert cups.encode(decoded, mak) == body


def test_numeric_fields_are_bcd_as_the_dialect_packs_them() -> None:
    body = cups.encode({"t": "0200", "22": "051", "23": "001", "2": "123", "60": "2200000100050"})
    # 22 left-aligned (05 10), 23 right-aligned (00 01); LLVAR 2 counts digits (03) and pads
    assert bytes.fromhex("031230") in body
    assert body.endswith(bytes.fromhex("05100001001322000001000500"))


def test_mac_is_eight_ascii_hex_characters_and_covers_every_byte() -> None:
    body = cups.encode({"t": "0200"} | MESSAGES["0200"], MAK)
    assert body[-8:].isalnum() and body[-8:].upper() == body[-8:]
    for i in range(0, len(body) - 8, 7):
        tampered = bytearray(body)
        tampered[i] ^= 0x10
        with pytest.raises(HostError):
            cups.decode(bytes(tampered), MAK)


def test_bad_mac_is_its_own_error() -> None:
    body = cups.encode({"t": "0210"} | MESSAGES["0210"], MAK)
    with pytest.raises(cups.BadMacError):
        cups.decode(body, bytes(8))
    unmaced = cups.encode({"t": "0210"} | MESSAGES["0210"])
    with pytest.raises(cups.BadMacError):
        cups.decode(unmaced, MAK)


def test_framing_length_tpdu_header() -> None:
    message = cups.Frame(cups.TPDU, cups.HEADER, b"\x02\x00" + bytes(8))
    wire = cups.frame(message)
    assert wire[:2] == (21).to_bytes(2, "big") and wire[2:7] == cups.TPDU
    assert cups.unframe(wire[2:]) == message
    assert message.reply(b"x").tpdu == bytes.fromhex("6000000003")


@given(st.binary(max_size=64))
def test_garbage_is_malformed_never_anything_else(data: bytes) -> None:
    try:
        cups.decode(data)
    except HostError as exc:
        assert exc.code == "host.malformed"


def test_published_key_vectors() -> None:
    """The TMK/MAK pair and check value of the acquirer notes §7."""
    tmk = bytes.fromhex("70F2A84CCBC2AE8625CBB0F2C22AB923")
    block = bytes.fromhex("96D605EA176B7E9E") + bytes(8)
    pik_slot = cups.block_cipher(tmk).update(bytes(16))
    key_block = pik_slot + check_value(bytes(16)) + block + bytes.fromhex("0547DB3E")
    keys = open_key_block(tmk, key_block)
    assert keys.mak == bytes.fromhex("C24A8FB57AA20123")
    assert "C24A8F" not in repr(keys).upper()


def test_key_block_with_a_wrong_check_value_installs_nothing() -> None:
    tmk = os.urandom(16)
    block = bytearray(seal_key_block(tmk, WorkingKeys(os.urandom(16), os.urandom(8))))
    assert open_key_block(tmk, bytes(block)).mak
    block[-1] ^= 1
    with pytest.raises(HostError) as caught:
        open_key_block(tmk, bytes(block))
    assert caught.value.code == "host.key_check"


def test_tmk_file_must_be_private(tmp_path: Path) -> None:
    path = tmp_path / "tmk"
    key = write_tmk(path)
    assert load_tmk(path) == key and path.stat().st_mode & 0o777 == 0o600
    path.chmod(0o644)
    with pytest.raises(ConfigError) as caught:
        load_tmk(path)
    assert caught.value.code == "config.tmk_mode"
    path.write_text("not a key")
    path.chmod(0o600)
    with pytest.raises(ConfigError) as caught:
        load_tmk(path)
    assert caught.value.code == "config.tmk"


def test_field_60_sub_fields() -> None:
    f60 = cups.Field60.decode("2200000100050")
    assert (f60.kind, f60.batch, f60.network, f60.capability, f60.condition) == (
        "22",
        1,
        "000",
        "5",
        "0",
    )
    assert f60.encode() == "2200000100050"
    with pytest.raises(HostError):
        cups.Field60.decode("22")


# --- the MAC and check values against published vectors -----------------------------------

#: A UnionPay POS "ECB" MAC worked through step by step with a double-length TAK (so 3DES in
#: both steps) in "银联标准8583MAC计算简介", blog.csdn.net/zfr_xuexiao66/article/details/94665452:
#: the 0830 MAB (MTI to field 63) and its field 64, "5FE058DB".
ECB_TAK = bytes.fromhex("55036372B17543ECB173730768B8D6C4")
ECB_MAB = bytes.fromhex(
    "08300000000002C000153030363730303436343238393733373031373933323330303200110000000137"
    "200277319F0605A0000003339F220103DF050832303234313233319F0605A0000003339F220104DF0508"
    "32303234313233319F0605A0000003339F220102DF050832303231313233319F0605A0000000039F2201"
    "07DF050832303137313233319F0605A0000000039F220108DF050832303233313233319F0605A0000000"
    "039F220109DF050832303233313233319F0605A0000000659F220110DF050832303232313233319F0605"
    "A0000000659F220112DF050832303232313233319F0605A0000000659F220114DF050832303232313233"
    "319F0605A0000000049F220104DF050832303137313233319F0605A0000000049F220105DF0508323032"
    "31313233319F0605A0000000049F220106DF05083230323131323331"
)


def test_ecb_mac_published_vector() -> None:
    assert cups.mac(ECB_TAK, ECB_MAB) == b"5FE058DB"
    assert cups.mac(ECB_TAK, ECB_MAB, cups.MacScheme.ECB) == b"5FE058DB"


#: ANSI X9.19 vectors of Botan's test suite (src/tests/data/mac/x919_mac.vec, randombit/botan);
#: an 8-byte key is X9.19 with both halves equal, i.e. the ANSI X9.9 CBC-MAC.
_X919_IN1 = (
    "31311C3931383237333634351C1C35383134333237361C1C3B313233343536373839303132333435363D"
    "3939313231303030303F1C30303031323530301C393738363533343132343837363932331C"
)
X919_VECTORS = [
    ("0123456789ABCDEF", _X919_IN1, "C156F1B8CDBFB451"),
    (
        "0123456789ABCDEF",
        "35383134333237361C3B313233343536373839303132333435363D1C30303031323530301C39373836"
        "3533343132343837363932331C",
        "AB4884061A159618",
    ),
    ("0123456789ABCDEFFEDCBA9876543210", _X919_IN1, "C209CCB78EE1B606"),
    (
        "4061610D85685DB0F4D9F1C8FE15A123",
        "3330303030323031393543555354303120202020552020202020202020202020202020202020202054"
        "303253454154504152594742324C54535435534F414131393935303232373133333934343030303020"
        "202020202020202020202020333030303031304139354558413030303030333144",
        "DBE9EB0FA03838D2",
    ),
]


@pytest.mark.parametrize(("key", "data", "expected"), X919_VECTORS)
def test_x919_mac_published_vectors(key: str, data: str, expected: str) -> None:
    mac = cups.mac(bytes.fromhex(key), bytes.fromhex(data), cups.MacScheme.X919)
    assert mac.hex().upper() == expected


def test_x99_mac_fips_113_vector() -> None:
    """FIPS PUB 113 (= ANSI X9.9) example: key 0123456789ABCDEF, the text "7654321 Now is
    the time for ", 32-bit MAC F1D30F68 (also in Bouncy Castle's MacTest)."""
    data = b"7654321 Now is the time for "
    mac = cups.mac(bytes.fromhex("0123456789ABCDEF"), data, cups.MacScheme.X919)
    assert mac[:4].hex().upper() == "F1D30F68"


@pytest.mark.parametrize("scheme", list(cups.MacScheme))
def test_each_scheme_verifies_its_own_mac_only(scheme: cups.MacScheme) -> None:
    mak = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    body = cups.encode({"t": "0200"} | MESSAGES["0200"], mak, scheme)
    assert cups.decode(body, mak, scheme)["64"] == cups.mac(mak, body[:-8], scheme).hex().upper()
    other = next(s for s in cups.MacScheme if s is not scheme)
    with pytest.raises(cups.BadMacError):
        cups.decode(body, mak, other)


@pytest.mark.parametrize(
    ("key", "kcv"),
    [
        # GlobalPlatform's default test key 40..4F (double-length 3DES): KCV 8BAF47, from
        # GlobalPlatform.NET's tests (mbah-dhaim/GlobalPlatform.NET,
        # test/GlobalPlatform.NET.Tests/ToolsTests/KeyCheckValueTests.cs).
        ("404142434445464748494A4B4C4D4E4F", "8BAF47"),
    ],
)
def test_key_check_values_published_vectors(key: str, kcv: str) -> None:
    assert check_value(bytes.fromhex(key)).hex().upper().startswith(kcv)
