"""The customer pole display: LED-8 frames byte for byte, written through a pty as a
serial port, and faults that never hold a sale up (kept as the display's status)."""

from __future__ import annotations

import os
import select
import threading
from collections.abc import Iterator

import pytest

from kiosk.pole_display import INIT, Lamp, PoleError, PoleFeed, Port, open_pole, pole_frame
from tests.support.serial_pty import raw_pty


@pytest.mark.parametrize(
    ("fen", "lamp", "ascii_lamps", "expected"),
    [
        (1250, Lamp.TOTAL, True, b"\x1bs2\x1bQA12.50\r"),
        (48, Lamp.CHANGE, True, b"\x1bs4\x1bQA0.48\r"),
        (99_999_999, Lamp.PAID, True, b"\x1bs3\x1bQA999999.99\r"),
        (1250, Lamp.PRICE, False, b"\x1bs\x01\x1bQA12.50\r"),
    ],
    ids=["total", "change", "eight-digits", "binary-lamp"],
)
def test_frames(fen: int, lamp: Lamp, ascii_lamps: bool, expected: bytes) -> None:
    assert pole_frame(fen, lamp, ascii_lamps=ascii_lamps) == expected


def test_an_amount_of_nine_digits_does_not_fit() -> None:
    with pytest.raises(PoleError) as info:
        pole_frame(100_000_000, Lamp.TOTAL)
    assert info.value.code == "pole.too_large"


@pytest.fixture
def display() -> Iterator[tuple[int, str]]:
    """The display's side of a pty (master) and the port path the terminal opens."""
    with raw_pty() as ends:
        yield ends


def _received(master: int) -> bytes:
    data = b""
    while select.select([master], [], [], 0.5)[0]:
        data += os.read(master, 1024)
    return data


def test_figures_reach_the_display_through_a_serial_port(display: tuple[int, str]) -> None:
    """Opened on first use (ESC @), then each figure with its lamp; status ok."""
    master, path = display
    feed = PoleFeed(lambda: open_pole(f"serial://{path}?baudrate=2400"))
    feed.show(2476, Lamp.TOTAL)
    assert feed.drain()
    feed.show(524, Lamp.CHANGE)
    assert feed.drain()
    assert _received(master) == INIT + b"\x1bs2\x1bQA24.76\r" + b"\x1bs4\x1bQA5.24\r"
    assert feed.status == "ok"
    feed.close()


def test_a_missing_display_is_a_status_not_an_error() -> None:
    feed = PoleFeed(lambda: open_pole("serial:///dev/no-such-pole-display"))
    feed.show(100, Lamp.TOTAL)  # returns: the sale goes on
    assert feed.drain() and feed.status == "pole.unavailable"
    feed.close()
    with pytest.raises(PoleError) as info:
        open_pole("usb://1234")
    assert info.value.code == "pole.url"


def test_a_hanging_display_does_not_hold_up_show() -> None:
    """While the port hangs, show() returns and only the latest figure is kept."""
    release = threading.Event()
    written: list[bytes] = []

    class Hanging:
        def write(self, data: bytes) -> int:
            release.wait(5)
            written.append(data)
            return len(data)

        def close(self) -> None: ...

    def opener() -> Port:
        return Hanging()

    feed = PoleFeed(opener)
    feed.show(100, Lamp.TOTAL)
    feed.show(200, Lamp.TOTAL)
    feed.show(300, Lamp.TOTAL)
    assert not feed.drain(0.2) and feed.status == "idle"
    release.set()
    assert feed.drain()
    assert written[-1] == pole_frame(300, Lamp.TOTAL) and len(written) <= 2
    feed.close()


def test_a_display_unplugged_after_it_worked(display: tuple[int, str]) -> None:
    """A write that fails is logged once as ``pole.write``; the next figure opens again."""
    master, path = display
    ports: list[Port] = []

    def opener() -> Port:
        ports.append(open_pole(f"serial://{path}"))
        return ports[-1]

    feed = PoleFeed(opener)
    feed.show(100, Lamp.TOTAL)
    assert feed.drain() and feed.status == "ok"
    ports[-1].close()  # the cable pulled: writing to a closed port fails
    feed.show(200, Lamp.TOTAL)
    assert feed.drain() and feed.status == "pole.write"
    feed.show(300, Lamp.TOTAL)
    assert feed.drain() and feed.status == "ok" and len(ports) == 2
    assert _received(master).endswith(pole_frame(300, Lamp.TOTAL))
    feed.close()
