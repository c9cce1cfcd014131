"""A test-side ESC/POS decoder: splits a byte stream into commands and decoded text.

Written from the Epson ESC/POS Command Reference so that the tests check the renderer's
bytes against the command syntax, not against the renderer's own code. Text outside
Chinese mode is decoded with the code page the last ``ESC t`` chose; between ``FS &`` and
``FS .`` it is decoded as GB18030. An unknown command fails the test.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# ESC t n -> Python codec, for the code pages python-escpos's default profile uses.
CODE_PAGES = {0: "cp437", 2: "cp850", 3: "cp860", 4: "cp863", 5: "cp865", 16: "cp1252", 19: "cp858"}

# prefix -> (name, number of fixed parameter bytes)
FIXED = {
    b"\x1b@": ("ESC @", 0),
    b"\x1bt": ("ESC t", 1),
    b"\x1bE": ("ESC E", 1),
    b"\x1ba": ("ESC a", 1),
    b"\x1b!": ("ESC !", 1),
    b"\x1b-": ("ESC -", 1),
    b"\x1bM": ("ESC M", 1),
    b"\x1b{": ("ESC {", 1),
    b"\x1bd": ("ESC d", 1),
    b"\x1bp": ("ESC p", 3),
    b"\x1b2": ("ESC 2", 0),
    b"\x1b3": ("ESC 3", 1),
    b"\x1d!": ("GS !", 1),
    b"\x1dB": ("GS B", 1),
    b"\x1db": ("GS b", 1),
    b"\x1dh": ("GS h", 1),
    b"\x1dw": ("GS w", 1),
    b"\x1dH": ("GS H", 1),
    b"\x1df": ("GS f", 1),
    b"\x1dr": ("GS r", 1),
    b"\x1c&": ("FS &", 0),
    b"\x1c.": ("FS .", 0),
    b"\x10\x04": ("DLE EOT", 1),
}


@dataclass
class Command:
    name: str
    params: bytes = b""
    data: bytes = b""


@dataclass
class Stream:
    """Decoded stream: every command in order, and the printed text lines."""

    commands: list[Command] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    images: int = 0

    def names(self) -> list[str]:
        return [c.name for c in self.commands]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def decode(data: bytes) -> Stream:
    """Decode ``data``; raise AssertionError at the first byte that is not valid ESC/POS."""
    out = Stream()
    i, codec, kanji, line = 0, "cp437", False, ""
    while i < len(data):
        b = data[i]
        if b == 0x0A:
            out.lines.append(line)
            line = ""
            i += 1
            continue
        if b >= 0x20:
            j = i
            while j < len(data) and data[j] >= 0x20:
                j += 1
            line += data[i:j].decode("gb18030" if kanji else codec)
            i = j
            continue
        cmd, i = _command(data, i)
        out.commands.append(cmd)
        match cmd.name:
            case "ESC t":
                codec = CODE_PAGES[cmd.params[0]]
            case "FS &":
                kanji = True
            case "FS .":
                kanji = False
            case "GS v 0":
                out.images += 1
    if line:
        out.lines.append(line)
    return out


def _command(data: bytes, i: int) -> tuple[Command, int]:
    two, three = data[i : i + 2], data[i : i + 3]
    if three == b"\x1dv0":  # GS v 0 m xL xH yL yH d1...dk
        m, xl, xh, yl, yh = data[i + 3 : i + 8]
        size = (xl + 256 * xh) * (yl + 256 * yh)
        return Command(
            "GS v 0", bytes([m, xl, xh, yl, yh]), data[i + 8 : i + 8 + size]
        ), i + 8 + size
    if three == b"\x1d(k":  # GS ( k pL pH cn fn [parameters]
        n = data[i + 3] + 256 * data[i + 4]
        return Command("GS ( k", data[i + 3 : i + 5], data[i + 5 : i + 5 + n]), i + 5 + n
    if two == b"\x1dV":  # GS V m, or GS V m n for the feed-and-cut forms
        m = data[i + 2]
        size = 1 if m in (0, 1, 48, 49) else 2
        return Command("GS V", data[i + 2 : i + 2 + size]), i + 2 + size
    if two == b"\x1dk":  # GS k m n d1...dn (function B, m >= 65)
        m, n = data[i + 2], data[i + 3]
        assert m >= 65, f"GS k function A (m={m}) not expected"
        return Command("GS k", bytes([m, n]), data[i + 4 : i + 4 + n]), i + 4 + n
    if two in FIXED:
        name, size = FIXED[two]
        return Command(name, data[i + 2 : i + 2 + size]), i + 2 + size
    raise AssertionError(f"unknown ESC/POS command at {i}: {data[i : i + 4].hex(' ')}")


def qr_payloads(stream: Stream) -> list[str]:
    """The data stored with GS ( k fn 80 (cn 49 = QR)."""
    return [
        c.data[3:].decode("ascii")
        for c in stream.commands
        if c.name == "GS ( k" and c.data[:3] == b"1P0"
    ]
