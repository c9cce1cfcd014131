"""Card profiles: the personalisation file of a software card (``assets/cards/*.json``).

A profile may name another in ``"extends"``; its keys then override the base's, one
level deep for objects (``data``, ``ec``, ``afl``, ``records``, the logs), and a ``null``
removes an entry (a tag of ``data``, an AFL, a record) or, at top level, a section.
Everything is validated here, so a broken file is a :class:`~kiosk.errors.ConfigError`
with code ``cardsim.bad_profile`` naming the field, never a crash in the middle of an APDU.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from kiosk.cardnumber import luhn_ok
from kiosk.errors import ConfigError
from kiosk.payment.crypto import CipherSuite

__all__ = [
    "PROFILES_DIR",
    "AppKind",
    "Application",
    "CardPath",
    "EcParams",
    "Fault",
    "LogParams",
    "Profile",
    "load_profile",
]

PROFILES_DIR = Path(__file__).resolve().parents[3] / "assets" / "cards"
_MERGED = ("data", "ec", "afl", "records", "log", "load_log")


class AppKind(StrEnum):
    """What an application may do: debit/credit go online; pure EC never does."""

    DEBIT = "debit"
    CREDIT = "credit"
    EC = "ec"


class CardPath(StrEnum):
    """Which AIP/AFL set the card chose at GPO (PBOC JR/T 0025.13, .12 §7)."""

    STANDARD = "standard"
    EC = "ec"
    QPBOC = "qpboc"


class Fault(StrEnum):
    """Deliberate defects of the broken profiles, applied after personalisation."""

    CORRUPT_ISSUER_CERTIFICATE = "corrupt_issuer_certificate"
    TAMPER_STATIC_DATA = "tamper_static_data"
    GPO_6985 = "gpo_6985"
    MALFORMED_RECORD = "malformed_record"


@dataclass(frozen=True, slots=True)
class Application:
    """One application of the card's directory."""

    aid: bytes
    label: str
    preferred_name: str
    priority: int
    kind: AppKind
    pdol: bytes


@dataclass(frozen=True, slots=True)
class EcParams:
    """Electronic cash parameters, amounts in fen (PBOC JR/T 0025.13)."""

    balance: int
    balance_limit: int
    single_limit: int
    reset_threshold: int
    currency: bytes


@dataclass(frozen=True, slots=True)
class LogParams:
    """A log file: SFI, record count, and its format, a DOL (9F4F for the transaction
    log; DF4F for the EC load log)."""

    sfi: int
    records: int
    format: bytes


@dataclass(frozen=True, slots=True)
class Profile:
    """A validated card profile."""

    name: str
    description: str
    pan: str
    psn: int
    expiry: dt.date
    effective: dt.date
    cardholder_name: str
    service_code: str
    suite: CipherSuite
    icc_key: str
    contact: bool
    contactless: bool
    applications: tuple[Application, ...]
    aip: bytes
    afl: dict[CardPath, bytes]
    records: dict[tuple[int, int], tuple[int, ...]]
    data: dict[int, bytes]
    ec: EcParams | None
    log: LogParams
    load_log: LogParams | None
    gen_ac_format: int
    gpo_format: int
    ctq: bytes
    pin: str
    pin_try_limit: int
    atc: int
    faults: frozenset[Fault]
    malformed_record: tuple[int, int] | None


def _raw(name: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    path = PROFILES_DIR / f"{name}.json"
    if name in seen:
        raise ConfigError(f"profile {name!r} extends itself", code="cardsim.bad_profile")
    if not path.is_file():
        raise ConfigError(
            f"no card profile named {name!r}", code="cardsim.unknown_profile", profile=name
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"profile {name!r} is not valid JSON: {exc}", code="cardsim.bad_profile", profile=name
        ) from exc
    if not isinstance(data, dict):
        raise ConfigError(f"profile {name!r} is not an object", code="cardsim.bad_profile")
    base_name = data.pop("extends", None)
    if base_name is None:
        return data
    merged = _raw(str(base_name), (*seen, name))
    for key, value in data.items():
        if key in _MERGED and isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


class _Reader:
    """Typed access to the raw dict that names the field in every error."""

    def __init__(self, name: str, raw: dict[str, Any]) -> None:
        self.name, self.raw = name, raw

    def fail(self, field: str, why: str) -> ConfigError:
        return ConfigError(
            f"profile {self.name!r}: {field}: {why}",
            code="cardsim.bad_profile",
            profile=self.name,
            field=field,
        )

    def get(self, field: str, kind: type, default: Any = ...) -> Any:
        value = self.raw.get(field, default)
        if value is ...:
            raise self.fail(field, "missing")
        if not isinstance(value, kind) or isinstance(value, bool) is not (kind is bool):
            raise self.fail(field, f"expected {kind.__name__}")
        return value

    def hex(self, field: str, value: Any) -> bytes:
        try:
            return bytes.fromhex(value)
        except (TypeError, ValueError) as exc:
            raise self.fail(field, "not hex") from exc

    def date(self, field: str) -> dt.date:
        text = self.get(field, str)
        try:
            return dt.datetime.strptime(text, "%y%m%d").date()
        except ValueError as exc:
            raise self.fail(field, "expected YYMMDD") from exc


def _application(r: _Reader, i: int, raw: Any) -> Application:
    if not isinstance(raw, dict):
        raise r.fail(f"applications[{i}]", "expected object")
    sub = _Reader(r.name, raw)
    try:
        kind = AppKind(sub.get("kind", str))
    except ValueError as exc:
        raise r.fail(f"applications[{i}].kind", "debit, credit or ec") from exc
    aid = sub.hex(f"applications[{i}].aid", sub.get("aid", str))
    if not 5 <= len(aid) <= 16:
        raise r.fail(f"applications[{i}].aid", "5 to 16 bytes")
    return Application(
        aid=aid,
        label=sub.get("label", str),
        preferred_name=sub.get("preferred_name", str, ""),
        priority=sub.get("priority", int, 1),
        kind=kind,
        pdol=sub.hex(f"applications[{i}].pdol", sub.get("pdol", str, "")),
    )


def _records(r: _Reader) -> dict[tuple[int, int], tuple[int, ...]]:
    out: dict[tuple[int, int], tuple[int, ...]] = {}
    for key, tags in r.get("records", dict).items():
        if tags is None:
            continue  # removed by an extending profile
        try:
            sfi, rec = (int(x) for x in key.split("."))
            out[(sfi, rec)] = tuple(int(t, 16) for t in tags)
        except (ValueError, TypeError, AttributeError) as exc:
            raise r.fail(f"records.{key}", "expected 'SFI.REC': [tags]") from exc
        if not (1 <= sfi <= 30 and 1 <= rec <= 254):
            raise r.fail(f"records.{key}", "SFI 1-30, record 1-254")
    return out


def _ec(r: _Reader) -> EcParams | None:
    raw = r.raw.get("ec")
    if raw is None:
        return None
    sub = _Reader(r.name, raw)
    ec = EcParams(
        balance=sub.get("balance", int),
        balance_limit=sub.get("balance_limit", int),
        single_limit=sub.get("single_limit", int),
        reset_threshold=sub.get("reset_threshold", int),
        currency=sub.hex("ec.currency", sub.get("currency", str, "0156")),
    )
    if not 0 <= ec.balance <= ec.balance_limit <= 999_999_999_999:
        raise r.fail("ec.balance", "0 <= balance <= balance_limit")
    return ec


def _log(r: _Reader, field: str) -> LogParams:
    sub = _Reader(r.name, r.get(field, dict))
    params = LogParams(
        sfi=sub.get("sfi", int),
        records=sub.get("records", int),
        format=r.hex(f"{field}.format", sub.get("format", str)),
    )
    if not (11 <= params.sfi <= 30 and 1 <= params.records <= 254):
        raise r.fail(f"{field}.sfi", "log SFI 11-30 and 1-254 records")
    return params


def load_profile(name: str) -> Profile:
    """Read, merge and validate profile ``name``; ConfigError on anything wrong."""
    r = _Reader(name, _raw(name))
    pan = r.get("pan", str)
    if not (pan.isdigit() and pan.startswith("62") and 16 <= len(pan) <= 19 and luhn_ok(pan)):
        raise r.fail("pan", "a UnionPay PAN: 16-19 digits starting 62, Luhn-valid")
    try:
        suite = CipherSuite(r.get("cipher", str, "3des"))
        faults = frozenset(Fault(f) for f in r.get("faults", list, []))
        afl = {
            CardPath(k): r.hex(f"afl.{k}", v)
            for k, v in r.get("afl", dict).items()
            if v is not None
        }
    except ValueError as exc:
        raise r.fail("cipher/faults/afl", str(exc)) from exc
    psn = r.get("psn", int, 0)
    if not 0 <= psn <= 99:
        raise r.fail("psn", "a PAN sequence number 0-99")
    interfaces = r.get("interfaces", list)
    malformed = r.raw.get("malformed_record")
    data: dict[int, bytes] = {}
    for tag, value in r.get("data", dict).items():
        if value is not None:
            data[int(tag, 16)] = r.hex(f"data.{tag}", value)
    apps = tuple(_application(r, i, a) for i, a in enumerate(r.get("applications", list)))
    if not apps:
        raise r.fail("applications", "at least one")
    return Profile(
        name=name,
        description=r.get("description", str),
        pan=pan,
        psn=psn,
        expiry=r.date("expiry"),
        effective=r.date("effective"),
        cardholder_name=r.get("cardholder_name", str, ""),
        service_code=r.get("service_code", str, "220"),
        suite=suite,
        icc_key=r.get("icc_key", str),
        contact="contact" in interfaces,
        contactless="contactless" in interfaces,
        applications=apps,
        aip=r.hex("aip", r.get("aip", str)),
        afl=afl,
        records=_records(r),
        data=data,
        ec=_ec(r),
        log=_log(r, "log"),
        load_log=_log(r, "load_log") if r.raw.get("load_log") is not None else None,
        gen_ac_format=r.get("gen_ac_format", int, 1),
        gpo_format=r.get("gpo_format", int, 1),
        ctq=r.hex("ctq", r.get("ctq", str, "0000")),
        pin=r.get("pin", str, "123456"),
        pin_try_limit=r.get("pin_try_limit", int, 3),
        atc=r.get("atc", int, 0),
        faults=faults,
        malformed_record=(
            tuple(int(x) for x in str(malformed).split("."))  # type: ignore[arg-type]
            if malformed
            else None
        ),
    )
