"""The CJK TrueType font used for previews, rasterised Chinese lines and PDF reports.

reportlab can embed only TrueType outlines, not the CFF-based Noto CJK fonts, so the search
prefers WenQuanYi Micro Hei (Debian ``fonts-wqy-microhei``; its "Mono" face, index 1, has
half-width Latin glyphs), then WenQuanYi Zen Hei. ``KIOSK_CJK_FONT`` (``path`` or
``path#index``) overrides the search, and a font dropped into ``assets/fonts/`` wins over the
system ones. A missing font is a :class:`PrinterConfigError` (``printer.font_missing``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import ImageFont

from kiosk.printing.errors import PrinterConfigError

_ASSETS = Path(__file__).resolve().parents[2] / "assets" / "fonts"
_SYSTEM_FONTS = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 1),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
)


@dataclass(frozen=True)
class FontFile:
    """A TrueType font file and the face index inside a collection (``.ttc``)."""

    path: Path
    index: int = 0


@cache
def cjk_font_file() -> FontFile:
    """Find the CJK TrueType font; raise PrinterConfigError when none is installed."""
    override = os.environ.get("KIOSK_CJK_FONT")
    candidates: list[tuple[str, int]]
    if override:
        path, _, face = override.partition("#")
        if not (face or "0").isdigit():
            raise PrinterConfigError(
                f"KIOSK_CJK_FONT={override!r}: expected PATH or PATH#INDEX", code="printer.font"
            )
        candidates = [(path, int(face or 0))]
    else:
        shipped = sorted(_ASSETS.glob("*.tt[fc]")) if _ASSETS.is_dir() else []
        candidates = [(str(p), 0) for p in shipped] + list(_SYSTEM_FONTS)
    for path, index in candidates:
        if Path(path).is_file():
            return FontFile(Path(path), index)
    raise PrinterConfigError(
        "no CJK TrueType font found: install fonts-wqy-microhei or set KIOSK_CJK_FONT",
        code="printer.font_missing",
        searched=[p for p, _ in candidates],
    )


@cache
def pil_font(size: int) -> ImageFont.FreeTypeFont:
    """The CJK font at ``size`` pixels, for PIL drawing."""
    font = cjk_font_file()
    return ImageFont.truetype(str(font.path), size, index=font.index)


@cache
def _covered_code_points() -> frozenset[int]:
    # PIL cannot say whether a face has a glyph (it draws the .notdef box instead), so read
    # the cmap once with reportlab's TrueType parser, which the PDF reports load anyway.
    from reportlab.pdfbase.ttfonts import TTFontFile

    font = cjk_font_file()
    face = TTFontFile(str(font.path), subfontIndex=font.index)
    return frozenset(face.charToGlyph)


def font_covers(text: str) -> bool:
    """Whether the CJK font has a glyph for every character of ``text`` (spaces included)."""
    covered = _covered_code_points()
    return all(ord(c) in covered for c in text)
