"""Document model and layouts: column widths with CJK, wrapping, previews, receipt data rules."""

from __future__ import annotations

import dataclasses
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from kiosk.printing.document import (
    Barcode,
    Columns,
    Document,
    Line,
    PaperWidth,
    QrCode,
    Separator,
    Text,
    layout,
    pad_columns,
    text_width,
    wrap,
)
from kiosk.printing.errors import PanNotMaskedError, PrintDataError
from kiosk.printing.layouts import Lang, receipt
from kiosk.printing.preview import render_png
from kiosk.printing.records import check_masked_pan

from .slips import EC_PAYMENT, FULL_PAN, RECEIPT, all_slips

WIDTHS = [
    ("ascii", "Total", 5),
    ("chinese", "合计", 4),
    ("mixed", "成人票 Adult", 12),
    ("fullwidth-punct", "你好，世界", 10),
    ("yen", "¥12.50", 6),
]


@pytest.mark.parametrize(("text", "columns"), [w[1:] for w in WIDTHS], ids=[w[0] for w in WIDTHS])
def test_text_width_counts_cjk_as_two_columns(text, columns):
    """CJK and fullwidth characters take two columns, Latin and ¥ one."""
    assert text_width(text) == columns


WRAPS = [
    ("fits", "abc def", 7, ["abc def"]),
    ("at-space", "abc def ghi", 7, ["abc def", "ghi"]),
    ("long-word", "abcdefghij", 4, ["abcd", "efgh", "ij"]),
    ("chinese-any-char", "青山景区售票处", 6, ["青山景", "区售票", "处"]),
    ("wide-char-never-split", "a青山", 4, ["a青", "山"]),
]


@pytest.mark.parametrize(
    ("text", "columns", "lines"), [w[1:] for w in WRAPS], ids=[w[0] for w in WRAPS]
)
def test_wrap(text, columns, lines):
    """Wrapping breaks Latin at spaces, Chinese anywhere, never half a wide character."""
    assert wrap(text, columns) == lines


def test_columns_put_the_amount_at_the_right_edge():
    """An item/price row fills the width exactly; a long name wraps above its amount."""
    (row,) = pad_columns("成人票", "¥60.00", 32)
    assert text_width(row) == 32 and row.startswith("成人票") and row.endswith("¥60.00")
    rows = pad_columns("A very long item name that cannot fit on one line", "¥1.00", 20)
    assert all(text_width(r) <= 20 for r in rows) and rows[-1].endswith("¥1.00")


@pytest.mark.parametrize(
    ("char", "line"), [("-", "-" * 32), ("＝", "＝" * 16)], ids=["dash", "wide"]
)
def test_separator_fills_the_width(char, line):
    """A separator repeats its character across the paper, wide ones half as often."""
    (item,) = layout(Document(PaperWidth.MM58, (Separator(char),)))
    assert item == Line(line)


def test_empty_separator_is_refused():
    """A separator of zero or several characters is a PrintDataError, not a crash."""
    with pytest.raises(PrintDataError):
        list(layout(Document(PaperWidth.MM58, (Separator(""),))))


def test_amount_wider_than_the_paper_is_refused():
    """A right column wider than the paper is a PrintDataError, not a garbled row."""
    with pytest.raises(PrintDataError):
        list(layout(Document(PaperWidth.MM58, (Columns("x", "9" * 40),))))


@pytest.mark.parametrize("width", list(PaperWidth), ids=lambda w: f"{w.value}mm")
@pytest.mark.parametrize("lang", list(Lang))
def test_every_slip_line_fits_the_paper(width: PaperWidth, lang: Lang):
    """Every laid-out line of every layout fits 32 (58 mm) or 48 (80 mm) columns at its size."""
    for name, doc in all_slips(width, lang).items():
        for item in layout(doc):
            if isinstance(item, Line):
                assert text_width(item.text) * item.size.width <= width.columns, (name, item)


def test_receipt_shows_ec_words_and_balance_only_for_electronic_cash():
    """ "电子现金" and the balance print for an EC purchase; an online one shows neither."""
    ec = receipt(RECEIPT, PaperWidth.MM80, Lang.ZH).preview_text()
    assert "电子现金" in ec and "¥386.50" in ec
    online = dataclasses.replace(
        RECEIPT, payment=dataclasses.replace(EC_PAYMENT, electronic_cash=False)
    )
    text = receipt(online, PaperWidth.MM80, Lang.ZH).preview_text()
    assert "电子现金" not in text and "¥386.50" not in text and "银联IC卡" in text


def test_english_receipt_has_english_labels():
    """lang=en prints English labels and the same amounts."""
    text = receipt(RECEIPT, PaperWidth.MM58, Lang.EN).preview_text()
    assert "TOTAL" in text and "¥40.00" in text and "Electronic cash" in text and "合计" not in text


def test_the_receipt_footer_names_the_version_and_build():
    """Support reads the program's version off a customer's receipt."""
    from kiosk import __version__

    for lang in Lang:
        lines = receipt(RECEIPT, PaperWidth.MM58, lang).preview_text().splitlines()
        assert any(line.strip() == f"kiosk {__version__} (source)" for line in lines), lang


def test_reprint_is_marked():
    """A reprinted slip carries the reprint marker; the first print does not."""
    first = receipt(RECEIPT, PaperWidth.MM80, Lang.ZH).preview_text()
    again = dataclasses.replace(RECEIPT, header=dataclasses.replace(RECEIPT.header, reprint=True))
    assert "重打" not in first and "重打" in receipt(again, PaperWidth.MM80, Lang.ZH).preview_text()


def test_refund_and_void_show_negative_amounts():
    """Refund and void slips show the amount as a negative yuan figure and a signature line."""
    slips = all_slips(PaperWidth.MM80, Lang.ZH)
    assert "-¥4.50" in slips["refund"].preview_text()
    assert "-¥40.00" in slips["void"].preview_text() and "签名" in slips["void"].preview_text()


def test_shift_close_net_is_sales_minus_refunds():
    """The shift slip's net is the sum of sale paths minus refunds."""
    text = all_slips(PaperWidth.MM80, Lang.EN)["shift_close"].preview_text()
    net = [line for line in text.splitlines() if line.startswith("Net")]
    assert net and net[0].endswith(f"¥{(45_000 + 90_000 - 450) / 100:.2f}")


def test_total_that_does_not_add_up_is_refused():
    """Receipt data whose items minus discount differ from the total is refused."""
    with pytest.raises(PrintDataError) as info:
        dataclasses.replace(RECEIPT, total_fen=RECEIPT.total_fen + 1)
    assert info.value.code == "printer.total_mismatch"


PANS = [
    ("full", FULL_PAN),
    ("seven-visible", "6234567*****0017"),
    ("five-last", "623456*****00017"),
    ("spaces", "6234 56** **** 0017"),
    ("too-short", "623456**0017"),
]


@pytest.mark.parametrize("pan", [p[1] for p in PANS], ids=[p[0] for p in PANS])
def test_unmasked_pan_cannot_get_into_a_receipt(pan):
    """CardPayment refuses anything but first-6/last-4 masking, and never echoes the value."""
    with pytest.raises(PanNotMaskedError) as info:
        dataclasses.replace(EC_PAYMENT, masked_pan=pan)
    assert info.value.code == "printer.pan_not_masked"
    assert pan not in str(info.value) and pan not in repr(info.value.context)


def test_masked_pan_lengths():
    """Masked PANs of 13 to 19 characters are accepted."""
    for hidden in (3, 9):
        pan = "623456" + "*" * hidden + "0017"
        assert check_masked_pan(pan) == pan


def test_card_payment_checks_its_hex_fields():
    """A cryptogram or AID that is not hex of the right length is refused."""
    with pytest.raises(PrintDataError):
        dataclasses.replace(EC_PAYMENT, cryptogram="XYZ")
    with pytest.raises(PrintDataError):
        dataclasses.replace(EC_PAYMENT, aid="A0")


@pytest.mark.parametrize("width", list(PaperWidth), ids=lambda w: f"{w.value}mm")
def test_png_preview_is_paper_wide_and_inked(width: PaperWidth):
    """The PNG preview is as wide as the paper in dots and has ink on it."""
    for name, doc in all_slips(width, Lang.ZH).items():
        image = Image.open(io.BytesIO(render_png(doc))).convert("L")
        assert image.width == width.dots, name
        assert sum(image.histogram()[:128]) > 2_000, name


def test_text_preview_aligns_centre_and_right():
    """The text preview centres and right-aligns by display columns."""
    from kiosk.printing.document import Align

    doc = Document(PaperWidth.MM58, (Text("中文", Align.CENTER), Text("ab", Align.RIGHT)))
    centre, right = doc.preview_text().splitlines()
    assert centre == " " * 14 + "中文" and right == " " * 30 + "ab"


def test_ticket_prints_the_gate_note_and_the_token_as_qr():
    """A ticket shows the product, its note and the token (as a QR block, not as text)."""
    doc = all_slips(PaperWidth.MM58, Lang.ZH)["ticket"]
    text = doc.preview_text()
    assert "学生票 Student" in text and "凭学生证入园" in text and "[QR ABCDEFGH234567]" in text


@pytest.mark.parametrize(
    ("tag", "lang"), [("zh_CN", Lang.ZH), ("zh-Hans", Lang.ZH), ("en_US", Lang.EN), ("", Lang.EN)]
)
def test_language_tags_map_to_slip_languages(tag, lang):
    """UI language tags choose the slip language."""
    assert Lang.of(tag) is lang


CODES = [
    ("qr", QrCode("AEAQCAYTCNMB6IIFAAAQEAIBZKQWUXZPRK4Q"), "QRCode"),
    ("code128", Barcode("ORDER-42"), "Code128"),
]


@pytest.mark.parametrize(("block", "symbology"), [c[1:] for c in CODES], ids=[c[0] for c in CODES])
def test_codes_in_the_png_preview_scan(block, symbology):
    """QR codes and barcodes in the PNG preview decode back to their data with zxing-cpp."""
    import zxingcpp

    doc = Document(PaperWidth.MM58, (Text("扫码 Scan"), block))
    (found,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(render_png(doc))))
    assert found.text == block.data and found.format.name == symbology


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(st.sampled_from([*"ab Z9 ¥.-", "中", "票", "，"]), max_size=80),
    columns=st.integers(2, 48),
)
def test_wrap_never_overflows_and_loses_nothing(text, columns):
    """Wrapped lines fit the columns and keep every non-space character, in order."""
    lines = wrap(text, columns)
    assert all(text_width(line) <= columns for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
