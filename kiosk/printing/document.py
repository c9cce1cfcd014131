"""A printed slip as plain data: the blocks every layout builds and every renderer reads.

A :class:`Document` is a paper width and a tuple of blocks (text lines, item/price rows,
separators, QR code, barcode, logo, feed, cut). :func:`layout` turns the text blocks into
lines that fit the paper in character columns (Font A, 12 dots: 32 columns on 58 mm paper,
48 on 80 mm); CJK (East Asian wide) characters take two columns, as on the printer's 24×24
Chinese font. The ESC/POS renderer, the text preview and the PNG preview all read the same
lines, so what the preview shows is what the printer gets.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum, IntEnum, StrEnum
from functools import cache

from PIL import Image

from kiosk.printing.errors import PrintDataError, UnprintableTextError


class PaperWidth(IntEnum):
    """Roll width in mm; its printable dots (203 dpi) and Font A columns follow."""

    MM58 = 58
    MM80 = 80

    @property
    def dots(self) -> int:
        return 384 if self is PaperWidth.MM58 else 576

    @property
    def columns(self) -> int:
        return self.dots // CELL_WIDTH


#: Font A cell in dots (ESC/POS Font A is 12×24 on 203 dpi thermal printers).
CELL_WIDTH = 12
CELL_HEIGHT = 24


class Align(StrEnum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


class Size(Enum):
    """Character size as (width, height) multipliers, sent as ``GS !``."""

    NORMAL = (1, 1)
    TALL = (1, 2)
    WIDE = (2, 1)
    DOUBLE = (2, 2)

    @property
    def width(self) -> int:
        return self.value[0]

    @property
    def height(self) -> int:
        return self.value[1]


@dataclass(frozen=True)
class Text:
    """A paragraph; wrapped to the paper width at layout time."""

    text: str
    align: Align = Align.LEFT
    bold: bool = False
    size: Size = Size.NORMAL


@dataclass(frozen=True)
class Columns:
    """An item/price row: ``left`` wraps, ``right`` sits right-aligned on its last line."""

    left: str
    right: str
    bold: bool = False


@dataclass(frozen=True)
class Separator:
    char: str = "-"


@dataclass(frozen=True)
class QrCode:
    """A QR code, printed by the printer (``GS ( k``) or as an image; ``module`` in dots."""

    data: str
    module: int = 6


@dataclass(frozen=True)
class Barcode:
    """A CODE128 barcode of printable ASCII."""

    data: str
    height: int = 64


@dataclass(frozen=True)
class Logo:
    """A 1-bit image, centred; it must not be wider than the paper."""

    image: Image.Image = field(compare=False)


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class Cut:
    partial: bool = False


Block = Text | Columns | Separator | QrCode | Barcode | Logo | Feed | Cut


@dataclass(frozen=True)
class Line:
    """One printed line after layout: fits ``PaperWidth.columns`` at its size."""

    text: str
    align: Align = Align.LEFT
    bold: bool = False
    size: Size = Size.NORMAL


LaidOut = Line | QrCode | Barcode | Logo | Feed | Cut


@dataclass(frozen=True)
class Document:
    """What to print on one slip; ``kind`` names the layout (``receipt``, ``ticket``, ...)."""

    width: PaperWidth
    blocks: tuple[Block, ...]
    kind: str = "document"

    def preview_text(self) -> str:
        """Plain-text preview, one string line per printed line."""
        return render_text(self)


@cache
def char_width(char: str) -> int:
    """Columns a character takes: 2 for East Asian wide/fullwidth, else 1."""
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def text_width(text: str) -> int:
    """Columns a string takes at normal size."""
    return len(text) if text.isascii() else sum(char_width(c) for c in text)


def check_text(text: str) -> str:
    """Refuse control, surrogate, private-use and unassigned characters in printed text."""
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn"):
            raise UnprintableTextError(
                f"character U+{ord(char):04X} cannot be printed", char=f"U+{ord(char):04X}"
            )
    return text


def wrap(text: str, columns: int) -> list[str]:
    """Wrap to ``columns``: at spaces where a word fits, anywhere inside CJK or long words."""
    lines: list[str] = []
    current, width = "", 0
    for word in _words(text):
        w = text_width(word)
        if width + w <= columns:
            current, width = current + word, width + w
            continue
        if current.strip():
            lines.append(current.rstrip())
        current, width = "", 0
        for char in word.lstrip():
            cw = char_width(char)
            if width + cw > columns:
                lines.append(current)
                current, width = "", 0
            current, width = current + char, width + cw
    if current.strip() or not lines:
        lines.append(current.rstrip())
    return lines


def _words(text: str) -> Iterator[str]:
    """Split into pieces that may not be broken: a Latin word with its leading space, or one
    wide character (Chinese text may break between any two characters)."""
    word = ""
    for char in text:
        if char == " " and word.strip():
            yield word
            word = ""
        if char_width(char) == 2:
            if word:
                yield word
            yield char
            word = ""
        else:
            word += char
    if word:
        yield word


def pad_columns(left: str, right: str, columns: int) -> list[str]:
    """Item/price row: ``left`` wrapped, ``right`` right-aligned on the last line."""
    right_w = text_width(right)
    if right_w >= columns:
        raise PrintDataError(f"{right!r} does not fit {columns} columns", code="printer.too_wide")
    lines = wrap(left, columns - right_w - 1) if left else [""]
    last = lines[-1]
    lines[-1] = last + " " * (columns - text_width(last) - right_w) + right
    return lines


def layout(doc: Document) -> Iterator[LaidOut]:
    """The document as printed lines and the other blocks, in order."""
    columns = doc.width.columns
    for block in doc.blocks:
        match block:
            case Text(text, align, bold, size):
                for part in wrap(check_text(text), columns // size.width):
                    yield Line(part, align, bold, size)
            case Columns(left, right, bold):
                for part in pad_columns(check_text(left), check_text(right), columns):
                    yield Line(part, Align.LEFT, bold)
            case Separator(char):
                if len(char) != 1:
                    raise PrintDataError("a separator is one character", code="printer.separator")
                yield Line(check_text(char) * (columns // text_width(char)))
            case Logo(image) if image.width > doc.width.dots:
                raise PrintDataError(
                    f"logo is {image.width} dots wide, paper {doc.width.dots}",
                    code="printer.logo_too_wide",
                )
            case _:
                yield block


def aligned(line: Line, columns: int) -> str:
    """The line padded with spaces to its alignment, as the text preview shows it: plain
    text cannot enlarge characters, so an enlarged line is aligned at its normal width."""
    room = columns - text_width(line.text)
    match line.align:
        case Align.CENTER:
            return " " * (room // 2) + line.text
        case Align.RIGHT:
            return " " * room + line.text
        case _:
            return line.text


def render_text(doc: Document) -> str:
    """Plain-text preview: text lines aligned in columns; codes and images as placeholders."""
    columns = doc.width.columns
    out: list[str] = []
    for item in layout(doc):
        match item:
            case Line():
                out.append(aligned(item, columns).rstrip())
            case QrCode(data):
                out.append(aligned(Line(f"[QR {data}]", Align.CENTER), columns))
            case Barcode(data):
                out.append(aligned(Line(f"[||| {data} |||]", Align.CENTER), columns))
            case Logo():
                out.append(aligned(Line("[LOGO]", Align.CENTER), columns))
            case Feed(lines):
                out.extend([""] * lines)
            case Cut():
                out.append("~" * columns)
    return "\n".join(out) + "\n"


__all__ = [
    "CELL_HEIGHT",
    "CELL_WIDTH",
    "Align",
    "Barcode",
    "Block",
    "Columns",
    "Cut",
    "Document",
    "Feed",
    "LaidOut",
    "Line",
    "Logo",
    "PaperWidth",
    "QrCode",
    "Separator",
    "Size",
    "Text",
    "char_width",
    "layout",
    "pad_columns",
    "render_text",
    "text_width",
    "wrap",
]
