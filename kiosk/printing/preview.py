"""Documents and single lines as 1-bit images at printer resolution (203 dpi).

Text is drawn on the printer's character grid (12×24-dot cells, two cells for a CJK
character) with the CJK TrueType font, so a rasterised line lines up with the text lines the
printer draws itself. The same line images serve the PNG preview and the ESC/POS renderer's
raster fallback for printers without a Chinese font (``GS v 0``).
"""

from __future__ import annotations

import io
from functools import lru_cache

import barcode
import qrcode
from barcode.writer import ImageWriter
from PIL import Image, ImageDraw

from kiosk.printing.document import (
    CELL_HEIGHT,
    CELL_WIDTH,
    Align,
    Barcode,
    Cut,
    Document,
    Feed,
    Line,
    Logo,
    QrCode,
    char_width,
    layout,
)
from kiosk.printing.errors import PrintDataError, UnprintableTextError
from kiosk.printing.fonts import font_covers, pil_font

#: Paper advance per text line: ESC/POS default line spacing, 30 dots (3.75 mm).
LINE_PITCH = 30
_WHITE, _BLACK = 255, 0


@lru_cache(maxsize=8192)
def _glyph_rows(char: str, bold: bool) -> tuple[bytes, ...]:
    """One character in its cell (12 or 24 dots wide, 24 high) as rows of 0/255 bytes."""
    wide = char_width(char) == 2
    cell = Image.new("L", (CELL_WIDTH * (2 if wide else 1), CELL_HEIGHT), _WHITE)
    if char != " ":
        # Latin at 20 px: the Mono face then advances 12 dots, the half-width cell.
        font = pil_font(24 if wide else 20)
        draw = ImageDraw.Draw(cell)
        for dx in (0, 1) if bold else (0,):
            draw.text((dx, 0 if wide else 2), char, font=font, fill=_BLACK)
    data = cell.point(lambda v: _BLACK if v < 128 else _WHITE).tobytes()
    return tuple(data[y * cell.width : (y + 1) * cell.width] for y in range(CELL_HEIGHT))


def line_image(line: Line, dots: int, *, pitch: int = CELL_HEIGHT) -> Image.Image:
    """A laid-out line as a full-width 1-bit strip, aligned as the printer would align it.

    Characters sit on the printer's grid (12 dots, 24 for a wide character); the strip is
    built row by row from cached glyph rows, far cheaper than pasting glyph images.
    ``pitch`` is the strip height per line at normal size (the line spacing, when the strip
    stands for a printed text line).
    Raises UnprintableTextError when the CJK font has no glyph for a character.
    """
    if not font_covers(line.text.replace(" ", "")):
        missing = next(c for c in line.text if c != " " and not font_covers(c))
        raise UnprintableTextError(
            f"no glyph for U+{ord(missing):04X} in the CJK font", char=f"U+{ord(missing):04X}"
        )
    glyphs = [_glyph_rows(c, line.bold) for c in line.text] or [_glyph_rows(" ", False)]
    sw, sh = line.size.width, line.size.height
    width = sum(len(g[0]) for g in glyphs)
    if (sw, sh) == (1, 1):  # the common case: pad each row to full width, no second image
        left = _left(width, dots, line.align)
        pre, post = b"\xff" * left, b"\xff" * (dots - left - width)
        rows = [pre + b"".join(row) + post for row in zip(*glyphs, strict=True)]
        data = b"".join(rows) + b"\xff" * dots * (pitch - CELL_HEIGHT)
        return Image.frombytes("L", (dots, pitch), data).convert("1", dither=Image.Dither.NONE)
    data = b"".join(b"".join(row) for row in zip(*glyphs, strict=True))
    data += b"\xff" * width * (pitch - CELL_HEIGHT)
    strip = Image.frombytes("L", (width, pitch), data).convert("1", dither=Image.Dither.NONE)
    strip = strip.resize((width * sw, pitch * sh), Image.Resampling.NEAREST)
    return _placed(strip, dots, line.align)


def _left(width: int, dots: int, align: Align) -> int:
    room = max(dots - width, 0)
    return {Align.LEFT: 0, Align.CENTER: room // 2, Align.RIGHT: room}[align]


def _placed(image: Image.Image, dots: int, align: Align) -> Image.Image:
    full = Image.new("1", (dots, image.height), _WHITE)
    full.paste(image, (_left(image.width, dots, align), 0))
    return full


def qr_image(data: str, module: int) -> Image.Image:
    """The QR code (error correction M, model 2) with a two-module quiet zone."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=module, border=2
    )
    code.add_data(data)
    code.make(fit=True)
    return code.make_image().get_image().convert("1")


def barcode_image(data: str, height: int) -> Image.Image:
    """A CODE128 barcode image with its human-readable text below."""
    try:
        code = barcode.get("code128", data, writer=ImageWriter(mode="1"))
    except (barcode.errors.BarcodeError, ValueError) as exc:
        raise PrintDataError(f"not a CODE128 value: {data!r}", code="printer.barcode") from exc
    dpi = 203
    return code.render(
        {
            "module_width": 2 * 25.4 / dpi,
            "module_height": height * 25.4 / dpi,
            "dpi": dpi,
            "quiet_zone": 1,
            "font_size": 8,
            "text_distance": 3,
        }
    ).convert("1")


def render_image(doc: Document) -> Image.Image:
    """The whole document as one 1-bit image, ``doc.width.dots`` wide."""
    dots = doc.width.dots
    strips: list[Image.Image] = []
    for item in layout(doc):
        match item:
            case Line():
                strips.append(line_image(item, dots, pitch=LINE_PITCH))
            case QrCode(data, module):
                strips.append(_placed(qr_image(data, module), dots, Align.CENTER))
            case Barcode(data, height):
                strips.append(_placed(barcode_image(data, height), dots, Align.CENTER))
            case Logo(image):
                strips.append(_placed(image.convert("1"), dots, Align.CENTER))
            case Feed(lines):
                strips.append(Image.new("1", (dots, LINE_PITCH * lines), _WHITE))
            case Cut():
                cut = Image.new("1", (dots, LINE_PITCH), _WHITE)
                ImageDraw.Draw(cut).line([(0, LINE_PITCH // 2), (dots, LINE_PITCH // 2)], fill=0)
                strips.append(cut)
    height = sum(s.height for s in strips) or 1
    page = Image.new("1", (dots, height), _WHITE)
    y = 0
    for strip in strips:
        page.paste(strip, (0, y))
        y += strip.height
    return page


def render_png(doc: Document) -> bytes:
    """The PNG preview the demo and the UI show."""
    out = io.BytesIO()
    render_image(doc).save(out, format="PNG")
    return out.getvalue()
