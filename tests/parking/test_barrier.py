"""The barrier through a pseudo-terminal (the relay's side reads the frames pyserial writes)
and through a real program on the command line."""

from __future__ import annotations

import os
import select
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.parking.barrier import (
    LCUS_CLOSE,
    LCUS_OPEN,
    BarrierError,
    CommandBarrier,
    RelayBarrier,
    SimBarrier,
    open_barrier,
)
from tests.support.serial_pty import raw_pty


@pytest.fixture
def relay() -> Iterator[tuple[int, str]]:
    """A pty: the master is the relay board, the slave the serial port the lane opens."""
    with raw_pty() as ends:
        yield ends


def _received(master: int, size: int, timeout: float = 2.0) -> bytes:
    got, deadline = b"", time.monotonic() + timeout
    while len(got) < size and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            got += os.read(master, 64)
    return got


def test_relay_gets_the_lcus_frames_in_order(relay: tuple[int, str]) -> None:
    """Open sends the LCUS-1 'on' frame, then after the pulse the 'off' frame."""
    master, path = relay
    barrier = open_barrier(f"serial://{path}?baudrate=9600&pulse_ms=50")
    assert isinstance(barrier, RelayBarrier)
    try:
        barrier.open()
    finally:
        barrier.close()
    assert _received(master, 8) == LCUS_OPEN + LCUS_CLOSE == bytes.fromhex("A00101A2A00100A1")


def test_relay_frames_from_the_spec(relay: tuple[int, str]) -> None:
    """Other relays: the frames come from the spec; an empty close sends one frame."""
    master, path = relay
    barrier = open_barrier(f"serial://{path}?open=FE%2005%2000%2000%20FF%2000&close=")
    try:
        barrier.open()
    finally:
        barrier.close()
    assert _received(master, 6) == bytes.fromhex("FE050000FF00")
    assert _received(master, 1, timeout=0.3) == b""


@pytest.mark.parametrize(
    ("spec", "code"),
    [
        ("serial:///dev/does-not-exist-kiosk", "barrier.unavailable"),
        ("serial:///dev/null?open=ZZ", "barrier.url"),
        ("serial:///dev/null?open=", "barrier.url"),
        ("serial:///dev/null?pulse_ms=99999", "barrier.url"),
        ("ftp://relay", "barrier.url"),
        ("cmd:", "barrier.url"),
        ("cmd:gate 'open", "barrier.url"),
    ],
)
def test_bad_specs_are_plain_errors(spec: str, code: str) -> None:
    """A spec the lane cannot use is a BarrierError with a stable code, never a crash."""
    with pytest.raises(BarrierError) as caught:
        open_barrier(spec)
    assert caught.value.code == code


def test_command_line_opens(tmp_path: Path) -> None:
    """A real program runs with its argv (no shell: the quote stays one argument)."""
    out = tmp_path / "opened"
    script = "import sys; open(sys.argv[1], 'w').write('|'.join(sys.argv[2:]))"
    barrier = open_barrier(f"cmd:{sys.executable} -c \"{script}\" {out} lane 'E 1' '$HOME'")
    assert isinstance(barrier, CommandBarrier)
    barrier.open()
    assert out.read_text() == "lane|E 1|$HOME"


def test_command_line_failures_say_why(tmp_path: Path) -> None:
    """A non-zero exit, a missing program and a hang each have their own code."""
    failing = CommandBarrier((sys.executable, "-c", "import sys; sys.exit('jammed')"))
    with pytest.raises(BarrierError) as caught:
        failing.open()
    assert caught.value.code == "barrier.failed" and "jammed" in str(caught.value)
    with pytest.raises(BarrierError) as caught:
        CommandBarrier((str(tmp_path / "nowhere"),)).open()
    assert caught.value.code == "barrier.unavailable"
    hanging = CommandBarrier((sys.executable, "-c", "import time; time.sleep(5)"), timeout_s=0.3)
    with pytest.raises(BarrierError) as caught:
        hanging.open()
    assert caught.value.code == "barrier.timeout"


def test_sim_counts() -> None:
    """The demo's barrier counts its openings."""
    barrier = open_barrier("sim://")
    assert isinstance(barrier, SimBarrier)
    barrier.open()
    barrier.open()
    assert barrier.opened == 2
