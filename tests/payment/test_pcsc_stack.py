"""The reader layer through the real PC/SC stack: pcscd + vsmartcard's vpcd + pyscard.

Cards are served by the real ``kiosk card-sim`` command (recorded sessions) or, where the test
needs the card's verdict, by a vpcd bridge thread around a ScriptedCard.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.payment.cardsim.scripted import ScriptedCard
from kiosk.payment.cardsim.vpcd import BridgeOptions, VpcdBridge
from kiosk.payment.errors import (
    CardRemovedError,
    CardTimeoutError,
    ReaderError,
    ReaderUnavailableError,
)
from kiosk.payment.reader import Interface
from kiosk.payment.reader.pcsc import PcscReader

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
SLOT = "Virtual PCD 00 00"
CardSim = Callable[..., subprocess.Popen[str]]
ServeCard = Callable[..., Any]

pytestmark = pytest.mark.pcsc

QPBOC = DATA / "qpboc_trace.json"
UPI = DATA / "upi_contact_trace.json"
SELECT_PPSE = bytes.fromhex("00A404000E325041592E5359532E444446303100")


def _pairs(path: Path) -> list[tuple[bytes, bytes]]:
    return [(bytes.fromhex(p["c"]), bytes.fromhex(p["r"])) for p in json.loads(path.read_text())]


@pytest.fixture
def reader(wait_slot: Callable[..., None]) -> Iterator[PcscReader]:
    r = PcscReader(SLOT)
    yield r
    r.close()


def test_card_sim_trace_answers_ppse(card_sim: CardSim, reader: PcscReader) -> None:
    """`kiosk card-sim --trace` shows a card in Virtual PCD 00 00 that answers SELECT PPSE."""
    card_sim("--trace", str(QPBOC))
    presence = reader.wait_for_card(5)
    assert presence.reader == SLOT and presence.interface is Interface.CONTACT
    response = reader.transmit(SELECT_PPSE)
    assert response.ok
    assert bytes(response) == _pairs(QPBOC)[0][1]
    assert bytes.fromhex("4F08A000000333010101") in response.data
    assert reader.card_present()


def test_card_sim_atr_makes_a_contactless_card(card_sim: CardSim, reader: PcscReader) -> None:
    """--atr with the PC/SC contactless ATR: the reader reports the card as contactless."""
    card_sim("--trace", str(QPBOC), "--atr", "3B8880010000000000718100F9")
    presence = reader.wait_for_card(5)
    assert presence.interface is Interface.CONTACTLESS
    assert presence.atr == bytes.fromhex("3B8880010000000000718100F9")


def test_recorded_contact_session_replays_end_to_end(card_sim: CardSim, reader: PcscReader) -> None:
    """All 22 commands of the UnionPay contact recording get their recorded answers over PC/SC."""
    card_sim("--trace", str(UPI))
    reader.wait_for_card(5)
    pairs = _pairs(UPI)
    answered = [bytes(reader.transmit(command)) == response for command, response in pairs]
    assert answered == [True] * len(pairs)
    assert "6210948000000011" not in reader.trace.text()  # the real card's PAN stays masked


def test_tap_removes_the_card_after_the_transaction(
    card_sim: CardSim, reader: PcscReader, wait_slot: Callable[..., None]
) -> None:
    """With --tap the card leaves when the terminal powers it off, and card-sim exits 0."""
    proc = card_sim("--trace", str(QPBOC), "--tap")
    reader.wait_for_card(5)
    assert reader.transmit(SELECT_PPSE).ok
    reader.disconnect()
    assert proc.wait(timeout=10) == 0
    wait_slot(present=False)
    assert not reader.card_present()
    with pytest.raises(CardTimeoutError):
        reader.wait_for_card(0.3)


def test_card_removed_mid_exchange(card_sim: CardSim, reader: PcscReader) -> None:
    """--remove-after 3: three commands answered, the fourth raises CardRemovedError."""
    card_sim("--trace", str(UPI), "--remove-after", "3")
    reader.wait_for_card(5)
    pairs = _pairs(UPI)
    for command, response in pairs[:3]:
        assert bytes(reader.transmit(command)) == response
    with pytest.raises(CardRemovedError) as info:
        reader.transmit(pairs[3][0])
    assert info.value.code == "reader.card_removed"
    with pytest.raises(Exception, match="transmit before wait_for_card"):
        reader.transmit(pairs[3][0])  # the session is over until a card is presented again


def test_timeout_waiting_for_a_card(
    pcscd: str, reader: PcscReader, wait_slot: Callable[..., None]
) -> None:
    """An empty slot: CardTimeoutError after (not before) the timeout."""
    wait_slot(present=False)
    start = time.monotonic()
    with pytest.raises(CardTimeoutError) as info:
        reader.wait_for_card(0.4)
    assert 0.35 <= time.monotonic() - start < 3
    assert info.value.code == "reader.timeout"


def test_cancel_ends_the_wait(
    pcscd: str, reader: PcscReader, wait_slot: Callable[..., None]
) -> None:
    """cancel() from another thread stops a long wait with ReaderError reader.cancelled."""
    wait_slot(present=False)
    reader.readers()  # establish the context the cancel will target
    threading.Timer(0.2, reader.cancel).start()
    start = time.monotonic()
    with pytest.raises(ReaderError) as info:
        reader.wait_for_card(10)
    assert info.value.code == "reader.cancelled"
    assert time.monotonic() - start < 5


def test_absent_reader_is_unavailable(pcscd: str) -> None:
    """A configured reader that is not plugged in: ReaderUnavailableError listing what is."""
    reader = PcscReader("ACS ACR1252 Dual Reader PICC 00 00")
    with pytest.raises(ReaderUnavailableError) as info:
        reader.wait_for_card(1)
    assert SLOT in info.value.context["available"]


def test_reader_vanishing_while_waited_on(pcscd: str) -> None:
    """A reader gone between listing and waiting (unplugged): ReaderUnavailableError.

    vpcd's slots cannot be unplugged, so the status query is asked about a name pcscd does not
    know, which is what it sees after an unplug.
    """
    reader = PcscReader(SLOT)
    with pytest.raises(ReaderUnavailableError):
        reader._state("ACS ACR1252 Dual Reader PICC 00 00", 0, 0)
    reader.close()


def test_pcscd_not_running_is_unavailable(tmp_path: Path) -> None:
    """No pcscd at the socket: ReaderUnavailableError (checked in a process of its own)."""
    script = (
        "from kiosk.payment.reader.pcsc import PcscReader\n"
        "from kiosk.payment.errors import ReaderError\n"
        "try:\n"
        "    PcscReader().wait_for_card(1)\n"
        "except ReaderError as exc:\n"
        "    print(type(exc).__name__, exc.code)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "PCSCLITE_CSOCK_NAME": str(tmp_path / "none")}
    out = subprocess.run(
        [sys.executable, "-c", script],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.stdout.split() == ["ReaderUnavailableError", "reader.unavailable"], out.stderr


T1_ATR = bytes.fromhex("3BE000008131FE45EB")
T0_ATR = bytes.fromhex("3B021450")  # no TD1: T=0 only
SELECT_AID = "00A4040008A00000033301010100"
FCI = "6F0E8408A000000333010101A5025000"


@pytest.mark.parametrize(
    ("atr", "script"),
    [
        (
            T1_ATR,
            [
                (SELECT_AID, "6108"),
                ("00C0000008", FCI[:16] + "6108"),
                ("00C0000008", FCI[16:] + "9000"),
                ("00B2010C00", "6C05"),
                ("00B2010C05", "70035A01629000"),
            ],
        ),
        (
            T0_ATR,
            [
                (SELECT_AID[:-2], "6110"),  # T=0 case 4 goes out without Le
                ("00C0000010", FCI + "9000"),
                ("00B2010C00", "6C05"),
                ("00B2010C05", "70035A01629000"),
            ],
        ),
    ],
    ids=["t1-61xx-chain-and-6cxx", "t0-case4-and-6cxx"],
)
def test_chaining_through_pcscd(
    serve_card: ServeCard, reader: PcscReader, atr: bytes, script: list[tuple[str, str]]
) -> None:
    """61xx and 6Cxx are handled over the real stack, under the protocol the ATR negotiates."""
    card = ScriptedCard(script, atr=atr)
    serve_card(card)
    assert reader.wait_for_card(5).atr == atr
    select = reader.transmit(bytes.fromhex(SELECT_AID))
    assert (select.data.hex().upper(), select.sw) == (FCI, 0x9000)
    record = reader.transmit(bytes.fromhex("00B2010C00"))
    assert (record.data.hex().upper(), record.sw) == ("70035A0162", 0x9000)
    card.assert_done()


@pytest.mark.parametrize(
    ("atr", "override", "expected"),
    [
        ("3B8880010000000000718100F9", None, Interface.CONTACTLESS),
        ("3BE000008131FE45EB", None, Interface.CONTACT),
        ("3BE000008131FE45EB", Interface.CONTACTLESS, Interface.CONTACTLESS),
    ],
    ids=["contactless-atr", "contact-atr", "overridden"],
)
def test_interface_reported(
    serve_card: ServeCard, atr: str, override: Interface | None, expected: Interface
) -> None:
    """The interface comes from the ATR PC/SC builds for contactless cards, or the override."""
    serve_card(ScriptedCard([], atr=bytes.fromhex(atr)))
    reader = PcscReader(SLOT, interface=override)
    try:
        assert reader.wait_for_card(5).interface is expected
    finally:
        reader.close()


CLIENT = """
import sys
from kiosk.payment.reader.pcsc import PcscReader
from kiosk.payment.errors import ReaderError
reader = PcscReader("Virtual PCD 00 00")
reader.wait_for_card(10)
print("ready", reader.transmit(bytes.fromhex("80CA9F3600")).data.hex(), flush=True)
sys.stdin.readline()  # pcscd is stopped now
for step in (lambda: reader.transmit(bytes.fromhex("80CA9F3600")), lambda: reader.wait_for_card(1)):
    try:
        step()
        print("no error", flush=True)
    except ReaderError as exc:
        print(type(exc).__name__, exc.code, flush=True)
sys.stdin.readline()  # pcscd is back
reader.wait_for_card(10)
print("recovered", reader.transmit(bytes.fromhex("80CA9F3600")).data.hex(), flush=True)
"""


def _free_port_pair() -> int:
    """A port P with P and P + 1 free (vpcd opens one per slot)."""
    for _ in range(20):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        try:
            with socket.create_server(("0.0.0.0", port + 1)):
                return port
        except OSError:
            continue
    pytest.skip("no free port pair for a private vpcd")


class PrivatePcscd:
    """A pcscd of our own (own socket, own vpcd port) in a private mount namespace.

    pcscd's socket path is fixed at build time, so a temporary directory is bind-mounted over
    /run/pcscd inside ``unshare -m``; clients reach it with PCSCLITE_CSOCK_NAME. Stopping it
    cannot disturb the shared pcscd the other tests use.
    """

    def __init__(self, root: Path) -> None:
        self.run_dir, self.conf_dir = root / "run", root / "conf"
        self.run_dir.mkdir()
        self.conf_dir.mkdir()
        self.port = _free_port_pair()
        (self.conf_dir / "vpcd").write_text(
            'FRIENDLYNAME "Virtual PCD"\n'
            f"DEVICENAME /dev/null:0x{self.port:04X}\n"
            "LIBPATH /usr/lib/pcsc/drivers/serial/libifdvpcd.so\n"
            f"CHANNELID 0x{self.port:04X}\n"
        )
        self.socket = self.run_dir / "pcscd.comm"
        self.daemon: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        mount = f"mount --bind {self.run_dir} /run/pcscd && exec pcscd -f -c {self.conf_dir}"
        self.daemon = subprocess.Popen(
            ["unshare", "-m", "sh", "-c", mount],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self.socket.exists():
            if self.daemon.poll() is not None:
                pytest.skip("cannot run a private pcscd here (mount namespaces not permitted)")
            if time.monotonic() > deadline:
                pytest.fail("the private pcscd did not create its socket")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.daemon is not None and self.daemon.poll() is None:
            self.daemon.terminate()  # unshare and sh exec'd: this is pcscd itself
            self.daemon.wait(10)


@pytest.fixture
def private_pcscd(tmp_path: Path) -> Iterator[PrivatePcscd]:
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("pcscd"):
        pytest.skip("a private pcscd needs root, unshare and pcscd")
    Path("/run/pcscd").mkdir(parents=True, exist_ok=True)
    daemon = PrivatePcscd(tmp_path)
    daemon.start()
    yield daemon
    daemon.stop()


def test_pcscd_stopping_mid_session_then_coming_back(private_pcscd: PrivatePcscd) -> None:
    """pcscd gone: transmit and wait raise ReaderUnavailable; once back, the same reader works."""
    card = ScriptedCard([("80CA9F3600", "9F360200069000")] * 2)
    bridge = VpcdBridge(card, BridgeOptions(port=private_pcscd.port, pause=0.1))
    thread = threading.Thread(target=bridge.serve, daemon=True)
    thread.start()
    env = {**os.environ, "PYTHONPATH": str(REPO), "PCSCLITE_CSOCK_NAME": str(private_pcscd.socket)}
    client = subprocess.Popen(
        [sys.executable, "-c", CLIENT],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert client.stdout is not None and client.stdin is not None
        assert client.stdout.readline().split() == ["ready", "9f36020006"]
        private_pcscd.stop()
        client.stdin.write("stopped\n")
        client.stdin.flush()
        errors = [client.stdout.readline().strip() for _ in range(2)]
        private_pcscd.start()
        out, err = client.communicate("back\n", timeout=30)
    finally:
        bridge.stop()
        thread.join(5)
        if client.poll() is None:
            client.kill()
    assert errors == ["ReaderUnavailableError reader.unavailable"] * 2, err
    assert out.split() == ["recovered", "9f36020006"], err
    card.assert_done()


HAVE_PROFILES = importlib.util.find_spec("kiosk.payment.cardsim.profiles") is not None
DEBIT_AID = bytes.fromhex("A000000333010101")


@pytest.mark.skipif(not HAVE_PROFILES, reason="kiosk.payment.cardsim.profiles not merged yet")
def test_simulated_qpboc_card_shows_its_ec_balance(
    card_sim: CardSim, reader: PcscReader, tmp_path: Path
) -> None:
    """card-sim --profile qpboc-debit-ec: PPSE lists the debit AID, GET DATA 9F79 answers."""
    card_sim("--profile", "qpboc-debit-ec", "--state-dir", str(tmp_path))
    reader.wait_for_card(10)
    ppse = reader.transmit(SELECT_PPSE)
    assert ppse.ok
    assert b"\x4f\x08" + DEBIT_AID in ppse.data
    assert reader.transmit(bytes.fromhex("00A4040008") + DEBIT_AID + b"\x00").ok
    balance = reader.transmit(bytes.fromhex("80CA9F7900"))
    assert balance.ok
    assert balance.data[:3] == bytes.fromhex("9F7906")  # n12 amount in fen (PBOC EC balance)
    assert balance.data[3:].hex().isdigit()
