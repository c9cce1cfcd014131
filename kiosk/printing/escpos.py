"""Documents to ESC/POS bytes, built with python-escpos's ``Dummy`` printer.

Text goes out in runs. Characters a single-byte code page of the python-escpos capability
profile holds (ASCII, ``¥`` in PC437, ...) go through python-escpos's code-page switching.
Chinese (wide) characters with a two-byte GB18030 code — the GBK range that the printers'
built-in Chinese fonts hold — are sent as GB18030 between ``FS &`` (select Chinese character
mode, 1C 26) and ``FS .`` (cancel it, 1C 2E), when the profile says the printer has a Chinese
font. A line holding anything else (or any Chinese when the printer has no Chinese font) is
drawn with the CJK TrueType font and sent as a raster image (``GS v 0``). No character ever
becomes ``?``: python-escpos would print one (its ``MagicEncode`` default symbol), so text is
classified here before it reaches python-escpos.

References: Epson ESC/POS Command Reference ("FS &", "FS .", "GS !", "GS ( k", "GS v 0");
GB 18030-2005 for the two-byte code range.
"""

from __future__ import annotations

import contextlib
import copy
import io
from dataclasses import dataclass
from functools import cache
from typing import Literal

from escpos.capabilities import Profile, get_profile
from escpos.constants import QR_ECLEVEL_M
from escpos.exceptions import Error as EscposError
from escpos.magicencode import Encoder
from escpos.printer import Dummy
from PIL import Image

from kiosk.printing.document import (
    Barcode,
    Cut,
    Document,
    Feed,
    Line,
    Logo,
    PaperWidth,
    QrCode,
    char_width,
    layout,
)
from kiosk.printing.errors import PrintDataError, PrinterConfigError
from kiosk.printing.preview import LINE_PITCH, line_image, qr_image

FS_KANJI_ON = b"\x1c\x26"  # FS &
FS_KANJI_OFF = b"\x1c\x2e"  # FS .

RunKind = Literal["codepage", "kanji"]


@dataclass(frozen=True)
class PrinterProfile:
    """What one printer model can do; set per printer in the configuration.

    - ``chinese_font``: the printer has a Chinese font (most sold in China); without one,
      Chinese lines are rasterised.
    - ``chinese_charset``: what that font holds, GBK (two-byte GB18030) or only GB2312
      (older, cheaper models); lines with other characters are rasterised.
    - ``escpos_profile``: the python-escpos capability profile (cutter, image, QR support).
    - ``code_pages``: the single-byte code pages the printer really has. PC437 and PC850 are
      on nearly every ESC/POS printer, Chinese ones included; python-escpos's default profile
      lists many that a cheap printer lacks.
    - ``qr_native``: the printer draws QR codes itself (``GS ( k``); else they go as images.
    - ``cutter``: it has an autocutter.
    - ``confirm_jobs``: it answers ``GS r 1`` in order after the job, which tells that the
      job went through.
    """

    width: PaperWidth = PaperWidth.MM80
    chinese_font: bool = True
    chinese_charset: Literal["gbk", "gb2312"] = "gbk"
    escpos_profile: str = "default"
    code_pages: tuple[str, ...] = ("CP437", "CP850")
    qr_native: bool = True
    cutter: bool = True
    confirm_jobs: bool = True


@cache
def _capabilities(escpos_profile: str, code_pages: tuple[str, ...], dots: int) -> Profile:
    """The python-escpos profile with the paper's printable width filled in (images are
    checked against it, and python-escpos prints a warning when it is unknown)."""
    try:
        named = get_profile(escpos_profile)
    except KeyError as exc:
        raise PrinterConfigError(
            f"unknown python-escpos profile {escpos_profile!r}", code="printer.profile"
        ) from exc
    data = copy.deepcopy(named.profile_data)
    data["media"]["width"] = {"mm": "Unknown", "pixels": dots}
    data["media"]["dpi"] = 203
    data["codePages"] = {k: v for k, v in data["codePages"].items() if v in code_pages}
    if not data["codePages"]:
        raise PrinterConfigError(
            f"none of {code_pages} is in python-escpos profile {escpos_profile!r}",
            code="printer.profile",
        )
    caps = Profile(features=data["features"])
    caps.profile_data = data
    return caps


def _capabilities_of(profile: PrinterProfile) -> Profile:
    return _capabilities(profile.escpos_profile, profile.code_pages, profile.width.dots)


@cache
def _shared_encoder(escpos_profile: str, code_pages: tuple[str, ...]) -> Encoder:
    return Encoder(_capabilities(escpos_profile, code_pages, 0).get_code_pages())


def _encoder(profile: PrinterProfile) -> Encoder:
    """A fresh python-escpos Encoder (its code-page preference starts clean, so the same
    document always gives the same bytes) reusing the shared code-page maps, which python-
    escpos would otherwise rebuild for every document."""
    shared = _shared_encoder(profile.escpos_profile, profile.code_pages)
    encoder = Encoder(shared.codepages)
    encoder.available_characters = shared.available_characters
    return encoder


@cache
def _single_byte(escpos_profile: str, code_pages: tuple[str, ...], char: str) -> bool:
    encoder = _shared_encoder(escpos_profile, code_pages)
    return any(encoder.can_encode(page, char) for page in encoder.codepages)


@cache
def _is_kanji(char: str, charset: str) -> bool:
    """Wide, and inside the printer's Chinese font: GBK (two-byte GB18030) or GB2312."""
    if char_width(char) != 2:
        return False
    try:
        return len(char.encode(charset)) == 2
    except UnicodeEncodeError:
        return False


def text_runs(text: str, profile: PrinterProfile) -> list[tuple[RunKind, str]] | None:
    """Split a line into code-page and Chinese runs, or None if it must be rasterised."""
    if text.isascii():
        return [("codepage", text)]
    runs: list[tuple[RunKind, str]] = []
    for char in text:
        if char_width(char) == 1 and _single_byte(profile.escpos_profile, profile.code_pages, char):
            kind: RunKind = "codepage"
        elif profile.chinese_font and _is_kanji(char, profile.chinese_charset):
            kind = "kanji"
        else:
            return None
        if runs and runs[-1][0] == kind:
            runs[-1] = (kind, runs[-1][1] + char)
        else:
            runs.append((kind, char))
    return runs


_INVERT = bytes(255 - i for i in range(256))
#: Rows per GS v 0 command, as python-escpos splits images (small printer buffers).
RASTER_ROWS = 960


def raster_bytes(strips: list[Image.Image]) -> bytes:
    """GS v 0 commands for 1-bit strips of one width (a multiple of 8 dots), stacked.

    Written here rather than with python-escpos's ``image()``, which takes any picture
    through RGBA, grey and dithering: ~7 ms for the Chinese lines of one receipt, beyond the
    5 ms budget, while these strips are already 1-bit. Layout (Epson ESC/POS, "GS v 0"):
    ``1D 76 30 m xL xH yL yH`` then rows of x bytes, most significant bit leftmost, 1 = dot.
    """
    width = strips[0].width
    if width % 8 or any(s.mode != "1" or s.width != width for s in strips):
        raise PrintDataError("raster strips are 1-bit, one width, a multiple of 8 dots")
    row = width // 8
    packed = b"".join(s.tobytes() for s in strips).translate(_INVERT)  # PIL: 1 = white
    out = []
    for start in range(0, len(packed), row * RASTER_ROWS):
        part = packed[start : start + row * RASTER_ROWS]
        out.append(
            b"\x1dv0\x00" + row.to_bytes(2, "little") + (len(part) // row).to_bytes(2, "little")
        )
        out.append(part)
    return b"".join(out)


class _Writer:
    """Drives one python-escpos ``Dummy`` through a laid-out document."""

    def __init__(self, profile: PrinterProfile) -> None:
        self.profile = profile
        self.p = Dummy(
            profile=_capabilities_of(profile), magic_encode_args={"encoder": _encoder(profile)}
        )
        self._raster: list[Image.Image] = []

    def run(self, doc: Document) -> bytes:
        p = self.p
        p.hw("INIT")
        p._raw(FS_KANJI_OFF)  # Chinese printers may power up in Chinese mode: start known
        for item in layout(doc):
            self._item(item)
        self._flush_raster()
        return p.output

    def _item(self, item: Line | QrCode | Barcode | Logo | Feed | Cut) -> None:
        p = self.p
        if not isinstance(item, Line):
            self._flush_raster()
        match item:
            case Line():
                self._line(item)
            case QrCode(data, module):
                p.set(align="center")
                if self.profile.qr_native:
                    p.qr(data, ec=QR_ECLEVEL_M, size=module, native=True)
                else:
                    self._image(qr_image(data, module))
                p.set(align="left")
            case Barcode(data, height):
                p.set(align="center")
                with contextlib.redirect_stdout(io.StringIO()):  # python-escpos prints chatter
                    p.barcode("{B" + data, "CODE128", height=height, width=2, function_type="B")
                p.set(align="left")
            case Logo(image):
                p.set(align="center")
                self._image(image)
                p.set(align="left")
            case Feed(lines):
                p.print_and_feed(lines)
            case Cut(partial):
                if self.profile.cutter:
                    p.cut(mode="PART" if partial else "FULL")
                else:
                    p.print_and_feed(6)

    def _line(self, line: Line) -> None:
        p = self.p
        runs = text_runs(line.text, self.profile)
        if runs is None:
            self._raster.append(line_image(line, self.profile.width.dots, pitch=LINE_PITCH))
            return
        self._flush_raster()
        p.set(
            align=line.align.value,
            bold=line.bold,
            custom_size=True,  # GS ! scales Chinese characters too; ESC ! would not
            width=line.size.width,
            height=line.size.height,
        )
        for kind, run in runs:
            if kind == "kanji":
                p._raw(FS_KANJI_ON + run.encode("gb18030") + FS_KANJI_OFF)
            else:
                p.text(run)
        p.text("\n")

    def _image(self, image: Image.Image) -> None:
        self.p.image(image, impl="bitImageRaster")

    def _flush_raster(self) -> None:
        """Send consecutive rasterised lines as one GS v 0 image: one header and one feed
        stop on the printer instead of one per line."""
        if not self._raster:
            return
        self.p.set(align="left")
        self.p._raw(raster_bytes(self._raster))
        self._raster.clear()


def render_escpos(doc: Document, profile: PrinterProfile) -> bytes:
    """The ESC/POS bytes for ``doc`` on a printer with ``profile``.

    Raises UnprintableTextError for a character neither the printer nor the CJK font can
    print, PrintDataError for a barcode/QR/image python-escpos refuses.
    """
    try:
        return _Writer(profile).run(doc)
    except (EscposError, ValueError) as exc:
        if isinstance(exc, PrintDataError):
            raise
        raise PrintDataError(f"cannot render {doc.kind}: {exc}", code="printer.render") from exc
