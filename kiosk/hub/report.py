"""The fleet's day (``kiosk hub report day``): takings by terminal and by payment path,
counts, chain alerts and the terminals offline, counted from the hub's projections and laid
out as a PDF with :mod:`kiosk.printing.reports`' font and tables.

The day is a UTC date, as on the operator page: a payment belongs to the day its latest
entry was journaled by the terminal, an alert to the day the hub recorded it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kiosk.hub.fleet import PAID, TerminalRow, payments_on, terminals
from kiosk.hub.models import ChainAlert, HubOrder, HubPayment
from kiosk.money import format_fen
from kiosk.printing.records import Total

#: The terminal's ``path`` values (``checkout.card_provider``) as the report names them.
PATH_NAMES = {
    "ec_offline": "电子现金脱机 EC offline",
    "online": "联机 Online",
    "qpboc_offline": "qPBOC 非接脱机 qPBOC offline",
    "offline": "借贷记脱机 Offline debit/credit",
    "cash": "现金 Cash",
}
#: Payments that gave the money back, or never took it.
DECLINED = ("declined",)
RETURNED = ("voided", "refunded")


@dataclass(frozen=True)
class FleetDay:
    """What the PDF shows, kept apart so that the figures can be checked without it."""

    day: date
    by_terminal: dict[str, Total]
    by_path: dict[str, Total]
    orders: int
    declined: Total
    returned: Total
    alerts: list[ChainAlert]
    offline: list[TerminalRow]

    @property
    def paid(self) -> Total:
        return sum(self.by_terminal.values(), Total())


def fleet_day(session: Session, day: date, *, now: float) -> FleetDay:
    """Count ``day`` (UTC) from the hub's tables; ``now`` decides which terminals are offline."""
    text = day.isoformat()
    by_terminal: dict[str, Total] = defaultdict(Total)
    by_path: dict[str, Total] = defaultdict(Total)
    for payment in payments_on(session, text, PAID):
        one = Total(1, payment.amount_fen)
        by_terminal[payment.terminal_id] += one
        by_path[payment.path or "unknown"] += one
    start = datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
    end = (datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)).timestamp()
    alerts = session.scalars(
        select(ChainAlert)
        .where(ChainAlert.at >= start, ChainAlert.at < end)
        .order_by(ChainAlert.terminal_id, ChainAlert.seq)
    )
    orders = session.scalar(
        select(func.count()).select_from(HubOrder).where(HubOrder.created_ts.startswith(text))
    )
    return FleetDay(
        day=day,
        by_terminal=dict(sorted(by_terminal.items())),
        by_path=dict(sorted(by_path.items())),
        orders=int(orders or 0),
        declined=_total(payments_on(session, text, DECLINED)),
        returned=_total(payments_on(session, text, RETURNED)),
        alerts=list(alerts),
        offline=[t for t in terminals(session, now=now) if not t.online],
    )


def _total(payments: list[HubPayment]) -> Total:
    return Total(len(payments), sum(p.amount_fen for p in payments))


def write_pdf(report: FleetDay, out_path: Path) -> None:
    """Lay ``report`` out on A4 at ``out_path`` (Chinese and English headings).

    Raises PrinterConfigError when no CJK font is installed, PrinterError when the file
    cannot be written."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from kiosk.printing.errors import PrinterError
    from kiosk.printing.reports import register_font, table

    font = register_font()
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13)
    heading = ParagraphStyle("heading", fontName=font, fontSize=12, leading=18, spaceBefore=8)
    head = ["", "笔数 Count", "金额 Amount"]
    summary = [
        ["收款 Paid", *_cells(report.paid)],
        ["拒绝 Declined", *_cells(report.declined)],
        ["撤销/退款 Voided/refunded", *_cells(report.returned)],
        ["订单 Orders", str(report.orders), ""],
    ]
    story = [
        Paragraph("车队日报 Fleet day report", title),
        Paragraph(f"日期 Date (UTC): {report.day.isoformat()}", body),
        Paragraph("汇总 Summary", heading),
        table(head, summary),
        Paragraph("按终端 By terminal", heading),
        table(head, [[t, *_cells(total)] for t, total in report.by_terminal.items()]),
        Paragraph("按支付方式 By payment path", heading),
        table(
            head,
            [[PATH_NAMES.get(p, p), *_cells(total)] for p, total in report.by_path.items()],
        ),
        Paragraph(f"链告警 Chain alerts: {len(report.alerts)}", heading),
        table(
            ["终端 Terminal", "序号 Seq", "说明 Detail"],
            [[a.terminal_id, str(a.seq), a.detail[:80]] for a in report.alerts],
            (30, 20, 120),
        ),
        Paragraph(f"离线终端 Terminals offline: {len(report.offline)}", heading),
        table(
            ["终端 Terminal", "最后联系 Last seen", "状态 State"],
            [[t.id, t.last_seen, "已吊销 revoked" if t.revoked else ""] for t in report.offline],
            (40, 60, 45),
        ),
    ]
    pdf = SimpleDocTemplate(
        str(out_path), pagesize=A4, title="Fleet day", author="kiosk hub", invariant=True
    )
    try:
        pdf.build(story)
    except OSError as exc:
        raise PrinterError(f"cannot write {out_path}: {exc}", code="printer.report_write") from exc


def _cells(total: Total) -> list[str]:
    return [str(total.count), format_fen(total.amount_fen, grouping=True)]
