"""Printing benchmark: receipt -> ESC/POS bytes, and the 10,000-transaction day report.

Prints medians. The baseline, measured in the same run, is python-escpos's ``Dummy``
writing the same laid-out lines itself (``set`` + ``text``, its own GB18030 shortcut for
Chinese, no run classification, no FS & / FS .), so the ratio is what our text handling
costs on top of the library. Goals: under 5 ms per receipt, under 3 s for the report.

    PYTHONPATH=$PWD .venv/bin/python bench/printing.py
"""

from __future__ import annotations

import random
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _timing import median_ms
from escpos.printer import Dummy

from kiosk.printing.document import Cut, Document, Feed, Line, PaperWidth, QrCode, layout
from kiosk.printing.escpos import PrinterProfile, render_escpos
from kiosk.printing.layouts import Lang
from kiosk.printing.records import PaymentPath, Period, SaleMode, TransactionRecord, TxStatus
from kiosk.printing.reports import ReportKind, build_report
from kiosk.printing.samples import sample_receipt


def baseline(doc: Document) -> bytes:
    """python-escpos alone, writing the same lines."""
    p = Dummy()
    p.hw("INIT")
    for item in layout(doc):
        match item:
            case Line(text, align, bold, size):
                p.set(
                    align=align.value,
                    bold=bold,
                    custom_size=True,
                    width=size.width,
                    height=size.height,
                )
                p.textln(text)
            case QrCode(data, module):
                p.qr(data, size=module, native=True)
            case Feed(lines):
                p.print_and_feed(lines)
            case Cut():
                p.cut()
    return p.output


def records(n: int, day: datetime) -> list[TransactionRecord]:
    rng = random.Random(1)
    return [
        TransactionRecord(
            day + timedelta(seconds=rng.randrange(86_400)),
            rng.choice(list(SaleMode)),
            rng.choice(list(PaymentPath)),
            rng.choice(["成人票", "儿童票", "青菜", "五花肉", "小车"]),
            rng.randrange(1, 50_000),
            rng.choice([TxStatus.APPROVED] * 8 + [TxStatus.DECLINED, TxStatus.VOIDED]),
        )
        for _ in range(n)
    ]


def main() -> None:
    now = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    for width in PaperWidth:
        doc = sample_receipt(width, Lang.ZH, now)
        kanji = PrinterProfile(width=width)
        raster = PrinterProfile(width=width, chinese_font=False)
        ours = median_ms(lambda d=doc, p=kanji: render_escpos(d, p), 500)
        rastered = median_ms(lambda d=doc, p=raster: render_escpos(d, p), 200)
        base = median_ms(lambda d=doc: baseline(d), 500)
        print(
            f"receipt {width.value} mm -> ESC/POS: {ours:.3f} ms median "
            f"(baseline python-escpos Dummy {base:.3f} ms, ratio {ours / base:.2f}); "
            f"rasterised Chinese: {rastered:.3f} ms  [goal < 5 ms]"
        )
    day = datetime(2026, 11, 27, tzinfo=UTC)
    data = records(10_000, day)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "day.pdf"

        def build() -> None:
            build_report(
                data, kind=ReportKind.DAY, period=Period(day, day + timedelta(days=1)), out_path=out
            )

        report = median_ms(build, 5)
        size = out.stat().st_size
    print(
        f"day report, 10,000 transactions -> PDF: {report:.0f} ms median of 5, "
        f"{size / 1024:.0f} KiB  [goal < 3000 ms]"
    )


if __name__ == "__main__":
    main()
