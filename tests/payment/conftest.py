"""Fixtures for the card path: the real PC/SC stack (pcscd + vsmartcard's vpcd) and cards on it.

``pcscd`` (session) makes sure pcscd runs with the vpcd driver, starting ``pcscd -f`` when
we are root and it is not running (it is left running afterwards, as ``./dev test`` does, since
other test sessions may be using it by then); it skips only when we are not root and pcscd
(with vpcd) is not there.

``serve_card`` bridges a VirtualCard object to vpcd from a thread of this process (so a
ScriptedCard's verdict reaches the test); ``card_sim`` runs the real ``kiosk card-sim``
command in a subprocess. Both wait until PC/SC shows the card and, at teardown, until the slot
is empty again, so tests do not see each other's cards.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from smartcard import scard

from kiosk.payment.cardsim.base import VirtualCard
from kiosk.payment.cardsim.vpcd import DEFAULT_PORT, BridgeOptions, VpcdBridge

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
SLOT = "Virtual PCD 00 00"
#: How long a pulled test card may take to show as gone. pcscd notices a vanished vpcd card on
#: its next poll, which on a loaded machine comes later than the reader's 1 s default; the grace
#: only decides "removed" (try again) against "failed", never how long a sale takes.
PULL_GRACE_S = 5.0
VPCD_CONF = Path("/etc/reader.conf.d/vpcd")
PCSCD_LOG = Path("/tmp/kiosk-pcscd.log")
CARD_SIM = (sys.executable, "-m", "kiosk.cli", "card-sim")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that uses the one virtual reader (the ``pcscd`` fixture, directly or
    through ``serve_card`` / ``card_sim``) is marked ``pcsc``, so that ``-m "not pcsc"``
    never touches the shared reader, whether or not the test says so itself."""
    for item in items:
        if "pcscd" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.pcsc)


#: Pause after a served card left, before another may connect to vpcd (see ``card_sim``).
VPCD_SETTLE_S = 0.6


def vpcd_port() -> int:
    """The port of slot 00 00, from the driver's config (CHANNELID), else vpcd's default."""
    try:
        match = re.search(r"^\s*CHANNELID\s+(\S+)", VPCD_CONF.read_text(), re.MULTILINE)
    except OSError:
        return DEFAULT_PORT
    return int(match.group(1), 0) if match else DEFAULT_PORT


def pcsc_readers() -> list[str] | None:
    """Reader names PC/SC lists now, or None when pcscd does not answer."""
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        return None
    try:
        hresult, names = scard.SCardListReaders(context, [])
        return list(names) if hresult == scard.SCARD_S_SUCCESS else []
    finally:
        scard.SCardReleaseContext(context)


def slot_has_card(reader: str = SLOT) -> bool:
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    assert hresult == scard.SCARD_S_SUCCESS, "pcscd stopped answering"
    try:
        hresult, states = scard.SCardGetStatusChange(
            context, 0, [(reader, scard.SCARD_STATE_UNAWARE)]
        )
        return hresult == scard.SCARD_S_SUCCESS and bool(states[0][1] & scard.SCARD_STATE_PRESENT)
    finally:
        scard.SCardReleaseContext(context)


def _wait_slot(
    present: bool, timeout: float = 5.0, alive: Callable[[], bool] = lambda: True
) -> None:
    """Wait until the slot shows (or stops showing) a card; fail the test if it never does."""
    deadline = time.monotonic() + timeout
    while slot_has_card() != present:
        if time.monotonic() > deadline or not alive():
            state = "appear in" if present else "leave"
            pytest.fail(f"the card did not {state} {SLOT!r} within {timeout} s")
        time.sleep(0.05)


@pytest.fixture(scope="session")
def pcscd() -> str:
    """The vpcd reader slot's name, with pcscd running (started here if need be)."""
    readers = pcsc_readers()
    if readers is None:
        if os.geteuid() != 0 or shutil.which("pcscd") is None:
            pytest.skip("pcscd is not running and cannot be started here (needs root and pcscd)")
        Path("/run/pcscd").mkdir(parents=True, exist_ok=True)
        with PCSCD_LOG.open("ab") as log:
            subprocess.Popen(
                ["pcscd", "-f"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 10
        while (readers := pcsc_readers()) is None or SLOT not in readers:
            if time.monotonic() > deadline:
                pytest.fail(f"pcscd started but {SLOT!r} did not appear (see {PCSCD_LOG})")
            time.sleep(0.1)
    if SLOT not in readers:
        message = f"pcscd runs without the vpcd driver (readers: {readers})"
        if os.geteuid() != 0:
            pytest.skip(message)
        pytest.fail(f"{message}: install vsmartcard-vpcd, then restart pcscd")
    return SLOT


@pytest.fixture
def wait_slot(pcscd: str) -> Callable[..., None]:
    """``wait_slot(present=True|False, timeout=5)``: fail unless the slot reaches that state."""
    return _wait_slot


ServeCard = Callable[..., VpcdBridge]


@pytest.fixture
def serve_card(pcscd: str) -> Iterator[ServeCard]:
    """Start a vpcd bridge for a card object in a thread: ``serve_card(card, tap=True, …)``.

    Teardown stops the bridge and re-raises what it raised (a ScriptedCard's failure).
    """
    _wait_slot(present=False)
    running: list[tuple[VpcdBridge, Future[None]]] = []
    with ThreadPoolExecutor(max_workers=4) as pool:

        def start(card: VirtualCard, *, wait_present: bool = True, **options: object) -> VpcdBridge:
            bridge = VpcdBridge(card, BridgeOptions(port=vpcd_port(), **options))  # type: ignore[arg-type]
            future = pool.submit(bridge.serve)
            running.append((bridge, future))
            if wait_present:
                _wait_slot(present=True, alive=lambda: not future.done())
            return bridge

        yield start
        for bridge, _ in running:
            bridge.stop()
        for _, future in running:
            future.result(timeout=10)
    _wait_slot(present=False)


CardSim = Callable[..., subprocess.Popen[str]]


@pytest.fixture
def card_sim(pcscd: str) -> Iterator[CardSim]:
    """Run ``kiosk card-sim ARGS…`` in a subprocess and wait until PC/SC shows the card."""
    _wait_slot(present=False)
    procs: list[subprocess.Popen[str]] = []

    def start(*args: str, wait_present: bool = True) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [*CARD_SIM, "--vpcd", f"127.0.0.1:{vpcd_port()}", *args],
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        procs.append(proc)
        if wait_present:
            _wait_slot(present=True, alive=lambda: proc.poll() is None)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=10)
    _wait_slot(present=False)
    # vpcd needs a moment after its client left before it takes the next one reliably: a
    # card-sim started at once (it starts in a fifth of a second) was seen inserted on its
    # side but never reported by pcscd. The next test's card waits out this pause.
    time.sleep(VPCD_SETTLE_S)
