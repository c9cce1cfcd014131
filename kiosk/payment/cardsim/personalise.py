"""Personalisation: turn a profile and the test keys into the card's files and secrets.

What a personalisation bureau would write: the directory records (PSE SFI 1), FCIs,
application records with certificates signed on the spot from the stored keys
(EMV 4.3 Book 2 §5-6), and the ICC master keys derived from the issuer master keys
(Book 2 A1.4.1). The broken profiles' faults are applied last, after signing, so the
defect is exactly the one named.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk.errors import ConfigError
from kiosk.payment import tlv
from kiosk.payment.cardsim import certs
from kiosk.payment.cardsim.keys import (
    TEST_CA_INDEX,
    RsaPrivateKey,
    load_ca,
    load_icc_key,
    load_issuer,
)
from kiosk.payment.cardsim.profile import Application, Fault, Profile
from kiosk.payment.crypto import derive_icc_master_key
from kiosk.payment.tags import Tag

__all__ = ["Personalised", "personalise"]

PSE_NAME = b"1PAY.SYS.DDF01"
PPSE_NAME = b"2PAY.SYS.DDF01"
_DIRECTORY_SFI = 1


@dataclass(frozen=True, slots=True)
class Personalised:
    """Everything the card serves, computed once per load."""

    profile: Profile
    pse_fci: bytes | None
    pse_records: dict[int, bytes]
    ppse_fci: bytes | None
    app_fci: tuple[bytes, ...]
    records: dict[tuple[int, int], bytes]
    data: dict[int, bytes]
    icc_key: RsaPrivateKey
    mk_ac: bytes
    mk_smi: bytes


def _bcd_date(d: dt.date) -> bytes:
    return bytes.fromhex(d.strftime("%y%m%d"))


def _pan_cn(pan: str) -> bytes:
    return bytes.fromhex(pan + "F" * (len(pan) % 2))


def _track2(p: Profile) -> bytes:
    digits = f"{p.pan}D{p.expiry:%y%m}{p.service_code}0000000000"
    return bytes.fromhex(digits + "F" * (len(digits) % 2))


def _entry(app: Application) -> list[tlv.Tlv]:
    items = [
        tlv.Tlv(Tag.AID, app.aid),
        tlv.Tlv(Tag.APPLICATION_LABEL, app.label.encode("ascii")),
        tlv.Tlv(Tag.APPLICATION_PRIORITY, bytes([app.priority])),
    ]
    if app.preferred_name:
        items.append(tlv.Tlv(Tag.PREFERRED_NAME, app.preferred_name.encode("gb18030")))
    return items


def _fci(name: bytes, proprietary: list[tlv.Tlv]) -> bytes:
    return tlv.encode(
        Tag.FCI_TEMPLATE,
        tlv.encode(Tag.DF_NAME, name) + tlv.encode(Tag.FCI_PROPRIETARY, proprietary),
    )


def _app_fci(p: Profile, app: Application) -> bytes:
    """FCI of an application (Book 1 §11.3.4 Table 45, PBOC adds 9F4D/DF4D, DF69)."""
    prop = [
        tlv.Tlv(Tag.APPLICATION_LABEL, app.label.encode("ascii")),
        tlv.Tlv(Tag.APPLICATION_PRIORITY, bytes([app.priority])),
    ]
    if app.pdol:
        prop.append(tlv.Tlv(Tag.PDOL, app.pdol))
    prop += [
        tlv.Tlv(Tag.LANGUAGE_PREFERENCE, b"zhen"),
        tlv.Tlv(Tag.ISSUER_CODE_TABLE_INDEX, b"\x01"),
    ]
    if app.preferred_name:
        prop.append(tlv.Tlv(Tag.PREFERRED_NAME, app.preferred_name.encode("gb18030")))
    discretionary = tlv.encode(Tag.LOG_ENTRY, bytes([p.log.sfi, p.log.records]))
    if p.load_log is not None:
        entry = bytes([p.load_log.sfi, p.load_log.records])
        discretionary += tlv.encode(Tag.EC_LOG_ENTRY, entry)
    if p.suite.value == "sm4":
        discretionary += tlv.encode(Tag.SM_ALGORITHM_SUPPORT, b"\x01")
    prop.append(tlv.Tlv(Tag.FCI_ISSUER_DISCRETIONARY, discretionary))
    return _fci(app.aid, prop)


def _static_data_records(p: Profile) -> list[tuple[int, int]]:
    """Records AFL marks for offline data authentication (Book 3 §10.3); all AFLs agree."""
    marked: set[tuple[tuple[int, int], ...]] = set()
    for afl in p.afl.values():
        recs: list[tuple[int, int]] = []
        for i in range(0, len(afl), 4):
            sfi, first, _last, oda = afl[i] >> 3, afl[i + 1], afl[i + 2], afl[i + 3]
            recs += [(sfi, first + k) for k in range(oda)]
        marked.add(tuple(recs))
    if len(marked) > 1:
        raise ConfigError(
            f"profile {p.name!r}: AFLs disagree on ODA records",
            code="cardsim.bad_profile",
            profile=p.name,
        )
    return list(next(iter(marked), ()))


def _record(p: Profile, key: tuple[int, int], values: dict[int, bytes]) -> bytes:
    body = b"".join(tlv.encode(t, values[t]) for t in p.records[key] if t in values)
    return tlv.encode(Tag.READ_RECORD_TEMPLATE, body)


def personalise(p: Profile) -> Personalised:
    """Build the card image for profile ``p`` (signing takes a few milliseconds)."""
    ca, issuer = load_ca(), load_issuer()
    icc = load_icc_key(p.icc_key)
    values = dict(p.data)
    values |= {
        Tag.PAN: _pan_cn(p.pan),
        Tag.PAN_SEQUENCE_NUMBER: bytes([int(str(p.psn), 16)]),
        Tag.EXPIRATION_DATE: _bcd_date(p.expiry),
        Tag.EFFECTIVE_DATE: _bcd_date(p.effective),
        Tag.TRACK2_EQUIVALENT: _track2(p),
        Tag.SERVICE_CODE: bytes.fromhex(p.service_code.zfill(4)),
        Tag.LOG_FORMAT: p.log.format,
        Tag.CA_PUBLIC_KEY_INDEX: bytes([TEST_CA_INDEX]),
    }
    if p.cardholder_name:
        values[Tag.CARDHOLDER_NAME] = p.cardholder_name.encode("ascii")
    issuer_cert = certs.issuer_certificate(
        ca,
        issuer.rsa,
        issuer_id=issuer.issuer_id,
        expiry=issuer.certificate_expiry,
        serial=issuer.certificate_serial,
    )
    values |= {
        Tag.ISSUER_PK_CERTIFICATE: issuer_cert.certificate,
        Tag.ISSUER_PK_REMAINDER: issuer_cert.remainder,
        Tag.ISSUER_PK_EXPONENT: issuer_cert.exponent,
    }
    records = {key: _record(p, key, values) for key in p.records}
    oda_keys = _static_data_records(p)
    missing = [k for k in oda_keys if k not in records]
    if missing:
        raise ConfigError(
            f"profile {p.name!r}: AFL names absent records {missing}", code="cardsim.bad_profile"
        )
    static = b"".join(tlv.decode(records[k])[0].value for k in oda_keys)
    if values.get(Tag.SDA_TAG_LIST) == bytes([Tag.AIP]):
        static += p.aip
    icc_cert = certs.icc_certificate(
        issuer.rsa,
        icc,
        pan=values[Tag.PAN],
        expiry=bytes.fromhex(f"{p.expiry:%m%y}"),
        serial=b"\x00\x00\x01",
        static_data=static,
    )
    values |= {
        Tag.SIGNED_STATIC_DATA: certs.signed_static_data(
            issuer.rsa, dac=b"\xda\xc1", static_data=static
        ),
        Tag.ICC_PK_CERTIFICATE: icc_cert.certificate,
        Tag.ICC_PK_REMAINDER: icc_cert.remainder,
        Tag.ICC_PK_EXPONENT: icc_cert.exponent,
    }
    records = {key: _record(p, key, values) for key in p.records}
    _apply_faults(p, records, values)
    return Personalised(
        profile=p,
        pse_fci=_fci(PSE_NAME, [tlv.Tlv(Tag.SFI_OF_DIRECTORY, bytes([_DIRECTORY_SFI]))])
        if p.contact
        else None,
        pse_records={
            i + 1: tlv.encode(
                Tag.READ_RECORD_TEMPLATE, tlv.encode(Tag.APPLICATION_TEMPLATE, _entry(a))
            )
            for i, a in enumerate(p.applications)
        },
        ppse_fci=_fci(
            PPSE_NAME,
            [
                tlv.Tlv(
                    Tag.FCI_ISSUER_DISCRETIONARY,
                    b"".join(
                        tlv.encode(Tag.APPLICATION_TEMPLATE, _entry(a)) for a in p.applications
                    ),
                )
            ],
        )
        if p.contactless
        else None,
        app_fci=tuple(_app_fci(p, a) for a in p.applications),
        records=records,
        data=values,
        icc_key=icc,
        mk_ac=derive_icc_master_key(issuer.imk_ac, p.pan, p.psn, suite=p.suite),
        mk_smi=derive_icc_master_key(issuer.imk_smi, p.pan, p.psn, suite=p.suite),
    )


def _apply_faults(
    p: Profile, records: dict[tuple[int, int], bytes], values: dict[int, bytes]
) -> None:
    """Break the card image as the profile's faults say (after every signature is made)."""
    if Fault.CORRUPT_ISSUER_CERTIFICATE in p.faults:
        cert = bytearray(values[Tag.ISSUER_PK_CERTIFICATE])
        cert[len(cert) // 2] ^= 0x01
        values[Tag.ISSUER_PK_CERTIFICATE] = bytes(cert)
        for key, tags in p.records.items():
            if Tag.ISSUER_PK_CERTIFICATE in tags:
                records[key] = _record(p, key, values)
    if Fault.TAMPER_STATIC_DATA in p.faults:
        # Change a signed data element after signing: the issuer country code.
        values[Tag.ISSUER_COUNTRY_CODE] = b"\x08\x40"
        for key in _static_data_records(p):
            records[key] = _record(p, key, values)
    if Fault.MALFORMED_RECORD in p.faults and p.malformed_record in records:
        rec = bytearray(records[p.malformed_record])
        _, inner = tlv.read_length(bytes(rec), 1)
        _, first_len_at = tlv.read_tag(bytes(rec), inner)
        if rec[first_len_at] >= 0x80:
            raise ConfigError(
                f"profile {p.name!r}: malformed_record must start with a short-length object",
                code="cardsim.bad_profile",
            )
        # The template stays well formed; its first object now runs past its end.
        rec[first_len_at] = 0x7F
        records[p.malformed_record] = bytes(rec)
