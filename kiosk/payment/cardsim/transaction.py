"""One card transaction, from GET PROCESSING OPTIONS to the last script command.

GPO picks the path (standard, contact EC, qPBOC) and increments the ATC once per
transaction (PBOC JR/T 0025.5: the card increments its ATC in GPO processing). Then
GENERATE AC (first, and second after an ARQC), EXTERNAL AUTHENTICATE and PUT DATA
for an EC load are answered here; every decision comes from :mod:`.risk`, every
cryptogram from :mod:`kiosk.payment.crypto` with the card's ICC master keys.
"""

from __future__ import annotations

from collections.abc import Callable

from kiosk.payment import tlv
from kiosk.payment.bcd import bcd, fen_of
from kiosk.payment.cardsim import certs
from kiosk.payment.cardsim.apdu import Apdu, CardStatus, Refusal
from kiosk.payment.cardsim.personalise import Personalised
from kiosk.payment.cardsim.profile import AppKind, Application, CardPath
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

__all__ = ["Transaction", "choose_path"]

S = CardStatus


def choose_path(
    image: Personalised, kind: AppKind, values: dict[int, bytes], balance: int
) -> CardPath | None:
    """Pick the AIP/AFL set for a transaction from the GPO data.

    qPBOC when the terminal sent TTQ and the card has a qPBOC AFL (JR/T 0025.12);
    contact EC when 9F7A says the terminal supports EC and the amount fits the balance
    and limits (JR/T 0025.13); a pure EC application has no other path and
    refuses a terminal without EC support. Otherwise the standard path, if any.
    """
    afl, ec = image.profile.afl, image.profile.ec
    if Tag.TTQ in values and CardPath.QPBOC in afl:
        return CardPath.QPBOC
    terminal_ec = values.get(Tag.EC_TERMINAL_SUPPORT_INDICATOR) == b"\x01"
    if kind is AppKind.EC:
        return CardPath.EC if terminal_ec and CardPath.EC in afl else None
    if terminal_ec and ec is not None and CardPath.EC in afl:
        amount = values.get(Tag.AMOUNT_AUTHORISED)
        currency = values.get(Tag.TRANSACTION_CURRENCY_CODE, ec.currency)
        if amount is None or ec_fits(ec, balance, EcRequest(fen_of(amount) or 0, currency)):
            return CardPath.EC
    return CardPath.STANDARD if CardPath.STANDARD in afl else None


def _push(log: list[str], record: bytes, size: int) -> None:
    """Insert ``record`` as the newest entry of a cyclic log of ``size`` records."""
    log.insert(0, record.hex().upper())
    del log[size:]


class Transaction:
    """The volatile part of one transaction; the counters live in the card's state."""

    def __init__(
        self,
        image: Personalised,
        store: StateStore,
        *,
        app: Application,
        path: CardPath,
        terminal: dict[int, bytes],
        rng: Callable[[int], bytes],
    ) -> None:
        self.image, self.profile, self.store = image, image.profile, store
        self.app, self.path, self.terminal = app, path, dict(terminal)
        self._rng = rng
        self.first: AcType | None = None
        self.second: AcType | None = None
        self.arqc = b""
        self.issuer_auth_ok: bool | None = None

    # --- shared helpers ----------------------------------------------------------------

    @property
    def state(self) -> CardState:
        return self.store.state

    @property
    def suite(self) -> CipherSuite:
        return self.profile.suite

    def atc(self) -> bytes:
        return self.state.atc.to_bytes(2, "big")

    def _session_key(self, master_key: bytes) -> bytes:
        return derive_session_key(master_key, self.atc(), suite=self.suite)

    def _iad(self) -> bytes:
        """Issuer application data, PBOC layout: 07 DKI CVN CVR[4] algorithm, then for an
        EC card 06 01 and the balance (n10), as real UnionPay cards append it."""
        algorithm = 0x04 if self.suite is CipherSuite.SM4 else 0x01
        iad = bytes([0x07, 0x01, 0x01]) + cvr(self.first, self.second) + bytes([algorithm])
        if self.profile.ec is not None:
            iad += bytes([0x06, 0x01]) + bcd(self.state.ec_balance, 5)
        return iad

    def _cryptogram(self) -> tuple[bytes, bytes]:
        """(AC, IAD) over the transaction data seen so far."""
        iad = self._iad()
        data = cryptogram_data(self.terminal, aip=self.profile.aip, atc=self.atc(), iad=iad)
        ac = generate_ac(self._session_key(self.image.mk_ac), data, suite=self.suite)
        latest = self.second if self.second is not None else self.first
        if latest is AcType.ARQC:
            self.arqc = ac
        return ac, iad

    def _ec_request(self) -> EcRequest:
        return EcRequest(
            fen_of(self.terminal.get(Tag.AMOUNT_AUTHORISED)) or 0,
            self.terminal.get(Tag.TRANSACTION_CURRENCY_CODE, b""),
        )

    def _log(self) -> None:
        """Write a transaction log record (format 9F4F), newest first, bounded."""
        values = dict(self.terminal)
        values[Tag.ATC] = self.atc()
        record = build_dol_data(self.profile.log.format, values)
        _push(self.state.log, record, self.profile.log.records)

    def _log_load(self, p1p2: bytes, before: int, after: int) -> None:
        """Write an EC load log record: P1 P2 of the PUT DATA, balance before and after,
        then the data its format DF4F lists (PBOC JR/T 0025.13 load log)."""
        if self.profile.load_log is None:
            return
        data = build_dol_data(self.profile.load_log.format, self.terminal)
        record = p1p2 + bcd(before) + bcd(after) + data
        _push(self.state.load_log, record, self.profile.load_log.records)

    def _approve_offline(self, *, debit: int) -> None:
        self.state.ec_balance -= debit
        self.state.consecutive_offline += 1
        self._log()

    # --- GPO ----------------------------------------------------------------------------

    def process_options(self) -> bytes:
        """The GPO answer: AIP/AFL (format 1 or 2), or the whole qPBOC outcome."""
        self.state.atc += 1
        if self.path is CardPath.QPBOC:
            return self._qpboc()
        self.store.save()
        aip, afl = self.profile.aip, self.profile.afl[self.path]
        if self.profile.gpo_format == 1:
            return tlv.encode(Tag.RESPONSE_FORMAT_1, aip + afl)
        body = tlv.encode(Tag.AIP, aip) + tlv.encode(Tag.AFL, afl)
        return tlv.encode(Tag.RESPONSE_FORMAT_2, body)

    def _qpboc(self) -> bytes:
        """qPBOC: decide in GPO; answer with cryptogram, 9F5D and fDDA (JR/T 0025.12)."""
        p, request = self.profile, self._ec_request()
        self.first = qpboc_decision(
            self.terminal[Tag.TTQ], ec=p.ec, balance=self.state.ec_balance, request=request
        )
        if self.first is AcType.TC:
            self._approve_offline(debit=request.amount)
        ac, iad = self._cryptogram()
        self.store.save()
        items: list[tuple[int, bytes]] = [
            (Tag.AIP, p.aip),
            (Tag.AFL, p.afl[CardPath.QPBOC]),
            (Tag.ATC, self.atc()),
            (Tag.APPLICATION_CRYPTOGRAM, ac),
            (Tag.ISSUER_APPLICATION_DATA, iad),
            (Tag.TRACK2_EQUIVALENT, self.image.data[Tag.TRACK2_EQUIVALENT]),
            (Tag.PAN_SEQUENCE_NUMBER, self.image.data[Tag.PAN_SEQUENCE_NUMBER]),
            (Tag.CTQ, p.ctq),
        ]
        if p.ec is not None:
            items.append((Tag.AVAILABLE_OFFLINE_AMOUNT, bcd(self.state.ec_balance)))
        if self.first is AcType.TC:
            items += self._fdda()
        return tlv.encode(Tag.RESPONSE_FORMAT_2, b"".join(tlv.encode(t, v) for t, v in items))

    def _fdda(self) -> list[tuple[int, bytes]]:
        """9F69 (fDDA version 01, card UN, CTQ) and 9F4B signed over 9F37 9F02 5F2A 9F69."""
        card_un = self._rng(4)
        auth_data = b"\x01" + card_un + self.profile.ctq
        signed_tags = (
            Tag.UNPREDICTABLE_NUMBER,
            Tag.AMOUNT_AUTHORISED,
            Tag.TRANSACTION_CURRENCY_CODE,
        )
        terminal_data = b"".join(self.terminal.get(t, b"") for t in signed_tags)
        sdad = certs.signed_dynamic_data(
            self.image.icc_key,
            icc_dynamic_data=b"\x04" + card_un,
            terminal_data=terminal_data + auth_data,
        )
        return [(Tag.CARD_AUTH_RELATED_DATA, auth_data), (Tag.SIGNED_DYNAMIC_DATA, sdad)]

    # --- GENERATE AC ----------------------------------------------------------------------

    def generate_ac(self, cmd: Apdu) -> bytes:
        """GENERATE AC (Book 3 §6.5.5): first, or second after an ARQC."""
        requested = requested_ac(cmd.p1)
        if requested is None or cmd.p2 != 0x00:
            raise Refusal(S.WRONG_P1P2)
        second = self.first is not None
        if self.path is CardPath.QPBOC or (
            second and (self.first is not AcType.ARQC or self.second is not None)
        ):
            raise Refusal(S.CONDITIONS_NOT_SATISFIED)
        if second and requested is AcType.ARQC:
            raise Refusal(S.WRONG_P1P2)
        cdol = self.image.data.get(Tag.CDOL2 if second else Tag.CDOL1)
        if cdol is None:
            raise Refusal(S.CONDITIONS_NOT_SATISFIED)
        try:
            values = split_dol_data(parse_dol(cdol), cmd.data)
        except TlvError:
            raise Refusal(S.WRONG_LENGTH) from None
        self.terminal.update(values)
        decision = self._second_ac(requested, values) if second else self._first_ac(requested)
        self.store.save()
        ac, iad = self._cryptogram()
        if self.profile.gen_ac_format == 1:
            return tlv.encode(Tag.RESPONSE_FORMAT_1, bytes([decision]) + self.atc() + ac + iad)
        items: list[tuple[int, bytes]] = [(Tag.CID, bytes([decision])), (Tag.ATC, self.atc())]
        items += [(Tag.APPLICATION_CRYPTOGRAM, ac), (Tag.ISSUER_APPLICATION_DATA, iad)]
        return tlv.encode(Tag.RESPONSE_FORMAT_2, b"".join(tlv.encode(t, v) for t, v in items))

    def _first_ac(self, requested: AcType) -> AcType:
        request = self._ec_request()
        ec_ok = self.path is CardPath.EC and ec_fits(
            self.profile.ec, self.state.ec_balance, request
        )
        lower = self.image.data.get(Tag.LOWER_CONSECUTIVE_OFFLINE_LIMIT, b"\x00")[0]
        self.first = first_ac(
            requested,
            kind=self.app.kind,
            path=self.path,
            ec_ok=ec_ok,
            consecutive_offline=self.state.consecutive_offline,
            lower_offline_limit=lower,
        )
        if self.first is AcType.TC:
            self._approve_offline(debit=request.amount if self.path is CardPath.EC else 0)
        return self.first

    def _second_ac(self, requested: AcType, values: dict[int, bytes]) -> AcType:
        arc = values.get(Tag.AUTHORISATION_RESPONSE_CODE, b"")
        self.second = second_ac(requested, arc=arc, issuer_auth_ok=self.issuer_auth_ok)
        if self.second is AcType.TC:
            if arc != b"Y3":  # Y3: approved offline after failing to go online
                self.state.last_online_atc = self.state.atc
                self.state.consecutive_offline = 0
            self._log()
        return self.second

    # --- issuer authentication and script ----------------------------------------------

    def external_authenticate(self, cmd: Apdu) -> bytes:
        """EXTERNAL AUTHENTICATE (Book 3 §6.5.4): check ARPC method 1 over the ARQC."""
        if cmd.p1 != 0x00 or cmd.p2 != 0x00:
            raise Refusal(S.WRONG_P1P2)
        if (
            self.first is not AcType.ARQC
            or self.second is not None
            or self.issuer_auth_ok is not None
        ):
            raise Refusal(S.CONDITIONS_NOT_SATISFIED)
        if len(cmd.data) != 10:
            raise Refusal(S.WRONG_LENGTH)
        arpc, arc = cmd.data[:8], cmd.data[8:]
        key = self._session_key(self.image.mk_ac)
        self.issuer_auth_ok = arpc == generate_arpc(key, self.arqc, arc, suite=self.suite)
        if not self.issuer_auth_ok:
            raise Refusal(S.ISSUER_AUTH_FAILED)
        return b""

    def put_data(self, cmd: Apdu) -> bytes:
        """PUT DATA 9F79 with secure messaging: the EC load script (PBOC JR/T 0025.13).

        Data is the new balance (n12) and a 4-byte MAC over CLA INS P1 P2 Lc || ATC ||
        ARQC || balance, keyed by the MAC session key of this transaction's ATC
        (EMV 4.3 Book 2 §9.2.3). Refused before an ARQC, with a bad MAC (6988), or
        above the EC balance limit 9F77 (6A80).
        """
        ec = self.profile.ec
        if ec is None or (cmd.p1 << 8 | cmd.p2) != Tag.EC_BALANCE:
            raise Refusal(S.DATA_NOT_FOUND)
        if self.first is not AcType.ARQC:
            raise Refusal(S.CONDITIONS_NOT_SATISFIED)
        if len(cmd.data) != 6 + 4:
            raise Refusal(S.WRONG_LENGTH)
        value, mac = cmd.data[:6], cmd.data[6:]
        signed = cmd.header + self.atc() + self.arqc + value
        if script_mac(self._session_key(self.image.mk_smi), signed, suite=self.suite) != mac:
            raise Refusal(S.SM_DATA_INCORRECT)
        new_balance = fen_of(value) or 0
        if bcd(new_balance) != value or new_balance > ec.balance_limit:
            raise Refusal(S.INCORRECT_DATA)
        self._log_load(bytes([cmd.p1, cmd.p2]), self.state.ec_balance, new_balance)
        self.state.ec_balance = new_balance
        self.store.save()
        return b""
