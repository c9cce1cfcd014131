"""The acquirer client: an ``AuthorizationHost`` speaking the CUPS POS dialect over TCP.

Selected by ``payment.host = "iso8583://HOST:PORT"``. Per request it:

1. sends the reversals still owed (oldest first); one that cannot be sent stops the
   request with its ``HostError`` (the acquirer must hear of a lost authorisation before
   a new one);
2. signs on (0800/0810, :mod:`.keys`) when it holds no working keys, or the last answer
   asked for it (39 = A0/99/77);
3. takes the next STAN (:class:`~.link_state.LinkState`), stores the 0400 that would
   cancel the request (reason ``98``), sends the 0200 and waits for the 0210;
4. checks the answer: MTI = request + 10, fields 3, 11 and 41 echoed (and 42 in an
   approval), MAC verified. An answer that fails any check is no answer: the stored
   reversal stays, with reason ``A0`` after a bad MAC, and ``HostError`` is raised. A
   checked answer removes it.

:meth:`AcquirerClient.reverse` re-arms the reversal of an answered request (the card
declined the host's approval: reason ``06``). Reversals are acknowledged by a 0410 with
39 = 00 (or 25, "original not found", which leaves nothing to reverse); any other
answer keeps the reversal for the next attempt, with reason ``06`` as the dialect asks.

Field 55 carries the kernel's ICC data tag by tag in the kernel's order; the answer's 55
gives tag 91 and the 71/72 templates back to the kernel unchanged. PANs go only into
field 2; logs see STANs and response codes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from kiosk.errors import ConfigError
from kiosk.payment import tlv
from kiosk.payment.errors import CardError, HostError
from kiosk.payment.host import cups
from kiosk.payment.host.base import AuthorizationRequest, AuthorizationResponse
from kiosk.payment.host.keys import WorkingKeys, check_value, load_tmk, open_key_block
from kiosk.payment.host.link_state import LinkRecords, LinkState, SignOn
from kiosk.payment.host.wire import exchange
from kiosk.payment.tags import Tag

log = logging.getLogger(__name__)

__all__ = [
    "AcquirerClient",
    "Settlement",
    "Totals",
    "client_from",
    "parse_address",
    "purchase_fields",
    "reversal_fields",
]

#: 60.3 network management code: sign-on with double-length keys.
SIGN_ON_DOUBLE = "003"
#: 60.3 of a chip record in a batch upload after settlement did not balance (notes §11).
IC_UPLOAD_NOT_BALANCED = "205"
#: 60.1 of an offline (EC, qPBOC) purchase's upload.
_OFFLINE_UPLOAD = "36"
#: Field-55 tags a reversal carries (notes §10).
REVERSAL_TAGS = (0x95, 0x9F1E, 0x9F10, 0x9F36, 0xDF31)
#: Field-55 tags of a script-result notification (notes §10).
SCRIPT_RESULT_TAGS = (
    0x9F33, 0x95, 0x9F37, 0x9F1E, 0x9F10, 0x9F26, 0x9F36, 0x82, 0xDF31, 0x9F1A, 0x9A,
)  # fmt: skip
#: What a script-result notification (0620) repeats of its 0200 and of the 0210 (notes §5:
#: 2, 3, 4, 22, 23, 41, 42, 49 and 32, 37, 38; 11, 55, 60, 61 are its own).
_SCRIPT_RESULT_REPEATS = ("2", "3", "4", "22", "23", "41", "42", "49")
_SCRIPT_RESULT_ANSWER = ("32", "37", "38")
#: Answers that ask the terminal to sign on again (MAC error, PIN format, batch mismatch).
SIGN_ON_AGAIN = frozenset({"A0", "99", "77"})
#: Reversal reasons (field 39 of a 0400) by the caller's reason code.
_REVERSAL_REASON = {"host.timeout": "98", "host.bad_mac": "A0"}
_ACKNOWLEDGED = frozenset({"00", "25"})
#: 9C -> processing code (3), condition code (25), 60.1 (notes §5): purchase, EC cash load.
_KINDS = {0x00: ("000000", "00", "22"), 0x63: ("630000", "91", "46")}
_TTQ = 0x9F66


def parse_address(url: str) -> tuple[str, int]:
    """``iso8583://HOST:PORT`` as (host, port); anything else is a ConfigError."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme != "iso8583" or not parts.hostname or port is None:
        raise ConfigError(
            f"payment.host {url!r}: expected iso8583://HOST:PORT", code="config.host_unsupported"
        )
    return parts.hostname, port


def _icc_hex(icc: dict[int, bytes], only: tuple[int, ...] | None = None) -> str:
    return (
        b"".join(
            tlv.encode(tag, value) for tag, value in icc.items() if only is None or tag in only
        )
        .hex()
        .upper()
    )


def _mmdd(icc: dict[int, bytes]) -> str:
    """MMDD of the transaction date (9A, YYMMDD) for field 61; "" when the card data has none."""
    date = icc.get(0x9A, b"").hex()
    return date[2:6] if len(date) == 6 and date.isdigit() else ""


def purchase_fields(request: AuthorizationRequest, *, stan: int, batch: int) -> dict[str, str]:
    """The 0200 of an online purchase (notes §5) from the kernel's request."""
    contactless = _TTQ in request.icc_data
    processing, condition, kind = _KINDS.get(request.transaction_type, _KINDS[0x00])
    return {
        "t": "0200",
        "2": request.pan,
        "3": processing,
        "4": f"{request.amount_fen:012d}",
        "11": f"{stan:06d}",
        "22": "072" if contactless else "052",
        "23": f"{int(request.psn or '0'):03d}",
        "25": condition,
        "41": request.terminal_id,
        "42": request.merchant_id,
        "49": request.currency,
        "55": _icc_hex(request.icc_data),
        "60": cups.Field60(kind, batch, "000", "6" if contactless else "5", "0").encode(),
    }


def reversal_fields(
    original: dict[str, str], icc: dict[int, bytes], *, reason: str, auth_code: str = ""
) -> dict[str, str]:
    """The 0400 cancelling ``original`` (notes §5): same STAN and 60, reason in 39."""
    dropped = {"26", "35", "36", "52", "53", "37", "55", "64"}
    fields = {k: v for k, v in original.items() if k not in dropped}
    fields |= {"t": "0400", "39": reason}
    reduced = _icc_hex(icc, REVERSAL_TAGS)
    if reduced:
        fields["55"] = reduced
    if auth_code:
        fields["38"] = auth_code
    return fields


@dataclass(frozen=True)
class Totals:
    """A settlement group's total: amount in fen and count (field 48, n12 + n3)."""

    amount_fen: int = 0
    count: int = 0

    def encode(self) -> str:
        return f"{self.amount_fen:012d}{self.count:03d}"


@dataclass(frozen=True)
class Settlement:
    """What a settlement came to: balanced, or not even after the batch upload."""

    batch: int
    balanced: bool
    uploaded: int
    debits: Totals
    credits: Totals

    @property
    def result(self) -> str:
        return "balanced" if self.balanced else "not balanced"


@dataclass
class _Answered:
    """The last request the acquirer answered: what its reversal and script result need."""

    key: int
    stan: int
    fields: dict[str, str]
    icc: dict[int, bytes]
    auth_code: str
    #: The answer's fields a script-result notification repeats (32, 37, 38).
    answer: dict[str, str]


class AcquirerClient:
    """See the module docstring. Thread-safe: one exchange at a time."""

    def __init__(
        self,
        address: tuple[str, int],
        *,
        tmk: bytes,
        state: LinkState,
        terminal_id: str,
        merchant_id: str,
        timeout_s: float = 15.0,
        tpdu: bytes = cups.TPDU,
        header: bytes = cups.HEADER,
        mac_scheme: cups.MacScheme = cups.MacScheme.ECB,
    ) -> None:
        self.address, self._tmk, self.state = address, tmk, state
        self.terminal_id, self.merchant_id = terminal_id, merchant_id
        self.timeout_s, self._tpdu, self._header = timeout_s, tpdu, header
        self.mac_scheme = mac_scheme
        self.keys: WorkingKeys | None = None
        self.batch = 0
        self._answered: _Answered | None = None
        self._lock = threading.RLock()

    # --- sign-on ----------------------------------------------------------------------

    def sign_on(self) -> None:
        """0800/0810: install the working keys and the batch number the acquirer sends."""
        with self._lock:
            stan = self.state.next_stan()
            request = {
                "t": "0800",
                "11": f"{stan:06d}",
                "41": self.terminal_id,
                "42": self.merchant_id,
                "60": cups.Field60("00", self.batch, SIGN_ON_DOUBLE).encode(),
                "63": "001",
            }
            answer = self._send(request, mak=None)
            if answer.get("39") != "00":
                raise HostError(
                    f"sign-on refused with {answer.get('39')!r}", code="host.sign_on_refused"
                )
            keys = open_key_block(self._tmk, bytes.fromhex(answer.get("62", "")))
            self.batch = cups.Field60.decode(answer.get("60", "")).batch
            self.keys = keys
            pik, mak = (check_value(k).hex().upper() for k in (keys.pik, keys.mak))
            self.state.record_sign_on(SignOn(datetime.now(UTC), self.batch, pik, mak))
            log.info("signed on: batch %06d, %r", self.batch, keys)

    def _mak(self) -> bytes:
        if self.keys is None:
            self.sign_on()
        assert self.keys is not None
        return self.keys.mak

    # --- AuthorizationHost --------------------------------------------------------------

    def authorize(self, request: AuthorizationRequest) -> AuthorizationResponse:
        """0200/0210 (see the module docstring); HostError when there is no usable answer."""
        with self._lock:
            self.send_reversals()
            mak = self._mak()
            stan = self.state.next_stan()
            fields = purchase_fields(request, stan=stan, batch=self.batch)
            # The link's identity, the one its working keys were issued to.
            fields |= {"41": self.terminal_id, "42": self.merchant_id}
            self.state.reversals.put(stan, reversal_fields(fields, request.icc_data, reason="98"))
            self._answered = None
            try:
                answer = self._send(fields, mak=mak)
            except HostError as exc:
                self._unanswered(stan, fields, request, exc)
                raise
            self.state.reversals.remove(stan)  # answered: nothing to reverse unless told
            response = _response(answer)
            if response.approved:
                self.state.batch.put(stan, fields)
            if response.response_code in SIGN_ON_AGAIN:
                self.keys = None
            self._answered = _Answered(
                request.stan,
                stan,
                fields,
                request.icc_data,
                response.authorization_code,
                {k: answer[k] for k in _SCRIPT_RESULT_ANSWER if k in answer},
            )
            log.info("0210 for STAN %06d: %s", stan, response.response_code)
            return response

    def _unanswered(
        self, stan: int, fields: dict[str, str], request: AuthorizationRequest, exc: HostError
    ) -> None:
        """Keep (or, when nothing was sent, drop) the reversal of an unanswered 0200."""
        if exc.code == "host.unreachable":
            self.state.reversals.remove(stan)
            return
        reason = _REVERSAL_REASON.get(exc.code, "98")
        if reason != "98":
            self.state.reversals.put(stan, reversal_fields(fields, request.icc_data, reason=reason))
        if exc.code == "host.bad_mac":
            self.keys = None
        log.warning("0200 STAN %06d unanswered (%s): reversal owed", stan, exc.code)

    def reverse(self, request: AuthorizationRequest, *, reason: str) -> None:
        """Reverse ``request``: re-arm the reversal of an answered one, then send those owed."""
        with self._lock:
            last = self._answered
            if last is not None and last.key == request.stan:
                code = _REVERSAL_REASON.get(reason, "06")
                fields = reversal_fields(
                    last.fields, last.icc, reason=code, auth_code=last.auth_code
                )
                self.state.reversals.put(last.stan, fields)
                self.state.batch.remove(last.stan)
                self._answered = None
            self.send_reversals()

    def send_reversals(self) -> None:
        """Send every reversal owed, oldest first; raise the first HostError."""
        with self._lock:
            for stan in self.state.reversals.stans():
                fields = self.state.reversals.get(stan)
                if fields is None:
                    continue
                answer = self._send(fields, mak=self._mak())
                if answer.get("39") in _ACKNOWLEDGED:
                    self.state.reversals.remove(stan)
                    log.info("reversal of STAN %06d acknowledged", stan)
                else:
                    self.state.reversals.put(stan, fields | {"39": "06"})
                    raise HostError(
                        f"reversal of STAN {stan:06d} refused with {answer.get('39')!r}",
                        code="host.reversal_refused",
                    )

    # --- clearing and settlement ---------------------------------------------------------

    def advise(self, request: AuthorizationRequest) -> None:
        """Owe the 0320 of an offline approval (notes §5: 60.1 36, 8A = Y1), try to send it."""
        with self._lock:
            stan = self.state.next_stan()
            fields = purchase_fields(request, stan=stan, batch=self.batch)
            icc = _icc_hex(request.icc_data) + "8A02" + b"Y1".hex().upper()
            capability = fields["60"][11:12]
            fields |= {
                "t": "0320",
                "41": self.terminal_id,
                "42": self.merchant_id,
                "55": icc,
                "60": cups.Field60(_OFFLINE_UPLOAD, self.batch, "000", capability, "0").encode(),
                "63": "CUP",
            }
            self.state.advices.put(stan, fields)
            self._try(self.send_advices)

    def report_scripts(self, request: AuthorizationRequest, results: bytes) -> None:
        """Owe the 0620 script-result notification (60.3 951, DF31) and try to send it."""
        with self._lock:
            last = self._answered
            if last is None or last.key != request.stan:
                return
            stan = self.state.next_stan()
            icc = dict(request.icc_data) | {0xDF31: results}
            original = cups.Field60.decode(last.fields["60"])
            fields = {k: last.fields[k] for k in _SCRIPT_RESULT_REPEATS if k in last.fields}
            fields |= last.answer | {
                "t": "0620",
                "11": f"{stan:06d}",
                "55": _icc_hex(icc, SCRIPT_RESULT_TAGS),
                "60": cups.Field60(
                    "00", self.batch, "951", original.capability, original.condition
                ).encode(),
                "61": f"{original.batch:06d}{last.stan:06d}{_mmdd(last.icc)}",
            }
            self.state.advices.put(stan, fields)
            self._try(self.send_advices)

    def complete(self, request: AuthorizationRequest) -> None:
        """Keep the TC of the approval just answered in its batch record (notes §10: a
        batch upload carries the TC, 9F27 = 40, not the ARQC). Nothing is sent now."""
        with self._lock:
            last = self._answered
            if last is None or last.key != request.stan:
                return
            record = self.state.batch.get(last.stan)
            if record is not None:
                self.state.batch.put(last.stan, record | {"55": _icc_hex(request.icc_data)})

    def _try(self, send: Callable[[], None]) -> None:
        try:
            send()
        except HostError as exc:
            log.info("advices kept for later (%s)", exc.code)

    def send_advices(self) -> None:
        """Send every advice owed (0320 offline approvals, 0620 script results), oldest
        first; an acknowledged 0320 joins the batch. Raise the first HostError."""
        with self._lock:
            for stan in self.state.advices.stans():
                fields = self.state.advices.get(stan)
                if fields is None:
                    continue
                mak = self._mak()  # signs on first: 60.2 is the batch it goes up in
                fields["60"] = fields["60"][:2] + f"{self.batch:06d}" + fields["60"][8:]
                answer = self._send(fields, mak=mak)
                if answer.get("39") != "00":
                    raise HostError(
                        f"advice {stan:06d} refused with {answer.get('39')!r}",
                        code="host.advice_refused",
                    )
                if fields["t"] == "0320":
                    self.state.batch.put(stan, fields)
                self.state.advices.remove(stan)

    def settle(self, debits: Totals, credits: Totals = Totals()) -> Settlement:
        """Settle the batch (0500/0510, notes §11) with the terminal's own totals.

        Everything owed goes first. When the acquirer's totals differ, the batch is
        uploaded (one 0320 per transaction, 60.3 201, then a 0320 ending it, 60.3 202) and
        settled again. A settled batch is emptied and the batch number advanced.
        """
        with self._lock:
            self._mak()  # signed on: the batch number is the acquirer's
            self.send_reversals()
            self.send_advices()
            balanced = self._settle_once(debits, credits)
            uploaded = 0
            if not balanced:
                uploaded = self._batch_upload()
                balanced = self._settle_once(debits, credits)
            settled = Settlement(self.batch, balanced, uploaded, debits, credits)
            if balanced:
                for stan in self.state.batch.stans():
                    self.state.batch.remove(stan)
                self.batch = self.batch % 999_999 + 1
            log.info("settlement of batch %06d: %s", settled.batch, settled.result)
            return settled

    def _settle_once(self, debits: Totals, credits: Totals) -> bool:
        domestic = f"{debits.encode()}{credits.encode()}0"
        answer = self._send(
            {
                "t": "0500",
                "11": f"{self.state.next_stan():06d}",
                "41": self.terminal_id,
                "42": self.merchant_id,
                "48": domestic + "0" * 31,
                "49": "156",
                "60": cups.Field60("00", self.batch, "201").encode(),
                "63": "001",
            },
            mak=self._mak(),
        )
        if answer.get("39") != "00" or len(answer.get("48", "")) < 31:
            raise HostError(
                f"settlement refused with {answer.get('39')!r}", code="host.settlement_refused"
            )
        return answer["48"][30] == "1"

    def _batch_upload(self) -> int:
        stans = self.state.batch.stans()
        for stan in stans:
            record = self.state.batch.get(stan)
            if record is None:
                continue
            original = cups.Field60.decode(record["60"])
            # Notes §5, §11: an online IC record goes up as a TC upload (60.1 00), an
            # offline one keeps 36; each chip record alone, with 60.3 205 (not balanced).
            kind = _OFFLINE_UPLOAD if original.kind == _OFFLINE_UPLOAD else "00"
            fields = {k: v for k, v in record.items() if k != "64"}
            fields |= {
                "t": "0320",
                "11": f"{self.state.next_stan():06d}",
                "60": cups.Field60(
                    kind,
                    self.batch,
                    IC_UPLOAD_NOT_BALANCED,
                    original.capability,
                    original.condition,
                ).encode(),
                "61": f"{original.batch:06d}{stan:06d}",
            }
            self._send(fields, mak=self._mak())
        self._send(
            {
                "t": "0320",
                "11": f"{self.state.next_stan():06d}",
                "41": self.terminal_id,
                "42": self.merchant_id,
                "48": f"{len(stans):04d}",
                "60": cups.Field60("00", self.batch, "202").encode(),
            },
            mak=self._mak(),
        )
        return len(stans)

    # --- one exchange -------------------------------------------------------------------

    def _send(self, fields: dict[str, str], *, mak: bytes | None) -> dict[str, str]:
        """Send ``fields`` and return the checked answer's fields (MTI, echoes, MAC)."""
        body = cups.encode(dict(fields), mak, self.mac_scheme)
        reply = exchange(
            self.address,
            cups.Frame(self._tpdu, self._header, body),
            timeout_s=self.timeout_s,
        )
        answer = cups.decode(reply.body, mak, self.mac_scheme)
        expected_mti = f"{int(fields['t']) + 10:04d}"
        # Notes §5: 3, 11 and 41 echo the request, and 42 too in an approval.
        echoed = ("3", "11", "41", "42") if answer.get("39") == "00" else ("3", "11", "41")
        if answer.get("t") != expected_mti or any(
            answer.get(k) != fields.get(k) for k in echoed if k in fields
        ):
            raise HostError(
                f"the answer does not match the request (MTI {answer.get('t')!r})",
                code="host.mismatch",
            )
        return answer


def _response(answer: dict[str, str]) -> AuthorizationResponse:
    """The kernel's view of a 0210: 39, 91, the 71/72 templates, 37, 38."""
    try:
        items = tlv.decode(bytes.fromhex(answer.get("55", "")))
    except (CardError, ValueError) as exc:
        raise HostError("the answer's field 55 is not BER-TLV", code="host.malformed") from exc
    scripts = tuple(
        item.encode()
        for item in items
        if item.tag in (Tag.ISSUER_SCRIPT_TEMPLATE_1, Tag.ISSUER_SCRIPT_TEMPLATE_2)
    )
    return AuthorizationResponse(
        response_code=answer.get("39", ""),
        issuer_authentication_data=items.first(Tag.ISSUER_AUTHENTICATION_DATA) or b"",
        issuer_scripts=scripts,
        authorization_code=answer.get("38", "").strip(),
        retrieval_reference=answer.get("37", "").strip(),
    )


def client_from(
    url: str,
    *,
    tmk_file: Path,
    state_dir: Path,
    records: LinkRecords | None = None,
    terminal_id: str,
    merchant_id: str,
    timeout_s: float,
    mac_scheme: str = cups.MacScheme.ECB,
) -> AcquirerClient:
    """The client ``payment.host`` describes, its TMK from ``tmk_file`` (0600) and its MAC
    by ``mac_scheme`` (``payment.host_mac``)."""
    return AcquirerClient(
        parse_address(url),
        tmk=load_tmk(tmk_file),
        state=LinkState(state_dir, records),
        terminal_id=terminal_id,
        merchant_id=merchant_id,
        timeout_s=timeout_s,
        mac_scheme=cups.MacScheme(mac_scheme),
    )
