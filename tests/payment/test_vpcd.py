"""The vpcd bridge's wire protocol and presentation behaviour, against a loopback listener.

The listener speaks vpcd's side exactly as vsmartcard's driver does (2-byte length + payload,
1-byte control codes); the real driver is exercised in test_pcsc_stack.py.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from kiosk.payment.cardsim.scripted import DEFAULT_ATR, ScriptedCard
from kiosk.payment.cardsim.vpcd import BridgeOptions, VpcdBridge
from kiosk.payment.errors import ReaderUnavailableError

POWER_OFF, POWER_ON, RESET, GET_ATR = b"\x00", b"\x01", b"\x02", b"\x04"
GET_ATC = ("80CA9F3600", "9F360200069000")


class FakeVpcd:
    """vpcd's end of the socket: accepts the card, sends control codes and APDUs."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(5)
        self.port = self.server.getsockname()[1]
        self.conn: socket.socket | None = None

    def accept(self) -> None:
        self.conn, _ = self.server.accept()
        self.conn.settimeout(5)

    def send(self, payload: bytes) -> None:
        assert self.conn is not None
        self.conn.sendall(struct.pack(">H", len(payload)) + payload)

    def receive(self) -> bytes:
        assert self.conn is not None
        header = self.conn.recv(2, socket.MSG_WAITALL)
        if len(header) < 2:
            raise EOFError
        return self.conn.recv(struct.unpack(">H", header)[0], socket.MSG_WAITALL)

    def apdu(self, hex_command: str) -> str:
        self.send(bytes.fromhex(hex_command))
        return self.receive().hex().upper()

    def closed_by_card(self) -> bool:
        assert self.conn is not None
        return self.conn.recv(1) == b""

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.server.close()


@pytest.fixture
def vpcd() -> Iterator[FakeVpcd]:
    fake = FakeVpcd()
    yield fake
    fake.close()


@pytest.fixture
def run() -> Iterator[object]:
    """Run bridges' serve() in threads; teardown stops them and re-raises their errors."""
    bridges: list[tuple[VpcdBridge, Future[None]]] = []
    with ThreadPoolExecutor(max_workers=2) as pool:

        def start(bridge: VpcdBridge) -> Future[None]:
            future = pool.submit(bridge.serve)
            bridges.append((bridge, future))
            return future

        yield start
        for bridge, future in bridges:
            bridge.stop()
            future.result(timeout=5)


def test_control_codes_and_apdus(vpcd: FakeVpcd, run) -> None:
    """ATR on request (even before power-on), power on/reset/off reach the card, APDUs answered."""
    card = ScriptedCard([GET_ATC, GET_ATC])
    run(VpcdBridge(card, BridgeOptions(port=vpcd.port)))
    vpcd.accept()
    vpcd.send(GET_ATR)
    assert vpcd.receive() == DEFAULT_ATR
    vpcd.send(POWER_ON)
    vpcd.send(GET_ATR)
    assert vpcd.receive() == DEFAULT_ATR
    assert vpcd.apdu(GET_ATC[0]) == GET_ATC[1]
    vpcd.send(RESET)
    assert vpcd.apdu(GET_ATC[0]) == GET_ATC[1]
    vpcd.send(POWER_OFF)
    vpcd.send(GET_ATR)  # still inserted: pcscd polls presence this way
    assert vpcd.receive() == DEFAULT_ATR
    assert not card.powered
    card.assert_done()


def test_tap_leaves_after_the_transaction(vpcd: FakeVpcd, run) -> None:
    """With tap, idle power cycles keep the card; the power-off after APDUs removes it."""
    card = ScriptedCard([GET_ATC])
    future = run(VpcdBridge(card, BridgeOptions(port=vpcd.port, tap=True)))
    vpcd.accept()
    vpcd.send(POWER_ON)
    vpcd.send(POWER_OFF)  # pcscd powering an unused card down: not the end of the tap
    vpcd.send(POWER_ON)
    assert vpcd.apdu(GET_ATC[0]) == GET_ATC[1]
    vpcd.send(POWER_OFF)
    assert vpcd.closed_by_card()
    future.result(timeout=5)  # serve() returned by itself


def test_remove_after_n_apdus(vpcd: FakeVpcd, run) -> None:
    """remove_after=2 answers two APDUs and closes the connection right after the second."""
    card = ScriptedCard([GET_ATC, GET_ATC])
    bridge = VpcdBridge(card, BridgeOptions(port=vpcd.port, remove_after=2))
    future = run(bridge)
    vpcd.accept()
    vpcd.send(POWER_ON)
    assert vpcd.apdu(GET_ATC[0]) == GET_ATC[1]
    assert vpcd.apdu(GET_ATC[0]) == GET_ATC[1]
    assert vpcd.closed_by_card()
    future.result(timeout=5)
    assert bridge.apdus == 2 and not card.powered


def test_repeat_presents_the_card_again(vpcd: FakeVpcd, run) -> None:
    """With repeat, a removed card comes back after the pause, as the next customer's tap."""
    card = ScriptedCard([GET_ATC, GET_ATC])
    bridge = VpcdBridge(
        card, BridgeOptions(port=vpcd.port, remove_after=1, repeat=True, pause=0.05)
    )
    run(bridge)
    for _ in range(2):
        vpcd.accept()
        vpcd.send(POWER_ON)
        assert vpcd.apdu(GET_ATC[0]) == GET_ATC[1]
        assert vpcd.closed_by_card()
    assert bridge.presentations >= 2


def test_reconnects_when_vpcd_goes_away(vpcd: FakeVpcd, run) -> None:
    """A long-running server survives pcscd restarting: it connects again."""
    bridge = VpcdBridge(ScriptedCard([]), BridgeOptions(port=vpcd.port, pause=0.05))
    run(bridge)
    vpcd.accept()
    assert vpcd.conn is not None
    vpcd.conn.close()
    vpcd.accept()
    vpcd.send(GET_ATR)
    assert vpcd.receive() == DEFAULT_ATR
    assert bridge.presentations == 2


def test_stop_removes_the_card(vpcd: FakeVpcd) -> None:
    """stop() from another thread (the signal handler's job) ends serve() and closes the socket."""
    card = ScriptedCard([])
    bridge = VpcdBridge(card, BridgeOptions(port=vpcd.port))
    thread = threading.Thread(target=bridge.serve)
    thread.start()
    vpcd.accept()
    vpcd.send(POWER_ON)
    vpcd.send(GET_ATR)
    vpcd.receive()
    bridge.stop()
    thread.join(5)
    assert not thread.is_alive()
    assert vpcd.closed_by_card()
    assert not card.powered


def test_card_failure_propagates(vpcd: FakeVpcd) -> None:
    """A ScriptedCard's assertion is not swallowed: the card leaves and serve() raises it."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(
            VpcdBridge(ScriptedCard([GET_ATC]), BridgeOptions(port=vpcd.port)).serve
        )
        vpcd.accept()
        vpcd.send(bytes.fromhex("00B2010C00"))
        assert vpcd.closed_by_card()
        with pytest.raises(AssertionError, match="expected 80CA9F3600"):
            future.result(timeout=5)


def test_unreachable_vpcd_is_a_typed_error() -> None:
    """Nothing listening: ReaderUnavailableError with code cardsim.vpcd_unreachable."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    with pytest.raises(ReaderUnavailableError) as info:
        VpcdBridge(ScriptedCard([]), BridgeOptions(port=port)).serve()
    assert info.value.code == "cardsim.vpcd_unreachable"
    assert info.value.context["port"] == port
