"""Settlement PDFs: 10,000 transactions, totals read back from the PDF, Chinese that renders."""

from __future__ import annotations

import random
import subprocess
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from kiosk.money import format_fen
from kiosk.printing import fonts
from kiosk.printing.errors import PrintDataError, PrinterConfigError, PrinterError
from kiosk.printing.records import (
    PaymentPath,
    Period,
    SaleMode,
    TransactionRecord,
    TxStatus,
    summarize,
)
from kiosk.printing.reports import ReportKind, build_report

DAY = datetime(2026, 11, 27, tzinfo=UTC)
PERIOD = Period(DAY, DAY + timedelta(days=1))
PRODUCTS = ["成人票", "儿童票", "青菜", "五花肉", "小车 5元/时"]


def _records(n: int, seed: int = 5) -> list[TransactionRecord]:
    rng = random.Random(seed)
    statuses = [TxStatus.APPROVED] * 8 + [TxStatus.DECLINED, TxStatus.VOIDED]
    return [
        TransactionRecord(
            time=DAY + timedelta(seconds=rng.randrange(86_400)),
            mode=rng.choice(list(SaleMode)),
            path=rng.choice(list(PaymentPath)),
            product=rng.choice(PRODUCTS),
            amount_fen=rng.randrange(1, 50_000),
            status=rng.choice(statuses),
        )
        for _ in range(n)
    ]


def _expected(records: list[TransactionRecord]) -> dict[str, tuple[int, int]]:
    """Totals computed the plain way, by label as the PDF shows them."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])

    def add(key: str, r: TransactionRecord) -> None:
        out[key][0] += 1
        out[key][1] += r.amount_fen

    for r in records:
        if r.status is TxStatus.DECLINED:
            add("拒绝 Declined", r)
        elif r.status is TxStatus.VOIDED:
            add("撤销 Voided", r)
        elif r.path is PaymentPath.REFUND:
            add("退款 Refunds", r)
        else:
            add("销售 Sales", r)
            add(
                {
                    "offline_ec": "电子现金脱机 Offline EC",
                    "offline": "借贷记脱机 Offline debit/credit",
                    "online": "联机 Online",
                    "cash": "现金 Cash",
                }[r.path.value],
                r,
            )
            add(
                {"ticket": "门票 Tickets", "market": "市场 Market", "parking": "停车 Parking"}[
                    r.mode.value
                ],
                r,
            )
            add(r.product, r)
            add(f"{r.time.hour:02d}:00", r)
    return {k: (v[0], v[1]) for k, v in out.items()}


@pytest.fixture(scope="module")
def day_report(tmp_path_factory) -> tuple[Path, list[TransactionRecord]]:
    records = _records(10_000)
    out = tmp_path_factory.mktemp("report") / "day.pdf"
    build_report(
        records,
        kind=ReportKind.DAY,
        period=PERIOD,
        out_path=out,
        merchant_name="青山景区",
        terminal_id="T0001",
    )
    return out, records


def _cells(pdf: Path) -> list[str]:
    reader = PdfReader(pdf)
    return [line.strip() for page in reader.pages for line in page.extract_text().splitlines()]


def test_report_totals_read_back_from_the_pdf(day_report):
    """Every total row in the PDF (summary, path, mode, product, hour) matches the records."""
    pdf, records = day_report
    cells = _cells(pdf)
    expected = _expected(records)
    for label, (count, fen) in expected.items():
        i = cells.index(label)
        assert cells[i + 1 : i + 3] == [str(count), format_fen(fen, grouping=True)], label
    sales, refunds = expected["销售 Sales"], expected["退款 Refunds"]
    i = cells.index("净额 Net")
    assert cells[i + 2] == format_fen(sales[1] - refunds[1], grouping=True)
    assert (
        len(records) == 10_000
        and sum(
            c
            for c, _ in (
                expected[k] for k in ("销售 Sales", "退款 Refunds", "撤销 Voided", "拒绝 Declined")
            )
        )
        == 10_000
    )


def test_report_has_chinese_headings_and_an_embedded_font(day_report):
    """The extracted text holds the Chinese headings, and the CJK TrueType font is embedded."""
    pdf, _ = day_report
    text = "\n".join(_cells(pdf))
    for heading in ("日结报表", "汇总", "按支付方式", "按业务", "按商品/收费标准", "按小时"):
        assert heading in text
    reader = PdfReader(pdf)
    embedded = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object().get("/FontDescriptor")
            if descriptor and "/FontFile2" in descriptor.get_object():
                embedded.add(str(font.get_object()["/BaseFont"]))
    assert any("WenQuanYi" in name or "ZenHei" in name for name in embedded), embedded


def test_report_pages_rasterise_with_ink(day_report, tmp_path):
    """pdftoppm renders each page with real ink, Chinese title included (not a blank page)."""
    pdf, _ = day_report
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p-*.png"))
    assert len(pages) >= 2  # the hour chart and table spill onto a second page
    for page in pages:
        image = Image.open(page).convert("L")
        dark = sum(image.histogram()[:128])
        assert dark > 500, page.name
    title = Image.open(pages[0]).convert("L").crop((0, 0, 200, 60))  # top-left: 日结报表
    assert sum(title.histogram()[:128]) > 50


def test_records_outside_the_period_are_not_counted():
    """A shift report counts only records inside [start, end)."""
    records = _records(500)
    shift = Period(DAY + timedelta(hours=6), DAY + timedelta(hours=14))
    summary = summarize(records, shift)
    inside = [r for r in records if shift.start <= r.time < shift.end]
    assert summarize(inside, PERIOD).sales == summary.sales
    assert all(t.count == 0 for h, t in enumerate(summary.by_hour) if not 6 <= h < 14)


def test_negative_amount_is_refused(tmp_path):
    """A negative amount is a typed error: refunds are REFUND records with positive amounts."""
    bad = [TransactionRecord(DAY, SaleMode.MARKET, PaymentPath.CASH, "x", -100)]
    with pytest.raises(PrintDataError):
        build_report(bad, kind=ReportKind.SHIFT, period=PERIOD, out_path=tmp_path / "r.pdf")


def test_naive_record_time_against_an_aware_period_is_refused():
    """Mixing naive and aware times is a typed error, not a TypeError from a comparison."""
    bad = [
        TransactionRecord(datetime(2026, 11, 27, 9), SaleMode.TICKET, PaymentPath.ONLINE, "x", 1)
    ]
    with pytest.raises(PrintDataError) as info:
        summarize(bad, PERIOD)
    assert info.value.code == "printer.report_time"


def test_missing_font_is_a_config_error(monkeypatch, tmp_path):
    """Without a CJK TrueType font the report fails with printer.font_missing."""
    monkeypatch.setenv("KIOSK_CJK_FONT", str(tmp_path / "none.ttf"))
    fonts.cjk_font_file.cache_clear()
    try:
        with pytest.raises(PrinterConfigError) as info:
            fonts.cjk_font_file()
        assert info.value.code == "printer.font_missing"
    finally:
        monkeypatch.delenv("KIOSK_CJK_FONT")
        fonts.cjk_font_file.cache_clear()


def test_unwritable_output_is_a_printer_error(tmp_path):
    """An output path in a missing directory is a typed error, not an OSError."""
    with pytest.raises(PrinterError) as info:
        build_report([], kind=ReportKind.DAY, period=PERIOD, out_path=tmp_path / "no" / "r.pdf")
    assert info.value.code == "printer.report_write"
