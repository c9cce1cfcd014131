"""The CA public key store: shipped keys verify, tampering and role mix-ups are refused, expiry."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from kiosk.errors import ConfigError
from kiosk.payment.capk import (
    PRODUCTION_FILE,
    TEST_FILE,
    CaKeyExpiredError,
    CaKeyStore,
    CaKeyUnknownError,
    TestKeyRefusedError,
    load_key_file,
)

UNIONPAY = bytes.fromhex("A000000333")
TEST_RID = bytes.fromhex("A000000333")
DATA = Path(__file__).resolve().parents[1] / "data"
#: Indices UnionPay's published production keys use (see tests/data/README.md).
PRODUCTION_INDICES = [0x01, 0x02, 0x03, 0x04, 0x08, 0x09, 0x0A, 0x0B, 0x0C]


def _entry(
    index: int, *, test: bool, expiry: str | None = "20301231", bits: int = 1024
) -> dict[str, Any]:
    """A well-formed key entry with a correct checksum (the modulus need not be a real key)."""
    modulus = bytes([0xC1]) + hashlib.sha256(bytes([index])).digest() * (bits // 256)
    modulus = modulus[: bits // 8]
    data = TEST_RID + bytes([index]) + modulus + b"\x03"
    entry = {
        "rid": TEST_RID.hex().upper(),
        "index": f"{index:02X}",
        "modulus": modulus.hex().upper(),
        "exponent": "03",
        "sha1": hashlib.sha1(data).hexdigest().upper(),
        "expiry": expiry,
    }
    if test:
        entry["test"] = True
    return entry


def _write(path: Path, entries: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(entries))
    return path


def test_every_shipped_production_key_verifies() -> None:
    """All nine UnionPay keys load, pass their SHA-1 check and are production keys."""
    keys = load_key_file(PRODUCTION_FILE, test_file=False)
    assert [k.index for k in keys] == PRODUCTION_INDICES
    shipped = {e["index"]: e["sha1"] for e in json.loads(PRODUCTION_FILE.read_text())}
    for key in keys:
        assert key.rid == UNIONPAY and not key.is_test
        assert key.checksum().hex().upper() == shipped[f"{key.index:02X}"]
        assert key.exponent == 3


def test_key_09_recovers_the_real_cards_issuer_certificate() -> None:
    """Key 09 opens the recorded card's issuer certificate (header 6A, format 02, trailer BC)."""
    store = CaKeyStore.load(test_file=None)
    key = store.lookup(UNIONPAY, 0x09, today=dt.date(2026, 1, 1))
    pairs = json.loads((DATA / "upi_contact_trace.json").read_text())
    record = next(bytes.fromhex(p["r"]) for p in pairs if p["r"].startswith("7081B39081B0"))
    certificate = int.from_bytes(record[6 : 6 + 0xB0], "big")
    recovered = pow(certificate, key.exponent, key.modulus).to_bytes(0xB0, "big")
    assert (recovered[0], recovered[1], recovered[-1]) == (0x6A, 0x02, 0xBC)  # EMV Book 2 §5.3


TAMPER = [
    ("modulus-byte", lambda e: e | {"modulus": e["modulus"][:-2] + "00"}, "capk.checksum"),
    ("exponent", lambda e: e | {"exponent": "010001"}, "capk.checksum"),
    ("checksum", lambda e: e | {"sha1": "00" * 20}, "capk.checksum"),
    ("index", lambda e: e | {"index": "7F"}, "capk.checksum"),
    ("exponent-not-emv", lambda e: e | {"exponent": "05"}, "capk.invalid"),
    ("modulus-too-long", lambda e: e | {"modulus": "C1" * 249}, "capk.invalid"),
    ("modulus-bits-disagree", lambda e: e | {"modulus_bits": 1024}, "capk.invalid"),
    ("missing-modulus", lambda e: {k: v for k, v in e.items() if k != "modulus"}, "capk.invalid"),
    ("bad-hex", lambda e: e | {"rid": "A00000033G"}, "capk.invalid"),
    ("bad-expiry", lambda e: e | {"expiry": "2030-12-31"}, "capk.invalid"),
    ("marked-test", lambda e: e | {"test": True}, "capk.role_mismatch"),
]


@pytest.mark.parametrize(("tamper", "code"), [t[1:] for t in TAMPER], ids=[t[0] for t in TAMPER])
def test_tampered_production_key_is_refused(tmp_path: Path, tamper: Any, code: str) -> None:
    """Any change to a shipped key, or a malformed field, is a ConfigError naming the key."""
    entries = json.loads(PRODUCTION_FILE.read_text())
    entries[5] = tamper(entries[5])
    with pytest.raises(ConfigError) as info:
        CaKeyStore.load(_write(tmp_path / "unionpay.json", entries), test_file=None)
    assert info.value.code == code
    assert "/09" in str(info.value) or "/7F" in str(info.value)


def test_unreadable_key_file_is_a_config_error(tmp_path: Path) -> None:
    """A key file that is not a JSON list is a ConfigError, not a crash."""
    with pytest.raises(ConfigError):
        CaKeyStore.load(_write(tmp_path / "p.json", {"rid": "A000000333"}), test_file=None)  # type: ignore[arg-type]


@pytest.fixture
def test_keys(tmp_path: Path) -> Path:
    """A throwaway test-CA file shaped like assets/capk/test.json: index F1, expiring 2025-12-31."""
    return _write(tmp_path / "test.json", [_entry(0xF1, test=True, expiry="20251231")])


def test_production_configuration_refuses_test_keys(test_keys: Path) -> None:
    """A test key exists in the store but lookup refuses it unless test keys are allowed."""
    production = CaKeyStore.load(test_file=test_keys)
    with pytest.raises(TestKeyRefusedError) as info:
        production.lookup(TEST_RID, 0xF1, today=dt.date(2025, 1, 1))
    assert info.value.code == "capk.test_key_refused"
    demo = CaKeyStore.load(test_file=test_keys, allow_test_keys=True)
    key = demo.lookup(TEST_RID, 0xF1, today=dt.date(2025, 1, 1))
    assert key.is_test and key.index == 0xF1


def test_test_key_colliding_with_production_index_is_refused(tmp_path: Path) -> None:
    """A test key at UnionPay's index 09 would be confused with the real one: refused at load."""
    clash = _write(tmp_path / "test.json", [_entry(0x09, test=True)])
    with pytest.raises(ConfigError) as info:
        CaKeyStore.load(test_file=clash, allow_test_keys=True)
    assert info.value.code == "capk.duplicate"
    assert "A000000333/09" in str(info.value)


def test_test_file_key_must_say_it_is_a_test_key(tmp_path: Path) -> None:
    """A key in the test file without "test": true is refused (roles never mixed)."""
    unmarked = _write(tmp_path / "test.json", [_entry(0xF1, test=False)])
    with pytest.raises(ConfigError) as info:
        CaKeyStore.load(test_file=unmarked, allow_test_keys=True)
    assert info.value.code == "capk.role_mismatch"


EXPIRY = [
    ("last-valid-day", dt.date(2025, 12, 31), None),
    ("day-after", dt.date(2026, 1, 1), CaKeyExpiredError),
]


@pytest.mark.parametrize(("today", "error"), [e[1:] for e in EXPIRY], ids=[e[0] for e in EXPIRY])
def test_expiry_from_the_file(
    test_keys: Path, today: dt.date, error: type[Exception] | None
) -> None:
    """A key is usable through its expiry date and refused the day after."""
    store = CaKeyStore.load(test_file=test_keys, allow_test_keys=True)
    if error is None:
        assert store.lookup(TEST_RID, 0xF1, today=today).index == 0xF1
    else:
        with pytest.raises(error) as info:
            store.lookup(TEST_RID, 0xF1, today=today)
        assert info.value.context["expiry"] == "2025-12-31"


def test_expiry_override_applies_to_production_keys() -> None:
    """Shipped keys carry no date; an operator's override for A000000333/03 is enforced."""
    store = CaKeyStore.load(test_file=None, expiry_overrides={"A000000333/03": "20241231"})
    far_future = dt.date(2099, 1, 1)
    assert store.lookup(UNIONPAY, 0x09, today=far_future).index == 0x09  # no date: usable
    with pytest.raises(CaKeyExpiredError):
        store.lookup(UNIONPAY, 0x03, today=dt.date(2025, 1, 1))
    assert store.lookup(UNIONPAY, 0x03, today=dt.date(2024, 12, 31)).index == 0x03


@pytest.mark.parametrize(
    "overrides",
    [{"A000000333-03": "20241231"}, {"A000000333/03": "31/12/2024"}],
    ids=["bad-name", "bad-date"],
)
def test_malformed_override_is_a_config_error(overrides: dict[str, str]) -> None:
    """An override the operator mistyped is reported, not ignored."""
    with pytest.raises(ConfigError):
        CaKeyStore.load(test_file=None, expiry_overrides=overrides)


def test_unknown_key() -> None:
    """A RID/index the store does not hold is CaKeyUnknownError naming it."""
    store = CaKeyStore.load(test_file=None)
    with pytest.raises(CaKeyUnknownError, match="A000000333/05"):
        store.lookup(UNIONPAY, 0x05)
    with pytest.raises(CaKeyUnknownError):
        store.lookup(bytes.fromhex("A000000003"), 0x09)


@pytest.mark.skipif(
    not TEST_FILE.exists(), reason="assets/capk/test.json (the project test CA) not merged yet"
)
def test_shipped_test_ca_loads_apart_from_production() -> None:
    """The project's test CA file verifies, is all test keys, and shares no index with UnionPay."""
    keys = load_key_file(TEST_FILE, test_file=True)
    assert keys and all(k.is_test for k in keys)
    store = CaKeyStore.load(allow_test_keys=True)
    assert {k.index for k in store if k.is_test}.isdisjoint(PRODUCTION_INDICES)
