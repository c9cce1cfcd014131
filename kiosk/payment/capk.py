"""The certification authority public keys that offline data authentication starts from.

Two files, two roles, never mixed (docs/architecture.md "Card data"):

- ``assets/capk/unionpay.json``: UnionPay's published production keys (RID A000000333);
- ``assets/capk/test.json``: the project's own test CA, whose private half signs the
  simulator's issuer certificates; every key in it says ``"test": true``.

Each entry holds hex ``rid``, ``index``, ``modulus``, ``exponent``, ``sha1`` and ``expiry``
(``YYYYMMDD`` or null), optionally ``modulus_bits``. At load, each key's checksum — SHA-1 over
RID ‖ index ‖ modulus ‖ exponent (EMV Book 2 §11.2.2, Table 23) — must match, the exponent
must be 3 or 2^16+1 and the modulus at most 1984 bits and as long as ``modulus_bits`` says
(EMV Book 2 §5.1, §11.2.1); anything else is a ``ConfigError`` naming the key. A production
file carrying a test key, or a test key sharing RID and index with a production key, is
refused the same way.

Expiry (EMV Book 2 §11.2.2: a terminal stops using a CA key after its expiry date): the
published expiry dates of UnionPay's keys are vendor-chosen and conflict between sources, so
the shipped file carries none (``null`` = no date known, the key is used); an operator who has
UnionPay's dates passes them as ``expiry_overrides`` (configuration or hub download), and those
win over the file. A key past its date is refused at lookup.

SM2 CA keys (PBOC SM profile: a 64-byte point x‖y, no certificate of their own) come from
the configuration as ``"A000000333/xx" -> hex``; the same store holds them, so that the
expiry rule applies to them as to RSA keys (EMV Book 2 §5.3, step 1 for the CA key).

Production configuration refuses test keys at lookup; only demo mode passes
``allow_test_keys=True`` (:func:`kiosk.payment.settings.ca_keys`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.errors import ConfigError
from kiosk.payment.errors import PaymentError

__all__ = [
    "ASSETS_DIR",
    "CaKeyError",
    "CaKeyExpiredError",
    "CaKeyStore",
    "CaKeyUnknownError",
    "CaPublicKey",
    "Sm2CaPublicKey",
    "TestKeyRefusedError",
]

ASSETS_DIR = Path(__file__).resolve().parents[2] / "assets" / "capk"
PRODUCTION_FILE = ASSETS_DIR / "unionpay.json"
TEST_FILE = ASSETS_DIR / "test.json"

#: EMV Book 2 §11.2.1: CA public key exponents are 3 or 2^16 + 1; moduli at most 248 bytes.
ALLOWED_EXPONENTS = frozenset({3, 65537})
MAX_MODULUS_BITS = 1984


class CaKeyError(PaymentError):
    """No usable CA key for the card's RID and index: offline data authentication fails
    (the kernel sets TVR 'ICC data missing' / 'SDA/DDA failed', EMV Book 3 §10.3)."""

    code = "capk.error"


class CaKeyUnknownError(CaKeyError):
    code = "capk.unknown"


class CaKeyExpiredError(CaKeyError):
    code = "capk.expired"


class TestKeyRefusedError(CaKeyError):
    """A test key asked for under production configuration."""

    __test__ = False  # not a pytest class, despite its name
    code = "capk.test_key_refused"


@dataclass(frozen=True)
class CaPublicKey:
    """One CA public key (EMV Book 2 §11.2.2 data elements)."""

    rid: bytes
    index: int
    modulus: int
    exponent: int
    expiry: dt.date | None
    is_test: bool

    @property
    def name(self) -> str:
        """``A000000333/09``: how errors and logs name a key."""
        return f"{self.rid.hex().upper()}/{self.index:02X}"

    @property
    def modulus_bytes(self) -> bytes:
        return self.modulus.to_bytes((self.modulus.bit_length() + 7) // 8, "big")

    def checksum(self) -> bytes:
        """SHA-1(RID ‖ index ‖ modulus ‖ exponent), EMV Book 2 §11.2.2 Table 23."""
        exponent = self.exponent.to_bytes((self.exponent.bit_length() + 7) // 8, "big")
        data = self.rid + bytes((self.index,)) + self.modulus_bytes + exponent
        return hashlib.sha1(data, usedforsecurity=False).digest()


@dataclass(frozen=True)
class Sm2CaPublicKey:
    """One SM2 CA public key of the configuration: the curve point x‖y (64 bytes)."""

    rid: bytes
    index: int
    point: bytes
    expiry: dt.date | None = None

    @property
    def name(self) -> str:
        return f"{self.rid.hex().upper()}/{self.index:02X}"


def _parse_date(text: str, where: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: expiry {text!r} is not YYYYMMDD", code="capk.invalid") from exc


def _parse_entry(entry: Mapping[str, Any], source: str, *, test_file: bool) -> CaPublicKey:
    """One JSON entry -> a verified key; every fault is a ``ConfigError`` naming the key."""
    label = f"{source} key {entry.get('rid', '?')}/{entry.get('index', '?')}"
    try:
        rid = bytes.fromhex(entry["rid"])
        index = bytes.fromhex(entry["index"])
        modulus = bytes.fromhex(entry["modulus"])
        exponent = int(entry["exponent"], 16)
        sha1 = bytes.fromhex(entry["sha1"])
        is_test = entry.get("test", False)
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(
            f"{label}: missing or malformed field ({exc})", code="capk.invalid"
        ) from exc
    if len(rid) != 5 or len(index) != 1 or len(sha1) != 20 or not modulus or modulus[0] == 0:
        raise ConfigError(
            f"{label}: malformed RID, index, modulus or checksum", code="capk.invalid"
        )
    bits = entry.get("modulus_bits", len(modulus) * 8)
    if exponent not in ALLOWED_EXPONENTS or not len(modulus) * 8 == bits <= MAX_MODULUS_BITS:
        raise ConfigError(f"{label}: exponent or modulus size outside EMV", code="capk.invalid")
    if is_test is not test_file:
        role = "a test key in the production file" if is_test else "a key not marked test"
        raise ConfigError(f"{label}: {role}", code="capk.role_mismatch")
    expiry = entry.get("expiry")
    key = CaPublicKey(
        rid=rid,
        index=index[0],
        modulus=int.from_bytes(modulus, "big"),
        exponent=exponent,
        expiry=None if expiry is None else _parse_date(expiry, label),
        is_test=is_test,
    )
    if key.checksum() != sha1:
        raise ConfigError(
            f"{label}: checksum mismatch (file says {sha1.hex().upper()}, "
            f"key hashes to {key.checksum().hex().upper()}): the key was altered",
            code="capk.checksum",
            key=key.name,
        )
    return key


def load_key_file(path: Path, *, test_file: bool) -> list[CaPublicKey]:
    """Read and verify one key file (a JSON list of entries)."""
    try:
        entries = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read CA keys from {path}: {exc}", code="capk.invalid") from exc
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: expected a list of keys", code="capk.invalid")
    return [_parse_entry(entry, Path(path).name, test_file=test_file) for entry in entries]


class CaKeyStore:
    """CA public keys by (RID, index), with the expiry and test-key rules applied at lookup."""

    def __init__(
        self,
        production: Iterable[CaPublicKey],
        test: Iterable[CaPublicKey] = (),
        *,
        allow_test_keys: bool = False,
        expiry_overrides: Mapping[tuple[bytes, int], dt.date] | None = None,
        sm2: Iterable[Sm2CaPublicKey] = (),
    ) -> None:
        self.allow_test_keys = allow_test_keys
        self._keys: dict[tuple[bytes, int], CaPublicKey] = {}
        for key in [*production, *test]:
            slot = (key.rid, key.index)
            if slot in self._keys:
                raise ConfigError(
                    f"CA key {key.name} is defined twice"
                    + (" (a test key collides with a production key)" if key.is_test else ""),
                    code="capk.duplicate",
                    key=key.name,
                )
            self._keys[slot] = key
        self._expiry = dict(expiry_overrides or {})
        self._sm2 = {(key.rid, key.index): key for key in sm2}

    @classmethod
    def load(
        cls,
        production_file: Path = PRODUCTION_FILE,
        test_file: Path | None = TEST_FILE,
        *,
        allow_test_keys: bool = False,
        expiry_overrides: Mapping[str, str] | None = None,
        sm2_keys: Mapping[str, str] | None = None,
    ) -> CaKeyStore:
        """Load and verify the key files; ``expiry_overrides`` maps ``"A000000333/03"`` to
        ``"YYYYMMDD"`` (the configuration's form), ``sm2_keys`` such names to the SM2 point
        in hex (64 bytes). A missing test file means no test keys."""
        test: list[CaPublicKey] = []
        if test_file is not None and Path(test_file).exists():
            test = load_key_file(test_file, test_file=True)
        overrides = {
            _slot(name, "CA key expiry override"): _parse_date(date, f"expiry override {name}")
            for name, date in (expiry_overrides or {}).items()
        }
        sm2 = []
        for name, point in (sm2_keys or {}).items():
            rid, index = _slot(name, "SM2 CA key")
            try:
                raw = bytes.fromhex(point)
            except ValueError:
                raw = b""
            if len(raw) != 64:
                raise ConfigError(
                    f"SM2 CA key {name}: expected 64 bytes of hex (x‖y)",
                    code="capk.invalid",
                    key=name,
                )
            sm2.append(Sm2CaPublicKey(rid, index, raw))
        return cls(
            load_key_file(production_file, test_file=False),
            test,
            allow_test_keys=allow_test_keys,
            expiry_overrides=overrides,
            sm2=sm2,
        )

    def __iter__(self) -> Iterator[CaPublicKey]:
        return iter(self._keys.values())

    def with_production(self, keys: Iterable[CaPublicKey]) -> CaKeyStore:
        """This store with its production keys replaced by ``keys`` (a parameter bundle's):
        test keys, their rule, SM2 keys and expiry overrides stay."""
        return CaKeyStore(
            keys,
            [k for k in self if k.is_test],
            allow_test_keys=self.allow_test_keys,
            expiry_overrides=self._expiry,
            sm2=self._sm2.values(),
        )

    def trusted(self, today: dt.date | None = None) -> list[str]:
        """Names of the keys a card may chain to now (``kiosk doctor``): not a refused test
        key, not past its expiry; SM2 keys marked ``(SM2)``."""
        today = today or dt.date.today()
        names = [
            key.name + (" (test)" if key.is_test else "")
            for key in self._keys.values()
            if (self.allow_test_keys or not key.is_test) and not self._expired(key, today)
        ]
        names += [k.name + " (SM2)" for k in self._sm2.values() if not self._expired(k, today)]
        return names

    def expiry(self, key: CaPublicKey | Sm2CaPublicKey) -> dt.date | None:
        """The date that applies to ``key``: the operator's override, else the file's."""
        return self._expiry.get((key.rid, key.index), key.expiry)

    def _expired(self, key: CaPublicKey | Sm2CaPublicKey, today: dt.date) -> bool:
        expiry = self.expiry(key)
        return expiry is not None and today > expiry

    def check_expiry(self, key: CaPublicKey | Sm2CaPublicKey, today: dt.date | None) -> None:
        """EMV Book 2 §11.2.2: a key past its expiry date is no longer used."""
        if self._expired(key, today or dt.date.today()):
            expiry = self.expiry(key)
            raise CaKeyExpiredError(
                f"CA key {key.name} expired on {expiry}", key=key.name, expiry=str(expiry)
            )

    def lookup_sm2(self, rid: bytes, index: int) -> Sm2CaPublicKey | None:
        """The configured SM2 CA key the card names, None when there is none (the card is
        then authenticated with RSA); the caller applies :meth:`check_expiry`."""
        return self._sm2.get((bytes(rid), index))

    def lookup(self, rid: bytes, index: int, *, today: dt.date | None = None) -> CaPublicKey:
        """The key the card names (RID from the AID, index from tag 8F), if it may be used.

        Raises ``CaKeyUnknownError``, ``TestKeyRefusedError`` (test key, production
        configuration) or ``CaKeyExpiredError`` (past its expiry on ``today``, default the
        local date).
        """
        key = self._keys.get((bytes(rid), index))
        name = f"{bytes(rid).hex().upper()}/{index:02X}"
        if key is None:
            raise CaKeyUnknownError(f"no CA public key {name}", key=name)
        if key.is_test and not self.allow_test_keys:
            raise TestKeyRefusedError(
                f"CA key {name} is a test key and this terminal runs with production keys only",
                key=name,
            )
        self.check_expiry(key, today)
        return key


def _slot(name: str, what: str) -> tuple[bytes, int]:
    """``"A000000333/03"`` -> (RID, index); anything else is a ``ConfigError``."""
    rid, _, index = name.partition("/")
    try:
        slot = (bytes.fromhex(rid), int(index, 16))
    except ValueError:
        slot = (b"", -1)
    if len(slot[0]) != 5 or not 0 <= slot[1] <= 0xFF:
        raise ConfigError(
            f"{what} {name!r}: expected RID/index, e.g. A000000333/03",
            code="capk.invalid",
            key=name,
        )
    return slot
