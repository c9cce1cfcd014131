"""The market's subsidy figures and its X and Z reports as PDF, from the journal.

A subsidy granted is in its order's meta (``discount.subsidy``, written before the card
approved, see :mod:`kiosk.checkout.market`); it counts as spent unless the payment took
nothing (declined, aborted, still pending). The day report and the X/Z PDFs show per
promotion the grants (count, fen) and the daily budget left. X is the open shift so far
with the cash expected in the drawer; Z is the shift just closed with the cash counted
against expected. Both PDFs are laid out by :func:`kiosk.printing.reports.build_report`
beside the printed slips, and written owner-only: they list every sale of the shift.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from kiosk.checkout.settlement import day_period, transaction_records
from kiosk.files import private_file
from kiosk.journal.models import Order, Payment, PaymentState
from kiosk.journal.store import JournalStore
from kiosk.printing.records import Period, Summary
from kiosk.sales.subsidy import SubsidyGrant, SubsidyRule, budget_left
from kiosk.sales.tickets import CHINA

__all__ = ["granted_in", "market_report", "subsidy_summary", "today"]

#: Payments whose subsidy is not spent: the ones that took nothing.
_NOT_SPENT = (PaymentState.DECLINED, PaymentState.ABORTED, PaymentState.PENDING)


def today(now: datetime) -> Period:
    """The China day of ``now``: the period a daily budget and per-card limit count in."""
    return day_period(now.astimezone(CHINA).date())


def granted_in(store: JournalStore, period: Period) -> list[SubsidyGrant]:
    """Subsidies granted on market sales created inside ``period``."""
    with store.read() as session:
        rows = session.execute(
            select(Order.meta)
            .join(Payment, Payment.order_id == Order.id)
            .where(
                Order.terminal_id == store.terminal_id,
                Order.mode == "market",
                Order.created_at >= period.start,
                Order.created_at < period.end,
                Payment.state.not_in(_NOT_SPENT),
            )
        )
        discounts = [(meta or {}).get("discount") or {} for (meta,) in rows]
    return [
        SubsidyGrant(d["code"], d.get("pan_token", ""), d["saving_fen"])
        for d in discounts
        if d.get("subsidy")
    ]


def subsidy_summary(
    rules: Sequence[SubsidyRule], grants: Iterable[SubsidyGrant]
) -> list[dict[str, Any]]:
    """Per rule: grants and fen given, and the daily budget left (None: no budget)."""
    given = list(grants)
    return [
        {
            "code": rule.code,
            "name_zh": rule.name_zh,
            "grants": sum(1 for g in given if g.rule == rule.code),
            "granted_fen": sum(g.fen for g in given if g.rule == rule.code),
            "budget_left_fen": budget_left(rule, given),
        }
        for rule in rules
    ]


def market_report(
    store: JournalStore,
    *,
    kind: str,
    period: Period,
    out_path: Path,
    cash: Mapping[str, int],
    subsidies: Sequence[Mapping[str, Any]],
    merchant_name: str = "",
) -> Summary:
    """Write the ``x`` or ``z`` PDF of ``period`` to ``out_path`` (created 0600 first).

    Raises PrinterConfigError without a CJK font, PrinterError when it cannot be written.
    """
    # imported here: reportlab is loaded when a PDF is made, not by every sale
    from kiosk.printing.reports import ReportKind, build_report

    out_path.parent.mkdir(parents=True, exist_ok=True)
    private_file(out_path)
    return build_report(
        transaction_records(store, period),
        kind=ReportKind(kind),
        period=period,
        out_path=out_path,
        merchant_name=merchant_name,
        terminal_id=store.terminal_id,
        cash=cash,
        subsidies=subsidies,
    )
