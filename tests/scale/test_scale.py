"""The scale through a pseudo-terminal: the emulator answers MT-SICS commands or streams
XK3190 frames on the pty's master side, the scale reads the slave as a serial port with
pyserial. A stable weight lands in a basket line; everything else is a plain reason."""

from __future__ import annotations

import json
import os
import pty
import socket
import subprocess
import sys
import threading
import tty
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.sales.market import Basket, load_market
from kiosk.scale.frames import ScaleError, grams_of, parse_sics, parse_yaohua, yaohua_frame
from kiosk.scale.scale import ScaleProtocol, open_scale

REPO = Path(__file__).resolve().parents[2]

#: MT-SICS answers of the emulated scale, per behaviour.
SICS = {
    "stable": b"S S      1.250 kg\r\n",
    "grams": b"S S     375 g\r\n",
    "dynamic": b"S D      1.240 kg\r\n",
    "busy": b"S I\r\n",
    "overload": b"S +\r\n",
    "underload": b"S -\r\n",
    "garbage": b"\x8f\xff#weight?\r\n",
    "error": b"ES\r\n",
    "cut": b"S S   1.2",
    "silent": b"",
}


class Emulator:
    """A scale on the master side of a pty: answers each CR LF-ended command, or streams."""

    def __init__(self, answer: Callable[[bytes], bytes] | None, stream: bytes = b"") -> None:
        self.master, slave = pty.openpty()
        tty.setraw(slave)
        self.path = os.ttyname(slave)
        self._slave = slave
        self.commands: list[bytes] = []
        self._stop = threading.Event()
        self._answer, self._stream = answer, stream
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import select

        pending = b""
        while not self._stop.is_set():
            if self._stream:
                os.write(self.master, self._stream)
            ready, _, _ = select.select([self.master], [], [], 0.02)
            if not ready:
                continue
            try:
                pending += os.read(self.master, 256)
            except OSError:
                return
            while b"\r\n" in pending and self._answer is not None:
                command, pending = pending.split(b"\r\n", 1)
                self.commands.append(command)
                if reply := self._answer(command):
                    os.write(self.master, reply)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(1)
        os.close(self.master)
        os.close(self._slave)


@pytest.fixture
def emulate() -> Iterator[Callable[..., Emulator]]:
    made: list[Emulator] = []

    def make(answer: Callable[[bytes], bytes] | None = None, stream: bytes = b"") -> Emulator:
        made.append(Emulator(answer, stream))
        return made[-1]

    yield make
    for emulator in made:
        emulator.close()


def _sics_url(emulator: Emulator, extra: str = "") -> str:
    return f"serial://{emulator.path}?baudrate=9600{extra}"


def test_stable_weight_lands_in_the_line(emulate: Callable[..., Emulator]) -> None:
    emulator = emulate(lambda cmd: SICS["stable"])
    scale = open_scale(_sics_url(emulator), timeout_s=1)
    basket = Basket()
    try:
        basket.add_weighed(load_market().item("102"), scale.read())
    finally:
        scale.close()
    assert emulator.commands == [b"SI"]
    assert basket.lines[0].meta["grams"] == 1250 and basket.total_fen == 1200


def test_s_command_and_grams(emulate: Callable[..., Emulator]) -> None:
    emulator = emulate(lambda cmd: SICS["grams"])
    scale = open_scale(_sics_url(emulator, "&command=S"), timeout_s=1)
    try:
        assert scale.read() == 375
    finally:
        scale.close()
    assert emulator.commands == [b"S"]


@pytest.mark.parametrize(
    ("behaviour", "code", "words"),
    [
        ("dynamic", "scale.dynamic", "not steady"),
        ("busy", "scale.busy", "busy"),
        ("overload", "scale.overload", "overload"),
        ("underload", "scale.underload", "underload"),
        ("garbage", "scale.garbage", "unreadable"),
        ("error", "scale.error", "syntax"),
        ("cut", "scale.garbage", "cut off"),
        ("silent", "scale.silent", "does not answer"),
    ],
)
def test_no_weight_gives_plain_words(
    emulate: Callable[..., Emulator], behaviour: str, code: str, words: str
) -> None:
    emulator = emulate(lambda cmd: SICS[behaviour])
    scale = open_scale(_sics_url(emulator), timeout_s=0.3)
    basket = Basket()
    with pytest.raises(ScaleError) as info:
        try:
            basket.add_weighed(load_market().item("102"), scale.read())
        finally:
            scale.close()
    assert info.value.code == code and words in str(info.value)
    assert basket.lines == []  # never a wrong weight in a line


def test_continuous_xk3190_stream(emulate: Callable[..., Emulator]) -> None:
    """Frames arrive mid-stream (the first cut), then repeat: the steady weight is read."""
    emulator = emulate(stream=yaohua_frame(2310)[5:] + yaohua_frame(2310) * 3)
    scale = open_scale(f"serial://{emulator.path}?protocol=xk3190", timeout_s=1)
    assert scale.protocol is ScaleProtocol.XK3190  # type: ignore[union-attr]
    try:
        assert scale.read() == 2310
    finally:
        scale.close()


@pytest.mark.parametrize(
    ("stream", "code"),
    [
        (b"", "scale.silent"),
        (b"\x02+00123X3ZZ\x03 noise", "scale.garbage"),
        (yaohua_frame(1000) + yaohua_frame(1020) + yaohua_frame(1040), "scale.dynamic"),
        (yaohua_frame(-150) * 3, "scale.negative"),
    ],
)
def test_continuous_faults(emulate: Callable[..., Emulator], stream: bytes, code: str) -> None:
    if code == "scale.dynamic":
        # a swinging load: every frame differs from the last
        frames = [yaohua_frame(1000 + 7 * i) for i in range(40)]
        stream = b"".join(frames)
    emulator = emulate(stream=stream)
    scale = open_scale(f"serial://{emulator.path}?protocol=xk3190", timeout_s=0.3)
    with pytest.raises(ScaleError) as info:
        try:
            scale.read()
        finally:
            scale.close()
    assert info.value.code == code


def test_published_frame_example() -> None:
    """+20.00 kg as the XK3190 manual's example frame: 02 2B 30 30 32 30 30 30 32 31 42 03."""
    assert parse_yaohua(bytes.fromhex("022B303032303030323142" + "03")) == 20_000
    with pytest.raises(ScaleError):
        parse_yaohua(bytes.fromhex("022B303032303030323143" + "03"))  # checksum off by one


@given(st.integers(min_value=0, max_value=999_999))
def test_frames_round_trip(grams: int) -> None:
    assert parse_yaohua(yaohua_frame(grams)) == grams


@given(st.binary(max_size=40))
def test_sics_never_invents_a_weight(data: bytes) -> None:
    """Whatever bytes arrive, parsing gives the exact weight of a well-formed answer or a
    ScaleError; nothing else."""
    try:
        reading = parse_sics(data)
    except ScaleError:
        return
    words = data.decode("ascii").split()
    assert words[0] == "S" and words[1] in ("S", "D") and len(words) == 4
    assert reading.grams == grams_of(words[2], words[3])


def test_tcp_scale_and_the_command(tmp_path: Path) -> None:
    """``kiosk scale-test --scale tcp://…`` against a scale on a local socket."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            if conn.recv(16) == b"SI\r\n":
                conn.sendall(SICS["stable"])

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "kiosk.cli",
            "scale-test",
            "--scale",
            f"tcp://127.0.0.1:{port}",
            "--json",
        ],
        cwd=REPO,
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    server.close()
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"ok": True, "grams": 1250}


def test_the_command_says_why(emulate: Callable[..., Emulator]) -> None:
    emulator = emulate(lambda cmd: SICS["overload"])
    out = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "scale-test", "--scale", _sics_url(emulator)],
        cwd=REPO,
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert out.stdout.strip() == "scale.overload: overload: too heavy for the scale"


@pytest.mark.parametrize(
    "url", ["ftp://x", "serial://", "tcp://host", "serial:///dev/x?protocol=z"]
)
def test_bad_urls(url: str) -> None:
    with pytest.raises(ScaleError) as info:
        open_scale(url)
    assert info.value.code == "scale.url"


def test_missing_port_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(ScaleError) as info:
        open_scale(f"serial://{tmp_path}/ttyNONE")
    assert info.value.code == "scale.unavailable"
