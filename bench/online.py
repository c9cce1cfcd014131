"""Median cost of the online and recovery paths, printed with a baseline from the same run.

In-process (the software card behind the in-process reader, SQLite in a temporary file):

- issuer simulator: one ``authorize`` of a genuine ARQC (key derivation, ARQC check,
  ARPC), and the baseline: deriving the session key alone;
- acquirer link: one online purchase round trip (0200/0210, MACs, durable STAN and owed
  reversal) over loopback to ``kiosk host-sim``, beside a bare TCP echo of the same bytes
  on a fresh connection each (the client's pattern); and the purchases per second one
  client sustains back to back;
- card log: ``read_card_log`` of a card with a full 10-entry log (APDUs and time);
- recovery: ``resolve_with_card`` settling one uncertain payment (log, identity, journal);
- baseline for both: one GET DATA through the same reader.
"""

from __future__ import annotations

import datetime as dt
import socketserver
import statistics
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

from _timing import median_ms

from kiosk.checkout.recovery import resolve_with_card
from kiosk.journal.models import Order, OrderStatus, Payment, PaymentState
from kiosk.journal.store import JournalStore
from kiosk.payment.capk import CaKeyStore
from kiosk.payment.cardlog import read_card_log
from kiosk.payment.cardsim.base import VirtualCard
from kiosk.payment.cardsim.keys import load_issuer
from kiosk.payment.cardsim.profiles import load_card
from kiosk.payment.crypto import derive_icc_master_key, derive_session_key
from kiosk.payment.host import cups
from kiosk.payment.host.acquirer import AcquirerClient, purchase_fields
from kiosk.payment.host.base import AuthorizationRequest
from kiosk.payment.host.host_sim import HostSimulator
from kiosk.payment.host.issuer_sim import IssuerSimulator
from kiosk.payment.host.keys import write_tmk
from kiosk.payment.host.link_state import LinkState
from kiosk.payment.host.wire import exchange, read_frame
from kiosk.payment.kernel import TerminalConfig, TransactionParams, run_transaction
from kiosk.payment.kernel.pan import mask_pan, pan_digits, pan_token
from kiosk.payment.reader.sim import SimReader

ROUNDS = 200
KEY = TerminalConfig().pan_token_key


def _connected(card: VirtualCard) -> SimReader:
    reader = SimReader(card)
    reader.wait_for_card(0)
    return reader


def _card_with_full_log() -> VirtualCard:
    card = load_card("debit-ec")
    capk = CaKeyStore.load(allow_test_keys=True)
    when = dt.datetime.now().astimezone()
    for _ in range(10):
        reader = _connected(card)
        run_transaction(
            reader,
            reader.wait_for_card(0),
            TransactionParams(100, when),
            TerminalConfig(),
            capk=capk,
        )
    return card


def _genuine_request() -> AuthorizationRequest:
    """The request the kernel makes for a real ARQC of the software credit card."""
    captured = []

    class Capture(IssuerSimulator):
        def authorize(self, request):  # type: ignore[no-untyped-def]
            captured.append(request)
            return super().authorize(request)

    reader = _connected(load_card("credit"))
    run_transaction(
        reader,
        reader.wait_for_card(0),
        TransactionParams(45_600, dt.datetime.now().astimezone()),
        TerminalConfig(),
        capk=CaKeyStore.load(allow_test_keys=True),
        host=Capture(),
    )
    return captured[0]


def bench_issuer() -> None:
    host = IssuerSimulator()
    request = _genuine_request()
    stans = iter(range(10, 10**6))
    issuer = load_issuer()
    atc = request.icc_data[0x9F36]

    def derive() -> bytes:
        mk = derive_icc_master_key(issuer.imk_ac, request.pan, request.psn)
        return derive_session_key(mk, atc)

    authorize = median_ms(lambda: host.authorize(replace(request, stan=next(stans))), ROUNDS)
    baseline = median_ms(derive, ROUNDS)
    print(f"issuer authorize (ARQC check + ARPC): median {authorize:.3f} ms")
    print(f"  baseline, session key derivation:   median {baseline:.3f} ms")


class _Echo(socketserver.BaseRequestHandler):
    """Reads one frame and writes back ``reply`` bytes: the network floor of a round trip."""

    reply = b""

    def handle(self) -> None:
        read_frame(self.request)
        self.request.sendall(self.reply)


def bench_acquirer() -> None:
    request = _genuine_request()
    with tempfile.TemporaryDirectory() as tmp:
        tmk = write_tmk(Path(tmp) / "tmk")
        sim = HostSimulator(tmk=tmk, issuer=IssuerSimulator(default_balance_fen=10**12)).start()
        client = AcquirerClient(
            sim.address,
            tmk=tmk,
            state=LinkState(Path(tmp) / "acquirer"),
            terminal_id="BENCH001",
            merchant_id="898000000000001",
        )
        keys = iter(range(10**6))
        purchase = median_ms(lambda: client.authorize(replace(request, stan=next(keys))), ROUNDS)
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < 2.0:
            client.authorize(replace(request, stan=next(keys)))
            count += 1
        rate = count / (time.perf_counter() - start)
        sent = cups.frame(
            cups.Frame(
                cups.TPDU, cups.HEADER, cups.encode(purchase_fields(request, stan=1, batch=1))
            )
        )
        _Echo.reply = sent
        echo = socketserver.TCPServer(("127.0.0.1", 0), _Echo)
        threading.Thread(target=echo.serve_forever, daemon=True).start()
        bare = median_ms(
            lambda: exchange(echo.server_address[:2], cups.unframe(sent[2:]), timeout_s=5), ROUNDS
        )
        echo.shutdown()
        sim.close()
    print(f"online purchase 0200/0210 to host-sim: median {purchase:.3f} ms, {rate:.0f} per s")
    print(f"  baseline, TCP echo of the same frame: median {bare:.3f} ms")


def bench_card_log() -> None:
    card = _card_with_full_log()
    reader = _connected(card)
    before = len(reader.trace.entries)
    log = read_card_log(reader)
    apdus = len(reader.trace.entries) - before
    assert len(log.entries) == 10
    read = median_ms(lambda: read_card_log(reader), ROUNDS)
    get_data = median_ms(lambda: reader.transmit(bytes.fromhex("80CA9F7900")), ROUNDS)
    print(f"read_card_log, 10 entries: {apdus} APDUs, median {read:.3f} ms")
    print(f"  baseline, one GET DATA:  median {get_data:.3f} ms")


def bench_recovery() -> None:
    card = _card_with_full_log()
    reader = _connected(card)
    values = {0x5A: bytes.fromhex("6212340000000019"), 0x5F34: b"\x01"}
    token, masked = pan_token(KEY, values), mask_pan(pan_digits(values))
    log = read_card_log(reader)
    newest = log.entries[0]
    assert newest.when is not None
    committed = newest.when.astimezone()
    with tempfile.TemporaryDirectory() as tmp:
        store = JournalStore(f"sqlite:///{Path(tmp) / 'journal.db'}", "BENCH001")
        samples = []
        for i in range(50):
            with store.transaction(now=committed) as tx:
                order = Order(
                    terminal_id=tx.terminal_id,
                    reference=f"B{i:08d}",
                    mode="market",
                    status=OrderStatus.OPEN,
                    created_at=tx.now,
                    subtotal_fen=100,
                    total_fen=100,
                )
                order.payments = [
                    Payment(
                        terminal_id=tx.terminal_id,
                        state=PaymentState.UNCERTAIN,
                        amount_fen=100,
                        created_at=tx.now,
                        updated_at=tx.now,
                        card_committed_at=tx.now,
                        pan_token=token,
                        pan_masked=masked,
                        atc=newest.atc,
                        interface="contact",
                    )
                ]
                tx.session.add(order)
            start = time.perf_counter()
            [res] = resolve_with_card(store, reader, reader.wait_for_card(0), token_key=KEY)
            samples.append(time.perf_counter() - start)
            assert res.state is PaymentState.APPROVED
            with store.transaction() as tx:  # free the entry for the next round
                tx.session.get(Payment, res.payment_id).atc = None  # type: ignore[union-attr]
                tx.session.get(Payment, res.payment_id).pan_token = ""  # type: ignore[union-attr]
        store.dispose()
    print(f"resolve_with_card, one payment: median {statistics.median(samples) * 1e3:.3f} ms")


if __name__ == "__main__":
    bench_issuer()
    bench_acquirer()
    bench_card_log()
    bench_recovery()
