"""Shift and day settlement reports as PDF (reportlab), with the CJK font embedded.

:func:`build_report` lays a :class:`~kiosk.printing.records.Summary` out on A4 with a bar
chart of sales by hour (the figures are counted in :mod:`kiosk.printing.records`, which
loads no reportlab, so closing a shift does not pay for the PDF library). The font is
embedded as a TrueType subset, so the PDF shows its Chinese headings on any machine;
Chinese and English headings stand side by side.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from kiosk.money import format_fen
from kiosk.printing.errors import PrinterError
from kiosk.printing.fonts import cjk_font_file
from kiosk.printing.records import (
    PaymentPath,
    Period,
    SaleMode,
    Summary,
    Total,
    TransactionRecord,
    summarize,
)

FONT = "KioskCJK"


class ReportKind(StrEnum):
    SHIFT = "shift"
    DAY = "day"
    X = "x"  # the market counter's mid-shift report: the shift so far, nothing closed
    Z = "z"  # the market counter's shift close


_TITLES = {
    ReportKind.SHIFT: "班结报表 Shift settlement",
    ReportKind.DAY: "日结报表 Day settlement",
    ReportKind.X: "X 报表（班中） Mid-shift X report",
    ReportKind.Z: "Z 报表（交班） Shift close Z report",
}
_CASH = {
    "expected_fen": "应有现金 Cash expected",
    "counted_fen": "实点现金 Cash counted",
    "difference_fen": "差额 Difference",
}
_PATHS = {
    PaymentPath.OFFLINE_EC: "电子现金脱机 Offline EC",
    PaymentPath.OFFLINE: "借贷记脱机 Offline debit/credit",
    PaymentPath.ONLINE: "联机 Online",
    PaymentPath.CASH: "现金 Cash",
    PaymentPath.REFUND: "退款 Refunds",
}
_MODES = {
    SaleMode.TICKET: "门票 Tickets",
    SaleMode.MARKET: "市场 Market",
    SaleMode.PARKING: "停车 Parking",
}


@cache
def register_font() -> str:
    """The embedded CJK font's reportlab name (registered once).

    Raises PrinterConfigError when no CJK TrueType font is installed."""
    font = cjk_font_file()
    try:
        pdfmetrics.registerFont(TTFont(FONT, str(font.path), subfontIndex=font.index))
    except Exception as exc:  # reportlab raises TTFError and plain Exceptions for bad fonts
        raise PrinterError(
            f"cannot embed {font.path}: {exc}", code="printer.font_unusable"
        ) from exc
    return FONT


def table(
    header: list[str], rows: list[list[str]], widths_mm: Sequence[float] = (70, 30, 45)
) -> Table:
    """A report table: grey header, figures right-aligned, in the CJK font."""
    laid_out = Table([header, *rows], hAlign="LEFT", colWidths=[w * mm for w in widths_mm])
    laid_out.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 9),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ]
        )
    )
    return laid_out


def _rows(items: Iterable[tuple[str, Total]]) -> list[list[str]]:
    return [[name, str(t.count), format_fen(t.amount_fen, grouping=True)] for name, t in items]


_HEAD = ["", "笔数 Count", "金额 Amount"]


def _hour_chart(by_hour: list[Total]) -> Drawing:
    drawing = Drawing(160 * mm, 60 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 12 * mm, 8 * mm, 145 * mm, 48 * mm
    chart.data = [[t.amount_fen / 100 for t in by_hour]]
    chart.categoryAxis.categoryNames = [f"{h:02d}" for h in range(24)]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 6
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 6
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = colors.HexColor("#3366aa")
    drawing.add(chart)
    return drawing


def _settlement_row(payload: Mapping[str, Any]) -> list[str]:
    """One ``acquirer.settled`` journal entry as a report row."""
    result = "平账 balanced" if payload.get("balanced") else "不平 not balanced"
    return [
        f"{int(payload.get('batch', 0)):06d}",
        result,
        str(payload.get("debit_count", 0)),
        format_fen(int(payload.get("debit_fen", 0))),
        str(payload.get("uploaded", 0)),
    ]


def _subsidy_row(rule: Mapping[str, Any]) -> list[str]:
    """One promotion's grants (count, fen) and its daily budget left (``-``: no budget)."""
    left = rule.get("budget_left_fen")
    return [
        f"{rule.get('name_zh', '')} {rule['code']}".strip(),
        str(rule["grants"]),
        format_fen(int(rule["granted_fen"]), grouping=True),
        "-" if left is None else format_fen(int(left), grouping=True),
    ]


def build_report(
    records: Iterable[TransactionRecord],
    *,
    kind: ReportKind,
    period: Period,
    out_path: Path,
    merchant_name: str = "",
    terminal_id: str = "",
    settlements: Sequence[Mapping[str, Any]] = (),
    cash: Mapping[str, int] | None = None,
    subsidies: Sequence[Mapping[str, Any]] = (),
) -> Summary:
    """Write the settlement PDF for ``period`` to ``out_path`` and return its summary.

    ``cash``: the drawer's ``expected_fen`` and, at a close, ``counted_fen`` and
    ``difference_fen``; ``subsidies``: per promotion its ``code``, ``name_zh``, ``grants``,
    ``granted_fen`` and ``budget_left_fen`` (None: no budget), as
    :func:`kiosk.checkout.market_reports.subsidy_summary` gives them.

    Raises PrinterConfigError when no CJK TrueType font is installed, PrinterError when the
    file cannot be written.
    """
    summary = summarize(records, period)
    font = register_font()
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13)
    heading = ParagraphStyle("heading", fontName=font, fontSize=12, leading=18, spaceBefore=8)
    s = summary
    story = [
        Paragraph(_TITLES[kind], title),
        Paragraph(f"{merchant_name} 终端 Terminal {terminal_id}".strip(), body),
        Paragraph(
            f"时段 Period: {period.start:%Y-%m-%d %H:%M} – {period.end:%Y-%m-%d %H:%M}", body
        ),
        Spacer(1, 4 * mm),
        Paragraph("汇总 Summary", heading),
        table(
            _HEAD,
            _rows(
                [
                    ("销售 Sales", s.sales),
                    ("退款 Refunds", s.refunds),
                    ("净额 Net", Total(s.sales.count + s.refunds.count, s.net_fen)),
                    ("撤销 Voided", s.voided),
                    ("拒绝 Declined", s.declined),
                ]
            ),
        ),
        Paragraph("按支付方式 By payment path", heading),
        table(_HEAD, _rows((_PATHS[p], s.by_path[p]) for p in PaymentPath)),
        Paragraph("按业务 By mode", heading),
        table(_HEAD, _rows((_MODES[m], s.by_mode[m]) for m in SaleMode)),
        Paragraph("按商品/收费标准 By product or tariff", heading),
        table(
            _HEAD,
            _rows(sorted(s.by_product.items(), key=lambda kv: (-kv[1].amount_fen, kv[0]))),
        ),
        Paragraph("按小时 By hour (元 yuan)", heading),
        _hour_chart(s.by_hour),
        table(_HEAD, _rows((f"{h:02d}:00", t) for h, t in enumerate(s.by_hour) if t.count)),
    ]
    if cash is not None:
        story += [
            Paragraph("现金 Cash in the drawer", heading),
            table(
                ["", "", "金额 Amount"],
                [[_CASH[k], "", format_fen(v, grouping=True)] for k, v in cash.items()],
            ),
        ]
    if subsidies:
        story += [
            Paragraph("补贴 Subsidies granted", heading),
            table(
                ["促销 Promotion", "笔数 Count", "金额 Amount", "预算余额 Budget left"],
                [_subsidy_row(rule) for rule in subsidies],
            ),
        ]
    if settlements:
        story += [
            Paragraph("收单结算 Acquirer settlement", heading),
            table(
                ["批次 Batch", "结果 Result", "笔数 Count", "金额 Amount", "上送 Uploaded"],
                [_settlement_row(p) for p in settlements],
            ),
        ]
    pdf = SimpleDocTemplate(
        str(out_path),
        pagesize=A4,
        title=_TITLES[kind],
        author="kiosk",
        invariant=True,
        initialFontName=FONT,
    )
    try:
        pdf.build(story)
    except OSError as exc:
        raise PrinterError(f"cannot write {out_path}: {exc}", code="printer.report_write") from exc
    return summary
