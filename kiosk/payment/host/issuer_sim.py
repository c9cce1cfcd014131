"""An in-process issuer: verifies ARQCs with the card simulator's issuer master keys.

It stands where the acquirer and the issuer would be, so that the kernel's online step,
issuer authentication and the 2nd GENERATE AC can be exercised without a network:

- keys: the ICC master keys are derived from the test issuer's master keys
  (:func:`kiosk.payment.cardsim.keys.load_issuer`) with the PAN and PSN of the request
  (EMV 4.3 Book 2 A1.4.1), the AC session key from the ATC (PBOC/UnionPay derivation, see
  :mod:`kiosk.payment.crypto`); SM4 when the IAD's algorithm byte says so (PBOC IAD
  layout: byte 8 = 04);
- the ARQC is recomputed over the field-55 data (:func:`~kiosk.payment.crypto.cryptogram_data`)
  and compared; a mismatch is declined ``05`` without tag 91 (nothing to authenticate);
- decisions, in order (ISO 8583 field 39 codes): ``30`` format error (ICC data missing),
  ``05`` bad cryptogram, ``62`` restricted card (blocked list), ``13`` invalid amount
  (9F02 disagrees with the request), ``51`` insufficient funds (per-card account), ``00``;
- every answer with a valid ARQC carries tag 91 = ARPC method 1 + ARC (Book 2 §8.2.1);
- an EC load queued for the card comes back as an issuer script (tag 72) holding
  ``PUT DATA 9F79`` with the new balance and its MAC (Book 2 §9.2.3, PBOC JR/T 0025.13);
  an EC cash load (9C / transaction type ``63``: the customer paid at the counter) debits
  no account and answers with the script loading its amount;
- a ledger of authorisations and reversals, idempotent by STAN: the same STAN asked
  again gets the same answer, a reversal given twice restores the account once.

Faults for tests: :class:`HostFault` makes :meth:`IssuerSimulator.authorize` raise
``HostError`` with ``host.timeout`` (after booking: the answer was lost),
``host.malformed`` or ``host.unreachable``, or answer ``00`` with an ARPC that does not
verify (the card must then decline).

Cards are kept by a SHA-256 of PAN and PSN, never by PAN: the ledger can be printed.
"""

from __future__ import annotations

import enum
import hashlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from kiosk.payment import tlv
from kiosk.payment.bcd import bcd, fen_of
from kiosk.payment.cardsim.keys import IssuerSecrets, load_issuer
from kiosk.payment.crypto import (
    CipherSuite,
    cryptogram_data,
    derive_icc_master_key,
    derive_session_key,
    generate_ac,
    generate_arpc,
    script_mac,
)
from kiosk.payment.errors import HostError
from kiosk.payment.host.base import EC_CASH_LOAD, AuthorizationRequest, AuthorizationResponse
from kiosk.payment.tags import Tag

__all__ = [
    "DEFAULT_ACCOUNT_FEN",
    "EC_CASH_LOAD",
    "HostFault",
    "IssuerSimulator",
    "LedgerEntry",
    "LedgerState",
    "ResponseCode",
    "card_key",
]

#: What a card's account holds until :meth:`IssuerSimulator.set_balance` says otherwise.
DEFAULT_ACCOUNT_FEN = 1_000_000

#: Tags (EMV Book 3 Annex A) of the script template; not in the tag dictionary.
_SCRIPT_IDENTIFIER = 0x9F18
_SCRIPT_COMMAND = 0x86

#: IAD byte (0-based) naming the cryptogram algorithm in the PBOC layout: 01 3DES, 04 SM4.
_IAD_ALGORITHM = 7
_IAD_SM4 = 0x04
#: PBOC EC cards append ``06 01`` and the EC balance (n10) after the 8-byte IAD core.
_IAD_EC_BALANCE = slice(10, 15)

#: Field-55 tags the ARQC cannot be checked without.
_REQUIRED = (Tag.APPLICATION_CRYPTOGRAM, Tag.AIP, Tag.ATC, Tag.ISSUER_APPLICATION_DATA)


class ResponseCode(enum.StrEnum):
    """ISO 8583 field 39 codes this issuer answers with."""

    APPROVED = "00"
    DO_NOT_HONOUR_BAD_CRYPTOGRAM = "05"
    INVALID_AMOUNT = "13"
    FORMAT_ERROR = "30"
    INSUFFICIENT_FUNDS = "51"
    RESTRICTED_CARD = "62"


class HostFault(enum.Enum):
    """How the simulated host misbehaves (``NONE``: it answers properly)."""

    NONE = "none"
    TIMEOUT = "host.timeout"
    MALFORMED = "host.malformed"
    UNREACHABLE = "host.unreachable"
    BAD_ARPC = "bad_arpc"  # answers 00 with an ARPC that fails issuer authentication
    BAD_SCRIPT = "bad_script"  # an EC load script whose MAC the card refuses


class LedgerState(enum.StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"
    REVERSED = "reversed"


@dataclass
class LedgerEntry:
    """One authorisation as the issuer booked it; keyed by STAN."""

    stan: int
    card: str
    amount_fen: int
    response_code: str
    state: LedgerState
    atc: int | None
    response: AuthorizationResponse = field(repr=False)
    reversal_reason: str = ""


def card_key(pan: str, psn: str) -> str:
    """How the issuer recognises a card without keeping its PAN: SHA-256 of PAN|PSN."""
    return hashlib.sha256(f"{pan}|{psn}".encode("ascii")).hexdigest()


class IssuerSimulator:
    """An :class:`~kiosk.payment.host.base.AuthorizationHost` answering from memory.

    Thread-safe: the checkout adapter may call it from the reader's worker thread while a
    test looks at the ledger.
    """

    def __init__(
        self,
        *,
        secrets: IssuerSecrets | None = None,
        default_balance_fen: int = DEFAULT_ACCOUNT_FEN,
        blocked: Iterable[str] = (),
    ) -> None:
        self._secrets = secrets or load_issuer()
        self._default_balance = default_balance_fen
        self._accounts: dict[str, int] = {}
        self._blocked = set(blocked)
        self._loads: dict[str, int] = {}
        self._ledger: dict[int, LedgerEntry] = {}
        self._lock = threading.Lock()
        self.fault = HostFault.NONE
        self._sequence = 0

    # --- set-up by tests and demos ---------------------------------------------------

    def set_balance(self, pan: str, psn: str, fen: int) -> None:
        """Set the account balance of a card (in fen)."""
        with self._lock:
            self._accounts[card_key(pan, psn)] = fen

    def balance(self, pan: str, psn: str) -> int:
        """The account balance of a card (the default for a card never seen)."""
        with self._lock:
            return self._accounts.get(card_key(pan, psn), self._default_balance)

    def block(self, pan: str, psn: str) -> None:
        """Put a card on the blocked list: it is declined ``62``."""
        with self._lock:
            self._blocked.add(card_key(pan, psn))

    def queue_ec_load(self, pan: str, psn: str, amount_fen: int) -> None:
        """Send an EC load of ``amount_fen`` with the card's next approved authorisation."""
        if amount_fen <= 0:
            raise ValueError("an EC load is a positive amount")
        with self._lock:
            key = card_key(pan, psn)
            self._loads[key] = self._loads.get(key, 0) + amount_fen

    @property
    def ledger(self) -> list[LedgerEntry]:
        """The booked authorisations in STAN order (copies)."""
        with self._lock:
            return [replace(e) for _, e in sorted(self._ledger.items())]

    # --- AuthorizationHost -------------------------------------------------------------

    def authorize(self, request: AuthorizationRequest) -> AuthorizationResponse:
        """Decide on ``request`` (see the module docstring); raise HostError for a fault.

        A timeout is an answer lost on the way back: the issuer has booked the request (so
        a reversal has something to undo), the terminal hears nothing.
        """
        if self.fault is not HostFault.TIMEOUT:
            self._raise_fault()
        with self._lock:
            booked = self._ledger.get(request.stan)
            if booked is None:
                booked = self._ledger[request.stan] = self._decide(request)[1]
        self._raise_fault()
        return booked.response  # a repeated STAN is the same request: same answer

    def reverse(self, request: AuthorizationRequest, *, reason: str) -> None:
        """Undo the authorisation with ``request.stan``; harmless to repeat or if unknown."""
        self._raise_fault()
        with self._lock:
            entry = self._ledger.get(request.stan)
            if entry is None or entry.state is not LedgerState.APPROVED:
                return
            self._accounts[entry.card] = self._account(entry.card) + entry.amount_fen
            entry.state, entry.reversal_reason = LedgerState.REVERSED, reason

    # --- internals -----------------------------------------------------------------------

    def _raise_fault(self) -> None:
        messages = {
            HostFault.TIMEOUT: "the host did not answer in time",
            HostFault.MALFORMED: "the host answered something that is not a response",
            HostFault.UNREACHABLE: "the host cannot be reached",
        }
        if self.fault in messages:
            raise HostError(messages[self.fault], code=self.fault.value)

    def _account(self, card: str) -> int:
        return self._accounts.get(card, self._default_balance)

    def _decide(self, request: AuthorizationRequest) -> tuple[AuthorizationResponse, LedgerEntry]:
        card = card_key(request.pan, request.psn)
        icc = request.icc_data
        atc = int.from_bytes(icc[Tag.ATC], "big") if Tag.ATC in icc else None
        code = self._check_cryptogram(request) or self._check_account(request, card)
        approved = code is ResponseCode.APPROVED
        response = AuthorizationResponse(code.value)
        if code not in (ResponseCode.FORMAT_ERROR, ResponseCode.DO_NOT_HONOUR_BAD_CRYPTOGRAM):
            response = self._authenticated(request, card, code)
        cash_load = request.transaction_type == EC_CASH_LOAD
        if approved and not cash_load:
            self._accounts[card] = self._account(card) - request.amount_fen
        state = LedgerState.APPROVED if approved else LedgerState.DECLINED
        booked = 0 if cash_load else request.amount_fen  # a reversal gives back what was taken
        entry = LedgerEntry(request.stan, card, booked, code.value, state, atc, response)
        return response, entry

    def _authenticated(
        self, request: AuthorizationRequest, card: str, code: ResponseCode
    ) -> AuthorizationResponse:
        """An answer to a genuine ARQC: tag 91, and the queued EC load when approved."""
        self._sequence += 1
        approved = code is ResponseCode.APPROVED
        arc = code.value.encode("ascii")
        keys = _CardKeys(self._secrets, request)
        arpc = keys.arpc(arc)
        if self.fault is HostFault.BAD_ARPC:
            arpc = bytes([arpc[0] ^ 0x01]) + arpc[1:]
        return AuthorizationResponse(
            response_code=code.value,
            issuer_authentication_data=arpc + arc,
            issuer_scripts=self._scripts(card, keys) if approved else (),
            authorization_code=f"{self._sequence:06d}" if approved else "",
            retrieval_reference=f"{request.stan % 10**6:06d}{self._sequence:06d}",
        )

    def _check_cryptogram(self, request: AuthorizationRequest) -> ResponseCode | None:
        """30 when field 55 lacks what the ARQC needs, 05 when it does not verify."""
        if any(tag not in request.icc_data for tag in _REQUIRED):
            return ResponseCode.FORMAT_ERROR
        try:
            genuine = _CardKeys(self._secrets, request).arqc_ok()
        except ValueError:  # a PAN/PSN that is not digits, a wrong-length ATC
            return ResponseCode.FORMAT_ERROR
        return None if genuine else ResponseCode.DO_NOT_HONOUR_BAD_CRYPTOGRAM

    def _check_account(self, request: AuthorizationRequest, card: str) -> ResponseCode:
        """Blocked list, amount as signed, funds; 00 when all pass."""
        if card in self._blocked:
            return ResponseCode.RESTRICTED_CARD
        amount = request.icc_data.get(Tag.AMOUNT_AUTHORISED)
        if amount is not None and fen_of(amount) != request.amount_fen:
            return ResponseCode.INVALID_AMOUNT
        if request.transaction_type == EC_CASH_LOAD:
            self._loads[card] = self._loads.get(card, 0) + request.amount_fen
        elif request.amount_fen > self._account(card):
            return ResponseCode.INSUFFICIENT_FUNDS
        return ResponseCode.APPROVED

    def _scripts(self, card: str, keys: _CardKeys) -> tuple[bytes, ...]:
        """The queued EC load as a tag 72 script, if the IAD tells the current EC balance."""
        load = self._loads.get(card)
        balance = fen_of(keys.iad[_IAD_EC_BALANCE]) if len(keys.iad) >= 15 else None
        if load is None or balance is None:
            return ()
        del self._loads[card]
        script = keys.ec_load_script(balance + load, script_id=self._sequence)
        if self.fault is HostFault.BAD_SCRIPT:
            script = script[:-1] + bytes([script[-1] ^ 0x01])  # the MAC's last byte
        return (script,)


class _CardKeys:
    """One card's keys for one ATC, from the issuer master keys and the request."""

    def __init__(self, secrets: IssuerSecrets, request: AuthorizationRequest) -> None:
        icc = request.icc_data
        self.iad = icc[Tag.ISSUER_APPLICATION_DATA]
        self.atc = icc[Tag.ATC]
        self.arqc = icc[Tag.APPLICATION_CRYPTOGRAM]
        self.aip = icc[Tag.AIP]
        self.terminal = icc
        sm4 = len(self.iad) > _IAD_ALGORITHM and self.iad[_IAD_ALGORITHM] == _IAD_SM4
        self.suite = CipherSuite.SM4 if sm4 else CipherSuite.TDES
        self._secrets = secrets
        self._pan, self._psn = request.pan, request.psn

    def _session_key(self, issuer_master_key: bytes) -> bytes:
        mk = derive_icc_master_key(issuer_master_key, self._pan, self._psn, suite=self.suite)
        return derive_session_key(mk, self.atc, suite=self.suite)

    def arqc_ok(self) -> bool:
        """Recompute the cryptogram over the field-55 data and compare (Book 2 §8.1)."""
        data = cryptogram_data(self.terminal, aip=self.aip, atc=self.atc, iad=self.iad)
        expected = generate_ac(self._session_key(self._secrets.imk_ac), data, suite=self.suite)
        return expected == self.arqc

    def arpc(self, arc: bytes) -> bytes:
        """ARPC method 1 over the ARQC and ``arc`` (Book 2 §8.2.1)."""
        key = self._session_key(self._secrets.imk_ac)
        return generate_arpc(key, self.arqc, arc, suite=self.suite)

    def ec_load_script(self, new_balance_fen: int, *, script_id: int) -> bytes:
        """Tag 72 with ``PUT DATA 9F79`` (new balance n12 + 4-byte MAC) for the card.

        The MAC covers CLA INS P1 P2 Lc || ATC || ARQC || data, keyed with the MAC session
        key of this ATC (Book 2 §9.2.3; PBOC JR/T 0025.13 EC load by script).
        """
        value = bcd(new_balance_fen)
        header = bytes([0x04, 0xDA, 0x9F, 0x79, len(value) + 4])
        mac = script_mac(
            self._session_key(self._secrets.imk_smi),
            header + self.atc + self.arqc + value,
            suite=self.suite,
        )
        command = header + value + mac
        body = tlv.encode(_SCRIPT_IDENTIFIER, script_id.to_bytes(4, "big"))
        return tlv.encode(Tag.ISSUER_SCRIPT_TEMPLATE_2, body + tlv.encode(_SCRIPT_COMMAND, command))
