"""The software PBOC 3.0 card: answers APDUs as a personalised UnionPay card would.

Commands (EMV 4.3 Book 3 §6.5, PBOC JR/T 0025.5/.12/.13): SELECT (PSE, PPSE, AID,
partial name with P2=02 next occurrence), READ RECORD (application files, PSE
directory, transaction and EC load logs), GET PROCESSING OPTIONS, GET DATA, VERIFY (plaintext
offline PIN), INTERNAL AUTHENTICATE (DDA); and, through :class:`Transaction`,
GENERATE AC, EXTERNAL AUTHENTICATE and PUT DATA for an EC load. Anything else gets
the status word a card would give; ``process`` never raises.

Persistent state (ATC, balance, log, PIN tries) goes through :class:`StateStore`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.payment import tlv
from kiosk.payment.bcd import bcd
from kiosk.payment.cardsim import certs
from kiosk.payment.cardsim.apdu import Apdu, CardStatus, Refusal, parse_apdu
from kiosk.payment.cardsim.personalise import PPSE_NAME, PSE_NAME, Personalised
from kiosk.payment.cardsim.profile import CardPath, Fault
from kiosk.payment.cardsim.state import CardState, StateStore
from kiosk.payment.cardsim.transaction import Transaction, choose_path
from kiosk.payment.dol import parse_dol, split_dol_data
from kiosk.payment.errors import TlvError
from kiosk.payment.tags import Tag

__all__ = ["PbocCard"]

S = CardStatus
#: T=1, 10 historical bytes; TCK is appended by :func:`_atr`.
_ATR_BODY = bytes.fromhex("3B8A8001") + b"KIOSK-SIM1"
_PSE, _PPSE = -1, -2
_MAX_ATC = 0xFFFF


def _atr() -> bytes:
    tck = 0
    for b in _ATR_BODY[1:]:
        tck ^= b
    return _ATR_BODY + bytes([tck])


def _found(data: bytes | None) -> bytes:
    """A record's contents, or refuse with 6A83 when there is no such record."""
    if data is None:
        raise Refusal(S.RECORD_NOT_FOUND)
    return data


@dataclass
class _Selection:
    """What is selected, and the transaction under way (lost on reset or re-selection)."""

    selected: int | None = None
    last_name: bytes = b""
    txn: Transaction | None = None


class PbocCard:
    """A personalised card implementing :class:`~kiosk.payment.cardsim.base.VirtualCard`."""

    def __init__(
        self, image: Personalised, store: StateStore, *, rng: Callable[[int], bytes] = os.urandom
    ) -> None:
        self.image = image
        self.profile = image.profile
        self.store = store
        self._rng = rng
        self._s = _Selection()
        self._handlers: dict[tuple[int, int], Callable[[Apdu], bytes]] = {
            (0x00, 0xA4): self._select,
            (0x00, 0xB2): self._read_record,
            (0x80, 0xA8): self._gpo,
            (0x80, 0xCA): self._get_data,
            (0x00, 0x20): self._verify,
            (0x00, 0x88): self._internal_authenticate,
            (0x80, 0xAE): lambda cmd: self._txn().generate_ac(cmd),
            (0x00, 0x82): lambda cmd: self._txn().external_authenticate(cmd),
            (0x04, 0xDA): lambda cmd: self._txn().put_data(cmd),
        }

    # --- VirtualCard ---------------------------------------------------------------------

    def power_on(self) -> bytes:
        """Cold reset: forget the selection and transaction; return the ATR."""
        self._s = _Selection()
        return _atr()

    def power_off(self) -> None:
        """Drop volatile state; the persistent state is already saved."""
        self._s = _Selection()

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
        except Refusal as refusal:
            return refusal.sw

    # --- helpers ---------------------------------------------------------------------------

    @property
    def state(self) -> CardState:
        """The persistent counters (saved by the store after each change)."""
        return self.store.state

    def _app(self) -> int | None:
        sel = self._s.selected
        return sel if sel is not None and sel >= 0 else None

    def _txn(self) -> Transaction:
        """The transaction under way; commands that need one get 6985 without it."""
        if self._s.txn is None:
            raise Refusal(S.CONDITIONS_NOT_SATISFIED)
        return self._s.txn

    # --- SELECT, READ RECORD, GET DATA, VERIFY -------------------------------------------

    def _select(self, cmd: Apdu) -> bytes:
        """SELECT by name (Book 1 §11.3): PSE, PPSE, or an AID, full or partial."""
        if cmd.p1 != 0x04 or cmd.p2 not in (0x00, 0x02):
            raise Refusal(S.WRONG_P1P2)
        if not 1 <= len(cmd.data) <= 16:
            raise Refusal(S.WRONG_LENGTH)
        name = cmd.data
        previous = self._s
        self._s = _Selection(last_name=name)
        if name == PSE_NAME and self.image.pse_fci is not None:
            self._s.selected = _PSE
            return self.image.pse_fci
        if name == PPSE_NAME and self.image.ppse_fci is not None:
            self._s.selected = _PPSE
            return self.image.ppse_fci
        matches = [i for i, a in enumerate(self.profile.applications) if a.aid.startswith(name)]
        prev = previous.selected
        if cmd.p2 == 0x02 and previous.last_name == name and prev is not None and prev in matches:
            matches = [
                i for i in matches if i > prev
            ]  # next occurrence (Book 1 §12.3, selection with P2 = 02)
        if not matches:
            raise Refusal(S.FILE_NOT_FOUND)
        self._s.selected = matches[0]
        return self.image.app_fci[matches[0]]

    def _read_record(self, cmd: Apdu) -> bytes:
        """READ RECORD (Book 3 §6.5.11): P1 record number, P2 = SFI << 3 | 4."""
        if cmd.p1 == 0 or cmd.p2 & 0x07 != 0x04:
            raise Refusal(S.WRONG_P1P2)
        sfi, rec = cmd.p2 >> 3, cmd.p1
        if self._s.selected == _PSE:
            if sfi != 1:
                raise Refusal(S.FILE_NOT_FOUND)
            return _found(self.image.pse_records.get(rec))
        if self._app() is None:
            raise Refusal(S.CONDITIONS_NOT_SATISFIED)
        logs = {self.profile.log.sfi: self.state.log}
        if self.profile.load_log is not None:
            logs[self.profile.load_log.sfi] = self.state.load_log
        if sfi in logs:
            log = logs[sfi]
            return _found(bytes.fromhex(log[rec - 1]) if rec <= len(log) else None)
        if sfi not in {s for s, _ in self.image.records}:
            raise Refusal(S.FILE_NOT_FOUND)
        return _found(self.image.records.get((sfi, rec)))

    def _get_data(self, cmd: Apdu) -> bytes:
        """GET DATA (Book 3 §6.5.7; PBOC EC data objects, JR/T 0025.13)."""
        if self._app() is None:
            raise Refusal(S.CONDITIONS_NOT_SATISFIED)
        tag = cmd.p1 << 8 | cmd.p2
        st, ec = self.state, self.profile.ec
        values: dict[int, bytes] = {
            Tag.ATC: self.state.atc.to_bytes(2, "big"),
            Tag.LAST_ONLINE_ATC: st.last_online_atc.to_bytes(2, "big"),
            Tag.PIN_TRY_COUNTER: bytes([st.pin_tries]),
            Tag.LOG_FORMAT: self.profile.log.format,
        }
        if self.profile.load_log is not None:
            values[Tag.EC_LOG_FORMAT] = self.profile.load_log.format
        if ec is not None:
            values |= {
                Tag.EC_BALANCE: bcd(st.ec_balance),
                Tag.EC_BALANCE_LIMIT: bcd(ec.balance_limit),
                Tag.EC_SINGLE_TRANSACTION_LIMIT: bcd(ec.single_limit),
                Tag.EC_RESET_THRESHOLD: bcd(ec.reset_threshold),
                Tag.APPLICATION_CURRENCY_CODE_PBOC: ec.currency,
            }
        if tag not in values:
            raise Refusal(S.DATA_NOT_FOUND)
        return tlv.encode(tag, values[tag])

    def _verify(self, cmd: Apdu) -> bytes:
        """VERIFY with a plaintext offline PIN block (Book 3 §6.5.12; P2 = 80)."""
        if cmd.p1 != 0x00 or cmd.p2 != 0x80:
            raise Refusal(S.WRONG_P1P2)
        if self._app() is None:
            raise Refusal(S.CONDITIONS_NOT_SATISFIED)
        if len(cmd.data) != 8:
            raise Refusal(S.WRONG_LENGTH)
        if self.state.pin_tries == 0:
            raise Refusal(S.AUTH_METHOD_BLOCKED)
        block = cmd.data.hex().upper()
        n = int(block[1], 16)
        pin = block[2 : 2 + n]
        if (
            block[0] != "2"
            or not 4 <= n <= 12
            or not pin.isdigit()
            or block[2 + n :] != "F" * (14 - n)
        ):
            raise Refusal(S.INCORRECT_DATA)
        if pin == self.profile.pin:
            self.state.pin_tries = self.profile.pin_try_limit
            self.store.save()
            return b""
        self.state.pin_tries -= 1
        self.store.save()
        raise Refusal(bytes([0x63, 0xC0 | self.state.pin_tries]))

    # --- offline data authentication ------------------------------------------------------

    def _internal_authenticate(self, cmd: Apdu) -> bytes:
        """INTERNAL AUTHENTICATE (Book 3 §6.5.9): sign the DDOL data (Book 2 §6.5)."""
        if cmd.p1 != 0x00 or cmd.p2 != 0x00:
            raise Refusal(S.WRONG_P1P2)
        if self._app() is None:
            raise Refusal(S.CONDITIONS_NOT_SATISFIED)
        if not cmd.data:
            raise Refusal(S.WRONG_LENGTH)
        number = self._rng(8)
        sdad = certs.signed_dynamic_data(
            self.image.icc_key, icc_dynamic_data=b"\x08" + number, terminal_data=cmd.data
        )
        return tlv.encode(Tag.RESPONSE_FORMAT_1, sdad)

    # --- GPO ---------------------------------------------------------------------------------

    def _gpo(self, cmd: Apdu) -> bytes:
        """GET PROCESSING OPTIONS (Book 3 §6.5.8): check the PDOL data, start a transaction."""
        idx = self._app()
        if cmd.p1 != 0x00 or cmd.p2 != 0x00:
            raise Refusal(S.WRONG_P1P2)
        if idx is None or self._s.txn is not None or Fault.GPO_6985 in self.profile.faults:
            raise Refusal(S.CONDITIONS_NOT_SATISFIED)
        if self.state.atc >= _MAX_ATC:
            raise Refusal(S.CONDITIONS_NOT_SATISFIED)
        app = self.profile.applications[idx]
        try:
            template = tlv.decode(cmd.data)
            if len(template) != 1 or template[0].tag != Tag.COMMAND_TEMPLATE:
                raise Refusal(S.WRONG_LENGTH)
            values = split_dol_data(parse_dol(app.pdol), template[0].value)
        except TlvError:
            raise Refusal(S.WRONG_LENGTH) from None
        path = choose_path(self.image, app.kind, values, self.state.ec_balance)
        if path is None:
            raise Refusal(S.CONDITIONS_NOT_SATISFIED)
        if path is CardPath.QPBOC and not values[Tag.TTQ][0] & 0x20:
            # The reader cannot do qPBOC: "try another interface" (JR/T 0025.12, the
            # contactless convention for 6984 also used by EMV Books A/B).
            raise Refusal(S.TRY_ANOTHER_INTERFACE)
        self._s.txn = Transaction(
            self.image, self.store, app=app, path=path, terminal=values, rng=self._rng
        )
        return self._s.txn.process_options()
