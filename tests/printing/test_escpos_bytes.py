"""ESC/POS bytes: exact bytes for small documents, and whole slips read back by a decoder."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.printing.document import (
    Align,
    Cut,
    Document,
    Feed,
    Line,
    PaperWidth,
    QrCode,
    Size,
    Text,
    layout,
)
from kiosk.printing.errors import PrintDataError, UnprintableTextError
from kiosk.printing.escpos import PrinterProfile, render_escpos
from kiosk.printing.layouts import Lang

from .escpos_stream import decode, qr_payloads
from .slips import FULL_PAN, MASKED_PAN, all_slips

INIT = b"\x1b@\x1c."  # ESC @, then FS . so a printer powered up in Chinese mode starts known
PLAIN = b"\x1d!\x00\x1bE\x00\x1ba\x00"  # GS ! 0 (1x1), ESC E 0 (not bold), ESC a 0 (left)

EXACT = [
    ("ascii", Text("Hi"), PrinterProfile(), INIT + PLAIN + b"\x1bt\x00Hi\n"),
    (
        "chinese-centred-double-bold",
        Text("中文", Align.CENTER, bold=True, size=Size.DOUBLE),
        PrinterProfile(),
        # GS ! 0x11, ESC E 1, ESC a 1, FS & + GB18030 "中文" + FS ., then the newline.
        INIT + b"\x1d!\x11\x1bE\x01\x1ba\x01\x1c&\xd6\xd0\xce\xc4\x1c.\x1bt\x00\n",
    ),
    (
        "yen-in-pc437",
        Text("¥5"),
        PrinterProfile(),
        INIT + PLAIN + b"\x1bt\x00\x9d5\n",  # PC437 0x9D is the yen sign
    ),
    ("feed", Feed(3), PrinterProfile(), INIT + b"\x1bd\x03"),
    ("full-cut", Cut(), PrinterProfile(), INIT + b"\x1bd\x06\x1dV\x00"),
    ("partial-cut", Cut(partial=True), PrinterProfile(), INIT + b"\x1bd\x06\x1dV\x01"),
    ("no-cutter", Cut(), PrinterProfile(cutter=False), INIT + b"\x1bd\x06"),
    (
        "native-qr",
        QrCode("AB", module=6),
        PrinterProfile(),
        INIT
        + b"\x1ba\x01"
        + b"\x1d(k\x04\x001A2\x00"  # fn 165: model 2
        + b"\x1d(k\x03\x001C\x06"  # fn 167: module 6 dots
        + b"\x1d(k\x03\x001E1"  # fn 169: error correction M
        + b"\x1d(k\x05\x001P0AB"  # fn 180: store "AB"
        + b"\x1d(k\x03\x001Q0"  # fn 181: print
        + b"\x1ba\x00",
    ),
]


@pytest.mark.parametrize(
    ("block", "profile", "expected"), [e[1:] for e in EXACT], ids=[e[0] for e in EXACT]
)
def test_exact_bytes(block, profile, expected):
    """Small documents give exactly the ESC/POS bytes the command reference prescribes."""
    assert render_escpos(Document(PaperWidth.MM58, (block,)), profile) == expected


def test_chinese_lines_without_chinese_font_are_one_raster_image():
    """Without a Chinese font, adjacent Chinese lines go as one GS v 0 image; Latin stays text."""
    doc = Document(PaperWidth.MM58, (Text("合计 ¥12.50"), Text("找零 ¥0.50"), Text("Total")))
    stream = decode(render_escpos(doc, PrinterProfile(width=PaperWidth.MM58, chinese_font=False)))
    assert "FS &" not in stream.names()
    (image,) = [c for c in stream.commands if c.name == "GS v 0"]
    assert image.params == bytes([0, 48, 0, 60, 0])  # 48 bytes = 384 dots wide, 2 × 30 high
    assert any(image.data)  # something is drawn
    assert stream.lines == ["Total"]


def test_same_document_gives_the_same_bytes_whatever_came_before():
    """Code-page choice does not leak between documents: '¥' stays PC437 after a PC850 '×'."""
    yen = Document(PaperWidth.MM58, (Text("¥5"),))
    first = render_escpos(yen, PrinterProfile())
    render_escpos(Document(PaperWidth.MM58, (Text("2×3"),)), PrinterProfile())
    assert render_escpos(yen, PrinterProfile()) == first


@pytest.mark.parametrize(("charset", "kanji"), [("gbk", True), ("gb2312", False)])
def test_gbk_only_character_on_a_gb2312_printer_is_rasterised(charset, kanji):
    """'喆' is in GBK but not GB2312: Chinese mode on a GBK printer, an image on a GB2312 one."""
    doc = Document(PaperWidth.MM80, (Text("张喆"),))
    stream = decode(render_escpos(doc, PrinterProfile(chinese_charset=charset)))
    assert ("FS &" in stream.names()) is kanji
    assert stream.images == (0 if kanji else 1)
    assert (stream.lines == ["张喆"]) is kanji


def _receipt_stream(width: PaperWidth) -> tuple[bytes, list[str]]:
    data = render_escpos(all_slips(width, Lang.ZH)["receipt"], PrinterProfile(width=width))
    return data, decode(data).lines


@pytest.mark.parametrize("width", list(PaperWidth), ids=lambda w: f"{w.value}mm")
def test_receipt_bytes_decode_to_chinese_text_amounts_and_masked_pan(width: PaperWidth):
    """The decoded receipt has its Chinese labels, amounts on their rows and the masked PAN."""
    _, lines = _receipt_stream(width)

    def row(label: str) -> str:
        (found,) = [line for line in lines if line.startswith(label)]
        return found

    assert lines[0] == "青山农贸市场 Green Hill Market"
    assert "购物小票" in lines[1]
    assert row("合计").endswith("¥40.00")
    assert row("优惠").endswith("-¥0.50")
    assert row("小计").endswith("¥40.50")
    assert row("青菜 Greens").endswith("¥4.50")
    assert row("卡号").endswith(MASKED_PAN)
    assert row("余额").endswith("¥386.50")
    assert row("TC").endswith("0123456789ABCDEF")
    assert "电子现金" in lines
    assert all(len(line) <= width.columns for line in lines)  # never wider than the paper


@pytest.mark.parametrize("width", list(PaperWidth), ids=lambda w: f"{w.value}mm")
def test_no_full_pan_in_any_slip(width: PaperWidth):
    """No slip's bytes hold the full PAN, nor the six digits the mask hides."""
    for lang in Lang:
        for name, doc in all_slips(width, lang).items():
            for profile in (
                PrinterProfile(width=width),
                PrinterProfile(width=width, chinese_font=False),
            ):
                data = render_escpos(doc, profile)
                assert FULL_PAN.encode() not in data, name
                assert FULL_PAN[6:12].encode() not in data, name


@pytest.mark.parametrize("width", list(PaperWidth), ids=lambda w: f"{w.value}mm")
@pytest.mark.parametrize("lang", list(Lang))
def test_every_slip_is_valid_escpos(width: PaperWidth, lang: Lang):
    """Every layout renders to a stream the decoder reads to the end, ending with a cut."""
    for name, doc in all_slips(width, lang).items():
        for chinese_font in (True, False):
            profile = PrinterProfile(width=width, chinese_font=chinese_font)
            stream = decode(render_escpos(doc, profile))
            assert stream.names()[-1] == "GS V", name
            expected_qr = [b.data for b in doc.blocks if isinstance(b, QrCode)]
            assert qr_payloads(stream) == expected_qr, name
            assert ("FS &" in stream.names()) is chinese_font, name


def test_line_that_must_be_rasterised_is_drawn_not_replaced():
    """A character outside GBK is drawn as an image or refused with a typed error, never '?'."""
    rare = "\U00020000"  # CJK Extension B: GB18030 four-byte code, not in printer fonts
    doc = Document(PaperWidth.MM80, (Text(f"Name {rare}"),))
    try:
        stream = decode(render_escpos(doc, PrinterProfile()))
    except UnprintableTextError as exc:
        assert exc.code == "printer.unprintable_text"
    else:
        assert stream.images == 1 and "?" not in stream.text
    with pytest.raises(UnprintableTextError):
        render_escpos(Document(PaperWidth.MM80, (Text("smile \U0001f600"),)), PrinterProfile())


BARCODES = [("ascii", "ORDER-42", None), ("non-ascii", "票42", "printer.render")]


@pytest.mark.parametrize(("data", "error"), [b[1:] for b in BARCODES], ids=[b[0] for b in BARCODES])
def test_barcode_errors_from_python_escpos_are_mapped(data, error):
    """A CODE128 value python-escpos refuses becomes PrintDataError; a good one is GS k B."""
    from kiosk.printing.document import Barcode

    doc = Document(PaperWidth.MM80, (Barcode(data),))
    if error is None:
        (cmd,) = [
            c for c in decode(render_escpos(doc, PrinterProfile())).commands if c.name == "GS k"
        ]
        assert cmd.params[0] == 73 and cmd.data == b"{B" + data.encode()  # m=73: CODE128
        return
    with pytest.raises(PrintDataError) as info:
        render_escpos(doc, PrinterProfile())
    assert info.value.code == error and info.value.__cause__ is not None


def test_control_characters_are_refused():
    """A control character in printed text is a typed error, not a stray command."""
    with pytest.raises(UnprintableTextError):
        render_escpos(Document(PaperWidth.MM80, (Text("a\x1bb"),)), PrinterProfile())


def test_logo_wider_than_paper_is_refused():
    """A logo wider than the paper is a PrintDataError before any byte is built."""
    from PIL import Image

    from kiosk.printing.document import Logo

    doc = Document(PaperWidth.MM58, (Logo(Image.new("1", (400, 10))),))
    with pytest.raises(PrintDataError):
        render_escpos(doc, PrinterProfile(width=PaperWidth.MM58))


ALPHABET = st.sampled_from([*"Ab z9¥×é€ΩЖ中文票，。", "\U0001f600", "\U00020000"])


@settings(max_examples=40, deadline=None)
@given(text=st.text(ALPHABET, min_size=1, max_size=30), chinese_font=st.booleans())
def test_no_character_silently_becomes_a_question_mark(text: str, chinese_font: bool):
    """Any text either renders with no '?' in the decoded output or raises a typed error."""
    doc = Document(PaperWidth.MM80, (Text(text),))
    try:
        data = render_escpos(doc, PrinterProfile(chinese_font=chinese_font))
    except UnprintableTextError:
        return
    stream = decode(data)
    assert "?" not in stream.text
    printed = "".join(stream.lines).replace(" ", "")
    lines = [item for item in layout(doc) if isinstance(item, Line)]
    text_lines = [ln.text.replace(" ", "") for ln in lines]
    # every line is either printed as text, character for character, or as one image
    assert stream.images + sum(1 for t in text_lines if t in printed) >= len(text_lines)


def test_logo_is_a_centred_raster_image():
    """A logo goes as GS v 0 of its own size between ESC a 1 (centre) and ESC a 0."""
    from PIL import Image, ImageDraw

    from kiosk.printing.document import Logo

    logo = Image.new("1", (100, 40), 1)
    ImageDraw.Draw(logo).rectangle((10, 10, 90, 30), fill=0)
    stream = decode(render_escpos(Document(PaperWidth.MM58, (Logo(logo),)), PrinterProfile()))
    names = stream.names()
    i = names.index("GS v 0")
    assert names[i - 1] == "ESC a" and stream.commands[i - 1].params == b"\x01"
    assert stream.commands[i].params == bytes([0, 13, 0, 40, 0])  # ceil(100/8) bytes × 40 rows
    assert stream.commands[i + 1].name == "ESC a" and stream.commands[i + 1].params == b"\x00"
    assert sum(bin(b).count("1") for b in stream.commands[i].data) == 81 * 21  # inked dots


def test_raster_bytes_layout_and_split():
    """GS v 0 rows are MSB-left with 1 = black, and blocks over 960 rows are split."""
    from PIL import Image

    from kiosk.printing.escpos import RASTER_ROWS, raster_bytes

    strip = Image.new("1", (16, 600), 1)
    strip.putpixel((0, 0), 0)  # top-left dot black
    strip.putpixel((15, 599), 0)  # bottom-right dot black
    stream = decode(raster_bytes([strip, strip]))
    first, second = stream.commands
    assert first.params == bytes([0, 2, 0]) + RASTER_ROWS.to_bytes(2, "little")
    assert second.params == bytes([0, 2, 0]) + (1200 - RASTER_ROWS).to_bytes(2, "little")
    assert first.data[:2] == b"\x80\x00"  # leftmost dot is the most significant bit
    assert second.data[-2:] == b"\x00\x01"
    assert sum(bin(b).count("1") for b in first.data + second.data) == 4
