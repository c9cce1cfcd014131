"""The software PBOC 3.0 card: answers APDUs as a personalised UnionPay card would.

Commands (EMV 4.3 Book 3 §6.5, PBOC JR/T 0025.5/.12/.13): SELECT (PSE, PPSE, AID,
partial name with P2=02 next occurrence), READ RECORD (application files, PSE
directory, transaction log), GET PROCESSING OPTIONS (contact standard/EC paths and
qPBOC), GET DATA, VERIFY (plaintext offline PIN), INTERNAL AUTHENTICATE (DDA),
GENERATE AC (first and second), EXTERNAL AUTHENTICATE (ARPC method 1) and PUT DATA
with secure messaging for an EC load. Anything else gets the status word a card would
give; ``process`` never raises.

The ATC is incremented once per transaction, at GPO (JR/T 0025.5 GPO processing);
state (ATC, balance, log, PIN tries) is persisted through :class:`StateStore`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from kiosk.payment import tlv
from kiosk.payment.cardsim import certs
from kiosk.payment.cardsim.apdu import Apdu, CardStatus, parse_apdu
from kiosk.payment.cardsim.personalise import PPSE_NAME, PSE_NAME, Personalised
from kiosk.payment.cardsim.profile import AppKind, CardPath, Fault
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
from kiosk.payment.cardsim.state import CardState, StateStore
from kiosk.payment.crypto import (
    CipherSuite,
    cryptogram_data,
    derive_session_key,
    generate_ac,
    generate_arpc,
    script_mac,
)
from kiosk.payment.dol import build_dol_data, parse_dol, split_dol_data
from kiosk.payment.errors import TlvError
from kiosk.payment.tags import Tag

__all__ = ["PbocCard"]

S = CardStatus
#: T=1, 10 historical bytes; TCK is appended by :func:`_atr`.
_ATR_BODY = bytes.fromhex("3B8A8001") + b"KIOSK-SIM1"
_PSE, _PPSE = -1, -2
_MAX_ATC = 0xFFFF


class _Refusal(Exception):  # noqa: N818 - control flow inside the card, never escapes
    """Ends a command with a status word other than 9000 (caught in ``process``)."""

    def __init__(self, sw: bytes) -> None:
        super().__init__(sw.hex())
        self.sw = bytes(sw)


def _need(condition: bool, sw: CardStatus) -> None:
    """Refuse the command with ``sw`` unless ``condition`` holds."""
    if not condition:
        raise _Refusal(sw)


def _found(data: bytes | None) -> bytes:
    """A record's contents, or refuse with 6A83 when there is no such record."""
    _need(data is not None, S.RECORD_NOT_FOUND)
    return data or b""


def _atr() -> bytes:
    tck = 0
    for b in _ATR_BODY[1:]:
        tck ^= b
    return _ATR_BODY + bytes([tck])


def _bcd(fen: int, size: int = 6) -> bytes:
    return bytes.fromhex(f"{fen:0{size * 2}d}")


def _amount(value: bytes | None) -> int:
    """An n12 amount as fen; malformed BCD counts as zero (never approved offline)."""
    text = (value or b"").hex()
    return int(text) if text.isdigit() else 0


@dataclass
class _Session:
    """Volatile state of one selection / transaction (lost on reset or re-selection)."""

    selected: int | None = None
    last_name: bytes = b""
    path: CardPath | None = None
    terminal: dict[int, bytes] = field(default_factory=dict)
    first: AcType | None = None
    second: AcType | None = None
    arqc: bytes = b""
    issuer_auth_ok: bool | None = None


class PbocCard:
    """A personalised card implementing the :class:`~kiosk.payment.cardsim.base.VirtualCard`."""

    def __init__(
        self, image: Personalised, store: StateStore, *, rng: Callable[[int], bytes] = os.urandom
    ) -> None:
        self.image = image
        self.profile = image.profile
        self.store = store
        self._rng = rng
        self._s = _Session()
        self._handlers: dict[tuple[int, int], Callable[[Apdu], bytes]] = {
            (0x00, 0xA4): self._select,
            (0x00, 0xB2): self._read_record,
            (0x80, 0xA8): self._gpo,
            (0x80, 0xCA): self._get_data,
            (0x00, 0x20): self._verify,
            (0x00, 0x88): self._internal_authenticate,
            (0x80, 0xAE): self._generate_ac,
            (0x00, 0x82): self._external_authenticate,
            (0x04, 0xDA): self._put_data,
        }

    # --- VirtualCard ---------------------------------------------------------------------

    def power_on(self) -> bytes:
        """Cold reset: forget the selection and transaction; return the ATR."""
        self._s = _Session()
        return _atr()

    def power_off(self) -> None:
        """Drop volatile state; the persistent state is already saved."""
        self._s = _Session()

    def process(self, apdu: bytes) -> bytes:
        """Answer one command APDU with data + SW1 SW2."""
        cmd = parse_apdu(bytes(apdu))
        if cmd is None:
            return S.WRONG_LENGTH.value
        handler = self._handlers.get((cmd.cla, cmd.ins))
        if handler is None:
            known_ins = {ins for _, ins in self._handlers}
            return (S.CLA_NOT_SUPPORTED if cmd.ins in known_ins else S.INS_NOT_SUPPORTED).value
        try:
            return handler(cmd) + S.OK.value
        except _Refusal as refusal:
            return refusal.sw

    # --- helpers ---------------------------------------------------------------------------

    @property
    def state(self) -> CardState:
        """The persistent counters (saved by the store after each change)."""
        return self.store.state

    def _app(self) -> int | None:
        sel = self._s.selected
        return sel if sel is not None and sel >= 0 else None

    def _suite(self) -> CipherSuite:
        return self.profile.suite

    def _atc(self) -> bytes:
        return self.state.atc.to_bytes(2, "big")

    def _session_key(self) -> bytes:
        return derive_session_key(self.image.mk_ac, self._atc(), suite=self._suite())

    def _iad(self, cvr_bytes: bytes) -> bytes:
        """Issuer application data, PBOC layout: 07 DKI CVN CVR[4] algorithm [EC part]."""
        algorithm = 0x04 if self._suite() is CipherSuite.SM4 else 0x01
        iad = bytes([0x07, 0x01, 0x01]) + cvr_bytes + bytes([algorithm])
        if self.profile.ec is not None:
            iad += bytes([0x06, 0x01]) + _bcd(self.state.ec_balance, 5)
        return iad

    def _cryptogram(self, decision: AcType, cvr_bytes: bytes) -> tuple[bytes, bytes]:
        """(AC, IAD) for the current transaction data."""
        iad = self._iad(cvr_bytes)
        data = cryptogram_data(self._s.terminal, aip=self.profile.aip, atc=self._atc(), iad=iad)
        return generate_ac(self._session_key(), data, suite=self._suite()), iad

    def _log(self) -> None:
        """Write a transaction log record (format 9F4F), newest first, bounded."""
        values = dict(self._s.terminal)
        values[Tag.ATC] = self._atc()
        record = build_dol_data(self.profile.log.format, values)
        self.state.log.insert(0, record.hex().upper())
        del self.state.log[self.profile.log.records :]

    def _ec_request(self) -> EcRequest:
        t = self._s.terminal
        return EcRequest(
            _amount(t.get(Tag.AMOUNT_AUTHORISED)), t.get(Tag.TRANSACTION_CURRENCY_CODE, b"")
        )

    def _debit(self, amount: int) -> None:
        self.state.ec_balance -= amount
        self.state.consecutive_offline += 1
        self._log()

    # --- SELECT, READ RECORD, GET DATA, VERIFY -------------------------------------------

    def _select(self, cmd: Apdu) -> bytes:
        """SELECT by name (Book 1 §11.3): PSE, PPSE, or an AID, full or partial."""
        if cmd.p1 != 0x04 or cmd.p2 not in (0x00, 0x02):
            raise _Refusal(S.WRONG_P1P2)
        if not 1 <= len(cmd.data) <= 16:
            raise _Refusal(S.WRONG_LENGTH)
        name = cmd.data
        previous = self._s
        self._s = _Session(last_name=name)
        if name == PSE_NAME and self.image.pse_fci is not None:
            self._s.selected = _PSE
            return self.image.pse_fci
        if name == PPSE_NAME and self.image.ppse_fci is not None:
            self._s.selected = _PPSE
            return self.image.ppse_fci
        matches = [i for i, a in enumerate(self.profile.applications) if a.aid.startswith(name)]
        if cmd.p2 == 0x02 and previous.last_name == name and previous.selected in matches:
            matches = [i for i in matches if i > previous.selected]  # type: ignore[operator]
        if not matches:
            raise _Refusal(S.FILE_NOT_FOUND)
        self._s.selected = matches[0]
        return self.image.app_fci[matches[0]]

    def _read_record(self, cmd: Apdu) -> bytes:
        """READ RECORD (Book 3 §6.5.11): P1 record number, P2 = SFI << 3 | 4."""
        if cmd.p1 == 0 or cmd.p2 & 0x07 != 0x04:
            raise _Refusal(S.WRONG_P1P2)
        sfi, rec = cmd.p2 >> 3, cmd.p1
        if self._s.selected == _PSE:
            if sfi != 1:
                raise _Refusal(S.FILE_NOT_FOUND)
            return _found(self.image.pse_records.get(rec))
        if self._app() is None:
            raise _Refusal(S.CONDITIONS_NOT_SATISFIED)
        if sfi == self.profile.log.sfi:
            log = self.state.log
            return _found(bytes.fromhex(log[rec - 1]) if rec <= len(log) else None)
        if sfi not in {s for s, _ in self.image.records}:
            raise _Refusal(S.FILE_NOT_FOUND)
        return _found(self.image.records.get((sfi, rec)))

    def _get_data(self, cmd: Apdu) -> bytes:
        """GET DATA (Book 3 §6.5.7; PBOC EC data objects, JR/T 0025.13 §6)."""
        if self._app() is None:
            raise _Refusal(S.CONDITIONS_NOT_SATISFIED)
        tag = cmd.p1 << 8 | cmd.p2
        st, ec = self.state, self.profile.ec
        values: dict[int, bytes] = {
            Tag.ATC: self._atc(),
            Tag.LAST_ONLINE_ATC: st.last_online_atc.to_bytes(2, "big"),
            Tag.PIN_TRY_COUNTER: bytes([st.pin_tries]),
            Tag.LOG_FORMAT: self.profile.log.format,
        }
        if ec is not None:
            values |= {
                Tag.EC_BALANCE: _bcd(st.ec_balance),
                Tag.EC_BALANCE_LIMIT: _bcd(ec.balance_limit),
                Tag.EC_SINGLE_TRANSACTION_LIMIT: _bcd(ec.single_limit),
                Tag.EC_RESET_THRESHOLD: _bcd(ec.reset_threshold),
                Tag.APPLICATION_CURRENCY_CODE_PBOC: ec.currency,
            }
        if tag not in values:
            raise _Refusal(S.DATA_NOT_FOUND)
        return tlv.encode(tag, values[tag])

    def _verify(self, cmd: Apdu) -> bytes:
        """VERIFY with a plaintext offline PIN block (Book 3 §6.5.12; P2 = 80)."""
        if cmd.p1 != 0x00 or cmd.p2 != 0x80:
            raise _Refusal(S.WRONG_P1P2)
        if self._app() is None:
            raise _Refusal(S.CONDITIONS_NOT_SATISFIED)
        if len(cmd.data) != 8:
            raise _Refusal(S.WRONG_LENGTH)
        if self.state.pin_tries == 0:
            raise _Refusal(S.AUTH_METHOD_BLOCKED)
        block = cmd.data.hex().upper()
        n = int(block[1], 16)
        if block[0] != "2" or not 4 <= n <= 12 or block[2 + n :] != "F" * (14 - n):
            raise _Refusal(S.INCORRECT_DATA)
        if block[2 : 2 + n] == self.profile.pin:
            self.state.pin_tries = self.profile.pin_try_limit
            self.store.save()
            return b""
        self.state.pin_tries -= 1
        self.store.save()
        raise _Refusal(bytes([0x63, 0xC0 | self.state.pin_tries]))

    # --- offline data authentication ------------------------------------------------------

    def _internal_authenticate(self, cmd: Apdu) -> bytes:
        """INTERNAL AUTHENTICATE (Book 3 §6.5.9): sign the DDOL data (Book 2 §6.5)."""
        if cmd.p1 != 0x00 or cmd.p2 != 0x00:
            raise _Refusal(S.WRONG_P1P2)
        if self._app() is None:
            raise _Refusal(S.CONDITIONS_NOT_SATISFIED)
        if not cmd.data:
            raise _Refusal(S.WRONG_LENGTH)
        number = self._rng(8)
        sdad = certs.signed_dynamic_data(
            self.image.icc_key, icc_dynamic_data=b"\x08" + number, terminal_data=cmd.data
        )
        return tlv.encode(Tag.RESPONSE_FORMAT_1, sdad)

    # --- GPO ---------------------------------------------------------------------------------

    def _gpo(self, cmd: Apdu) -> bytes:
        """GET PROCESSING OPTIONS (Book 3 §6.5.8): choose the path, increment the ATC."""
        idx = self._app()
        if cmd.p1 != 0x00 or cmd.p2 != 0x00:
            raise _Refusal(S.WRONG_P1P2)
        if idx is None or self._s.path is not None or Fault.GPO_6985 in self.profile.faults:
            raise _Refusal(S.CONDITIONS_NOT_SATISFIED)
        if self.state.atc >= _MAX_ATC:
            raise _Refusal(S.CONDITIONS_NOT_SATISFIED)
        app = self.profile.applications[idx]
        try:
            template = tlv.decode(cmd.data)
            if len(template) != 1 or template[0].tag != Tag.COMMAND_TEMPLATE:
                raise _Refusal(S.WRONG_LENGTH)
            values = split_dol_data(parse_dol(app.pdol), template[0].value)
        except TlvError:
            raise _Refusal(S.WRONG_LENGTH) from None
        path = self._choose_path(app.kind, values)
        if path is None:
            raise _Refusal(S.CONDITIONS_NOT_SATISFIED)
        if path is CardPath.QPBOC and not values[Tag.TTQ][0] & 0x20:
            # The reader cannot do qPBOC: "try another interface" (JR/T 0025.12 §7.2,
            # the contactless convention EMV Book A/B also uses for 6984).
            raise _Refusal(S.TRY_ANOTHER_INTERFACE)
        self._s.path, self._s.terminal = path, values
        self.state.atc += 1
        if path is CardPath.QPBOC:
            return self._qpboc(values)
        self.store.save()
        aip, afl = self.profile.aip, self.profile.afl[path]
        if self.profile.gpo_format == 1:
            return tlv.encode(Tag.RESPONSE_FORMAT_1, aip + afl)
        body = tlv.encode(Tag.AIP, aip) + tlv.encode(Tag.AFL, afl)
        return tlv.encode(Tag.RESPONSE_FORMAT_2, body)

    def _choose_path(self, kind: AppKind, values: dict[int, bytes]) -> CardPath | None:
        """Pick the AIP/AFL set for this transaction.

        qPBOC when the terminal sent TTQ and the card has a qPBOC AFL (JR/T 0025.12 §7);
        contact EC when 9F7A says the terminal supports EC and the amount fits the
        balance and limits (JR/T 0025.13 §7.2); a pure EC application has no other path
        and refuses a terminal without EC support. Otherwise the standard path.
        """
        afl, ec = self.profile.afl, self.profile.ec
        if Tag.TTQ in values and CardPath.QPBOC in afl:
            return CardPath.QPBOC
        terminal_ec = values.get(Tag.EC_TERMINAL_SUPPORT_INDICATOR) == b"\x01"
        if kind is AppKind.EC:
            return CardPath.EC if terminal_ec and CardPath.EC in afl else None
        if terminal_ec and ec is not None and CardPath.EC in afl:
            amount = values.get(Tag.AMOUNT_AUTHORISED)
            currency = values.get(Tag.TRANSACTION_CURRENCY_CODE, ec.currency)
            request = EcRequest(_amount(amount), currency)
            if amount is None or ec_fits(ec, self.state.ec_balance, request):
                return CardPath.EC
        return CardPath.STANDARD if CardPath.STANDARD in afl else None

    def _qpboc(self, values: dict[int, bytes]) -> bytes:
        """qPBOC: decide in GPO and answer with cryptogram, 9F5D and fDDA (JR/T 0025.12 §7)."""
        request = self._ec_request()
        decision = qpboc_decision(
            values[Tag.TTQ], ec=self.profile.ec, balance=self.state.ec_balance, request=request
        )
        if decision is AcType.TC:
            self._debit(request.amount)
        self._s.first = decision
        ac, iad = self._cryptogram(decision, cvr(decision))
        if decision is AcType.ARQC:
            self._s.arqc = ac
        self.store.save()
        p = self.profile
        items = [
            (Tag.AIP, p.aip),
            (Tag.AFL, p.afl[CardPath.QPBOC]),
            (Tag.ATC, self._atc()),
            (Tag.APPLICATION_CRYPTOGRAM, ac),
            (Tag.ISSUER_APPLICATION_DATA, iad),
            (Tag.TRACK2_EQUIVALENT, self.image.data[Tag.TRACK2_EQUIVALENT]),
            (Tag.PAN_SEQUENCE_NUMBER, self.image.data[Tag.PAN_SEQUENCE_NUMBER]),
            (Tag.CTQ, p.ctq),
        ]
        if p.ec is not None:
            items.append((Tag.AVAILABLE_OFFLINE_AMOUNT, _bcd(self.state.ec_balance)))
        if decision is AcType.TC:
            card_un = self._rng(4)
            auth_data = b"\x01" + card_un + p.ctq
            terminal_data = b"".join(
                values.get(t, b"")
                for t in (
                    Tag.UNPREDICTABLE_NUMBER,
                    Tag.AMOUNT_AUTHORISED,
                    Tag.TRANSACTION_CURRENCY_CODE,
                )
            )
            sdad = certs.signed_dynamic_data(
                self.image.icc_key,
                icc_dynamic_data=b"\x04" + card_un,
                terminal_data=terminal_data + auth_data,
            )
            items += [(Tag.CARD_AUTH_RELATED_DATA, auth_data), (Tag.SIGNED_DYNAMIC_DATA, sdad)]
        body = b"".join(tlv.encode(t, v) for t, v in items)
        return tlv.encode(Tag.RESPONSE_FORMAT_2, body)

    # --- GENERATE AC, EXTERNAL AUTHENTICATE, PUT DATA ------------------------------------

    def _generate_ac(self, cmd: Apdu) -> bytes:
        """GENERATE AC (Book 3 §6.5.5): first, or second after an ARQC."""
        requested = requested_ac(cmd.p1)
        if requested is None or cmd.p2 != 0x00:
            raise _Refusal(S.WRONG_P1P2)
        s = self._s
        if s.path is None or s.path is CardPath.QPBOC:
            raise _Refusal(S.CONDITIONS_NOT_SATISFIED)
        second = s.first is not None
        if second and (s.first is not AcType.ARQC or s.second is not None):
            raise _Refusal(S.CONDITIONS_NOT_SATISFIED)
        if second and requested is AcType.ARQC:
            raise _Refusal(S.WRONG_P1P2)
        cdol = self.image.data.get(Tag.CDOL2 if second else Tag.CDOL1)
        if cdol is None:
            raise _Refusal(S.CONDITIONS_NOT_SATISFIED)
        try:
            values = split_dol_data(parse_dol(cdol), cmd.data)
        except TlvError:
            raise _Refusal(S.WRONG_LENGTH) from None
        s.terminal.update(values)
        decision = self._second_ac(requested, values) if second else self._first_ac(requested)
        self.store.save()
        ac, iad = self._cryptogram(decision, cvr(s.first, s.second))
        if decision is AcType.ARQC:
            s.arqc = ac
        if self.profile.gen_ac_format == 1:
            body = bytes([decision]) + self._atc() + ac + iad
            return tlv.encode(Tag.RESPONSE_FORMAT_1, body)
        items = [(Tag.CID, bytes([decision])), (Tag.ATC, self._atc())]
        items += [(Tag.APPLICATION_CRYPTOGRAM, ac), (Tag.ISSUER_APPLICATION_DATA, iad)]
        body = b"".join(tlv.encode(t, v) for t, v in items)
        return tlv.encode(Tag.RESPONSE_FORMAT_2, body)

    def _first_ac(self, requested: AcType) -> AcType:
        s, p = self._s, self.profile
        app = p.applications[self._app() or 0]
        request = self._ec_request()
        ec_ok = s.path is CardPath.EC and ec_fits(p.ec, self.state.ec_balance, request)
        lower = self.image.data.get(Tag.LOWER_CONSECUTIVE_OFFLINE_LIMIT, b"\x00")[0]
        decision = first_ac(
            requested,
            kind=app.kind,
            path=s.path or CardPath.STANDARD,
            ec_ok=ec_ok,
            consecutive_offline=self.state.consecutive_offline,
            lower_offline_limit=lower,
        )
        s.first = decision
        if decision is AcType.TC:
            if s.path is CardPath.EC:
                self._debit(request.amount)
            else:
                self.state.consecutive_offline += 1
                self._log()
        return decision

    def _second_ac(self, requested: AcType, values: dict[int, bytes]) -> AcType:
        arc = values.get(Tag.AUTHORISATION_RESPONSE_CODE, b"")
        decision = second_ac(requested, arc=arc, issuer_auth_ok=self._s.issuer_auth_ok)
        self._s.second = decision
        if decision is AcType.TC:
            if arc != b"Y3":
                self.state.last_online_atc = self.state.atc
                self.state.consecutive_offline = 0
            self._log()
        return decision

    def _external_authenticate(self, cmd: Apdu) -> bytes:
        """EXTERNAL AUTHENTICATE (Book 3 §6.5.4): check ARPC method 1 over the ARQC."""
        if cmd.p1 != 0x00 or cmd.p2 != 0x00:
            raise _Refusal(S.WRONG_P1P2)
        s = self._s
        if s.first is not AcType.ARQC or s.second is not None or s.issuer_auth_ok is not None:
            raise _Refusal(S.CONDITIONS_NOT_SATISFIED)
        if len(cmd.data) != 10:
            raise _Refusal(S.WRONG_LENGTH)
        arpc, arc = cmd.data[:8], cmd.data[8:]
        expected = generate_arpc(self._session_key(), s.arqc, arc, suite=self._suite())
        s.issuer_auth_ok = arpc == expected
        _need(s.issuer_auth_ok, S.ISSUER_AUTH_FAILED)
        return b""

    def _put_data(self, cmd: Apdu) -> bytes:
        """PUT DATA with secure messaging (PBOC JR/T 0025.13 EC load script, 04 DA).

        Data is the new value followed by a 4-byte MAC over CLA INS P1 P2 Lc || ATC ||
        ARQC || value, keyed by the MAC session key of this transaction's ATC.
        """
        tag = cmd.p1 << 8 | cmd.p2
        ec = self.profile.ec
        if ec is None or tag != Tag.EC_BALANCE:
            raise _Refusal(S.DATA_NOT_FOUND)
        if self._s.first is not AcType.ARQC:
            raise _Refusal(S.CONDITIONS_NOT_SATISFIED)
        if len(cmd.data) != 6 + 4:
            raise _Refusal(S.WRONG_LENGTH)
        value, mac = cmd.data[:6], cmd.data[6:]
        mac_key = derive_session_key(self.image.mk_smi, self._atc(), suite=self._suite())
        signed = cmd.header + self._atc() + self._s.arqc + value
        if script_mac(mac_key, signed, suite=self._suite()) != mac:
            raise _Refusal(S.SM_DATA_INCORRECT)
        new_balance = _amount(value)
        if value.hex() != f"{new_balance:012d}" or new_balance > ec.balance_limit:
            raise _Refusal(S.INCORRECT_DATA)
        self.state.ec_balance = new_balance
        self.store.save()
        raise _Refusal(S.OK)
