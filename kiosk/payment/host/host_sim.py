"""``kiosk host-sim``: an acquirer and issuer over TCP, speaking the terminal's dialect.

It stands where the acquirer's front end would be, for tests, demos and the benchmark:

- sign-on (0800): fresh working keys for the terminal, sealed under the shared TMK
  (:func:`~.keys.seal_key_block`), and the batch number;
- purchase (0200): the MAC checked with the terminal's MAK (``A0`` when it fails), then
  the in-process :class:`~.issuer_sim.IssuerSimulator` decides on the ARQC with the
  issuer master keys of the simulator's cards and answers tag 91 (ARPC) and its scripts
  in field 55 with the response code (00, 51, 05, 62, 13, 30, ...);
- reversal (0400): undone in the issuer's ledger (idempotent by STAN);
- advices and batch upload (0220, 0320), script results (0620), echo (0820): recorded
  and acknowledged; settlement (0500): its totals compared with what was received.

Everything received is kept in :attr:`HostSimulator.received` (PAN masked) and, with
``--record FILE``, appended to a JSON-lines file. :meth:`HostSimulator.set_fault` makes
it misbehave on chosen message types: delay, drop (book and never answer), disconnect
(book and close), answer garbage, or answer with a bad MAC.

One issuer ledger keyed by STAN serves every terminal: a simulator, not a switch.
"""

from __future__ import annotations

import argparse
import contextlib
import enum
import json
import logging
import os
import secrets
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kiosk.cli_support import host_port
from kiosk.payment import tlv
from kiosk.payment.errors import HostError
from kiosk.payment.host import cups
from kiosk.payment.host.base import EC_CASH_LOAD, AuthorizationRequest
from kiosk.payment.host.issuer_sim import IssuerSimulator, LedgerState
from kiosk.payment.host.keys import WorkingKeys, load_tmk, seal_key_block
from kiosk.payment.host.wire import read_frame
from kiosk.payment.kernel.pan import mask_pan
from kiosk.payment.tags import Tag

log = logging.getLogger(__name__)

__all__ = ["Fault", "HostSimulator", "register"]


class Fault(enum.StrEnum):
    """How the simulator misbehaves on the message types it is told."""

    NONE = "none"
    DELAY = "delay"  # answer after ``delay_s``
    DROP = "drop"  # book, never answer (the connection stays open until the client gives up)
    DISCONNECT = "disconnect"  # book, close without answering
    GARBAGE = "garbage"  # a frame whose body is random bytes
    BAD_MAC = "bad-mac"  # a proper answer with a wrong field 64


@dataclass
class _FaultPlan:
    fault: Fault = Fault.NONE
    mtis: frozenset[str] = frozenset({"0200"})
    times: int | None = None
    delay_s: float = 0.0


def _masked(fields: dict[str, str]) -> dict[str, str]:
    out = dict(fields)
    if "2" in out:
        out["2"] = mask_pan(out["2"])
    out.pop("35", None)
    out.pop("36", None)
    return out


class HostSimulator:
    """See the module docstring. ``start`` serves on a thread; ``serve_forever`` blocks."""

    def __init__(
        self,
        *,
        tmk: bytes,
        issuer: IssuerSimulator | None = None,
        listen: tuple[str, int] = ("127.0.0.1", 0),
        record: Path | None = None,
        mac_scheme: cups.MacScheme = cups.MacScheme.ECB,
    ) -> None:
        self.issuer = issuer or IssuerSimulator()
        self._tmk, self.mac_scheme = tmk, mac_scheme
        self._keys: dict[str, WorkingKeys] = {}
        self.batch = 1
        self.received: list[dict[str, str]] = []
        #: Offline approvals cleared here: (amount, batch) by TC (hex).
        self.offline: dict[str, tuple[int, int]] = {}
        self._batch_of: dict[int, int] = {}
        self._record = record
        self._plan = _FaultPlan()
        self._lock = threading.Lock()
        self._rrn = 0
        sim = self

        class _Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                sim._serve_connection(self.request)

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(listen, _Handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        return f"iso8583://{self.address[0]}:{self.address[1]}"

    def start(self) -> HostSimulator:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def set_fault(
        self,
        fault: Fault,
        *,
        mtis: tuple[str, ...] = ("0200",),
        times: int | None = None,
        delay_s: float = 0.0,
    ) -> None:
        """Misbehave with ``fault`` on ``mtis``, ``times`` times (None: until told otherwise)."""
        with self._lock:
            self._plan = _FaultPlan(fault, frozenset(mtis), times, delay_s)

    def of_type(self, mti: str) -> list[dict[str, str]]:
        """The messages received with MTI ``mti``, in order."""
        with self._lock:
            return [m for m in self.received if m.get("t") == mti]

    # --- the connection -----------------------------------------------------------------

    def _serve_connection(self, sock: socket.socket) -> None:
        sock.settimeout(30)
        try:
            request = read_frame(sock)
        except (HostError, OSError):
            return
        fault = self._take_fault(request.body)
        reply = self._answer(request, fault)
        if fault is Fault.DROP:
            with contextlib.suppress(OSError):
                sock.recv(1)  # hold the line until the terminal gives up
            return
        if fault is Fault.DISCONNECT or reply is None:
            return
        if fault is Fault.DELAY:
            time.sleep(self._plan.delay_s)
        with contextlib.suppress(OSError):
            sock.sendall(cups.frame(reply))

    def _take_fault(self, body: bytes) -> Fault:
        mti = body[:2].hex()
        with self._lock:
            plan = self._plan
            if plan.fault is Fault.NONE or mti not in plan.mtis or plan.times == 0:
                return Fault.NONE
            if plan.times is not None:
                plan.times -= 1
            return plan.fault

    def _answer(self, request: cups.Frame, fault: Fault) -> cups.Frame | None:
        mti = request.body[:2].hex()
        try:
            fields = cups.decode(request.body)
        except HostError:
            log.warning("host-sim: undecodable %s", mti)
            return None
        terminal = fields.get("41", "")
        keys = self._keys.get(terminal)
        mac_ok = mti == "0800" or (
            keys is not None and _mac_ok(request.body, fields, keys.mak, self.mac_scheme)
        )
        self._remember(fields, mac_ok)
        answer = self._handle(fields) if mac_ok else self._echo(fields) | {"39": "A0"}
        keys = None if answer["t"] == "0810" else self._keys.get(terminal)
        mak = None if keys is None else keys.mak
        if fault is Fault.GARBAGE:
            return request.reply(secrets.token_bytes(24))
        body = cups.encode(answer, mak, self.mac_scheme)
        if fault is Fault.BAD_MAC and mak is not None:
            body = body[:-1] + bytes([body[-1] ^ 0x01])
        return request.reply(body)

    def _remember(self, fields: dict[str, str], mac_ok: bool) -> None:
        entry = _masked(fields) | {"mac_ok": "1" if mac_ok else "0"}
        with self._lock:
            self.received.append(entry)
            if self._record is not None:
                with self._record.open("a", encoding="utf-8") as f:
                    f.write(json.dumps(entry, sort_keys=True) + "\n")

    # --- the messages ---------------------------------------------------------------------

    @staticmethod
    def _echo(fields: dict[str, str]) -> dict[str, str]:
        keep = ("2", "3", "4", "11", "22", "23", "25", "41", "42", "49", "60")
        answer = {k: fields[k] for k in keep if k in fields}
        answer["t"] = f"{int(fields['t']) + 10:04d}"
        return answer

    def _handle(self, fields: dict[str, str]) -> dict[str, str]:
        mti = fields["t"]
        answer = self._echo(fields)
        answer.pop("2", None)
        now = datetime.now()
        answer |= {"12": now.strftime("%H%M%S"), "13": now.strftime("%m%d")}
        handlers: dict[str, Callable[[dict[str, str]], dict[str, str]]] = {
            "0800": self._sign_on,
            "0200": self._authorize,
            "0400": self._reverse,
            "0500": self._settle,
            "0320": self._clear_offline,
            "0220": _acknowledge,
            "0620": _acknowledge,
            "0820": _acknowledge,
        }
        handler = handlers.get(mti)
        return answer | (handler(fields) if handler else {"39": "12"})

    def _reverse(self, fields: dict[str, str]) -> dict[str, str]:
        self.issuer.reverse(_request(fields), reason=fields.get("39", ""))
        return {"39": "00"}

    def _sign_on(self, fields: dict[str, str]) -> dict[str, str]:
        keys = WorkingKeys(pik=secrets.token_bytes(16), mak=secrets.token_bytes(8))
        self._keys[fields.get("41", "")] = keys
        return {
            "32": "00085500",
            "37": self._next_rrn(),
            "39": "00",
            "60": cups.Field60("00", self.batch, "003").encode(),
            "62": seal_key_block(self._tmk, keys).hex().upper(),
        }

    def _next_rrn(self) -> str:
        with self._lock:
            self._rrn += 1
            return f"{self._rrn:012d}"

    def _authorize(self, fields: dict[str, str]) -> dict[str, str]:
        with self._lock:
            self._batch_of[int(fields["11"])] = _batch(fields)
        try:
            response = self.issuer.authorize(_request(fields))
        except (HostError, ValueError, KeyError):
            return {"39": "30"}
        icc = b""
        if response.issuer_authentication_data:
            icc += tlv.encode(Tag.ISSUER_AUTHENTICATION_DATA, response.issuer_authentication_data)
        icc += b"".join(response.issuer_scripts)
        rrn = response.retrieval_reference or self._next_rrn()
        answer = {"37": rrn, "39": response.response_code}
        if response.authorization_code:
            answer["38"] = response.authorization_code
        if icc:
            answer["55"] = icc.hex().upper()
        return answer

    def _clear_offline(self, fields: dict[str, str]) -> dict[str, str]:
        """An offline approval (60.1 36), advised or in a batch upload: cleared once, by TC."""
        if fields.get("60", "")[:2] == "36":
            icc = tlv.decode(bytes.fromhex(fields.get("55", "")))
            tc = icc.first(Tag.APPLICATION_CRYPTOGRAM) or b""
            with self._lock:
                self.offline[tc.hex()] = (int(fields.get("4", "0")), _batch(fields))
        return {"39": "00"}

    def totals(self, batch: int | None = None) -> tuple[int, int]:
        """Amount and count of what this acquirer clears (in ``batch``, or all): online
        approvals not reversed, and the offline approvals it was told of."""
        with self._lock:
            batches = dict(self._batch_of)
            offline = [a for a, b in self.offline.values() if batch in (None, b)]
        ledger = [
            e.amount_fen
            for e in self.issuer.ledger
            if e.state is LedgerState.APPROVED
            and e.amount_fen  # an EC cash load: paid at the counter, not a card debit
            and batch in (None, batches.get(e.stan))
        ]
        return sum(ledger) + sum(offline), len(ledger) + len(offline)

    def _settle(self, fields: dict[str, str]) -> dict[str, str]:
        """Compare the terminal's debit totals (48) with :meth:`totals`."""
        totals = fields.get("48", "")
        amount, count = self.totals(_batch(fields))
        balanced = totals[:15] == f"{amount:012d}{count:03d}"
        if balanced:  # the next batch starts; a sign-on now hands out its number
            with self._lock:
                self.batch = max(self.batch, _batch(fields) + 1)
        result = "1" if balanced else "2"
        return {"39": "00", "48": totals[:30] + result + totals[31:]}


def _batch(fields: dict[str, str]) -> int:
    """60.2, the batch number (0 when field 60 is missing or short)."""
    digits = fields.get("60", "")
    return int(digits[2:8]) if len(digits) >= 8 and digits[2:8].isdigit() else 0


def _acknowledge(_: dict[str, str]) -> dict[str, str]:
    return {"39": "00"}


def _mac_ok(body: bytes, fields: dict[str, str], mak: bytes, scheme: cups.MacScheme) -> bool:
    return "64" in fields and bytes.fromhex(fields["64"]) == cups.mac(mak, body[:-8], scheme)


def _request(fields: dict[str, str]) -> AuthorizationRequest:
    """The issuer's view of a 0200/0400: amount, PAN and PSN, field 55, STAN."""
    icc = tlv.decode(bytes.fromhex(fields.get("55", ""))).to_dict()
    return AuthorizationRequest(
        amount_fen=int(fields.get("4", "0")),
        currency=fields.get("49", "156"),
        when=datetime.now(),
        pan=fields["2"],
        psn=fields.get("23", "000")[-2:],
        icc_data=icc,
        terminal_id=fields.get("41", ""),
        merchant_id=fields.get("42", ""),
        stan=int(fields["11"]),
        transaction_type=EC_CASH_LOAD if fields.get("3") == "630000" else 0x00,
    )


# --- the command ----------------------------------------------------------------------------


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "host-sim",
        help="acquirer + issuer simulator over ISO 8583/TCP (for tests and demos)",
        description="Serve the CUPS POS dialect: sign-on, purchase, reversal, advices, "
        "settlement; the issuer decides with the simulator cards' keys.",
    )
    parser.add_argument("--listen", metavar="HOST:PORT", type=host_port, required=True)
    parser.add_argument("--tmk", metavar="FILE", type=Path, required=True, help="TMK file (0600)")
    parser.add_argument("--record", metavar="FILE", type=Path, help="append what it receives")
    parser.add_argument("--fault", choices=[f.value for f in Fault], default="none")
    parser.add_argument("--fault-on", metavar="MTI", action="append", help="default: 0200")
    parser.add_argument("--delay", metavar="SECONDS", type=float, default=0.0)
    parser.add_argument("--balance", metavar="FEN", type=int, help="each card's account")
    parser.add_argument(
        "--mac",
        choices=[m.value for m in cups.MacScheme],
        default=cups.MacScheme.ECB.value,
        help="MAC scheme (the terminal's payment.host_mac)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    issuer = IssuerSimulator(default_balance_fen=args.balance) if args.balance is not None else None
    sim = HostSimulator(
        tmk=load_tmk(args.tmk),
        issuer=issuer,
        listen=args.listen,
        record=args.record,
        mac_scheme=cups.MacScheme(args.mac),
    )
    sim.set_fault(Fault(args.fault), mtis=tuple(args.fault_on or ("0200",)), delay_s=args.delay)
    print(f"host-sim listening on {sim.url}", flush=True)
    log.info("host-sim pid %d on %s", os.getpid(), sim.url)
    with contextlib.suppress(KeyboardInterrupt):
        sim.serve_forever()
    return 0
