"""``kiosk reprint``, ``kiosk report`` and ``kiosk settle``: printing, reporting and
settling from the journal."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from kiosk.cli_support import day, load_from_args, open_existing_journal
from kiosk.journal.store import JournalStore, utcnow
from kiosk.money import format_fen


def register(sub: Any) -> None:
    reprint = sub.add_parser("reprint", help="reprint a receipt, or print what a fault left")
    reprint.add_argument(
        "order",
        nargs="?",
        default="LAST",
        help="LAST (default) or an order reference from the receipt",
    )
    reprint.add_argument(
        "--pending",
        action="store_true",
        help="only print the jobs still queued after a printer fault",
    )
    reprint.set_defaults(func=_reprint)
    report = sub.add_parser("report", help="shift or day settlement report as PDF")
    report.add_argument("kind", choices=["shift", "day"])
    report.add_argument("--date", type=day, help="day (YYYY-MM-DD), default today")
    report.add_argument("--out", type=Path, required=True, metavar="FILE.pdf")
    report.set_defaults(func=_report)
    settle = sub.add_parser("settle", help="settle with the acquirer (0500, batch upload)")
    settle.set_defaults(func=_settle)


def _settle(args: argparse.Namespace) -> int:
    """Settle the payments since the last settlement; exit 1 when it did not balance."""
    from kiosk.checkout.acquirer_settlement import settle_with_acquirer
    from kiosk.checkout.card_provider import acquirer_from_settings
    from kiosk.errors import ConfigError

    settings, store = _store(args)
    host = acquirer_from_settings(settings, store)
    if host is None:
        raise ConfigError("payment.host is not an iso8583:// acquirer", code="config.no_acquirer")
    settled = settle_with_acquirer(store, host, now=utcnow(), actor="operator")
    assert settled is not None
    sys.stdout.write(
        f"batch {settled.batch:06d}: {settled.result}, {settled.debits.count} debits"
        f" {format_fen(settled.debits.amount_fen)}, {settled.uploaded} uploaded\n"
    )
    return 0 if settled.balanced else 1


def _store(args: argparse.Namespace) -> tuple[Any, JournalStore]:
    settings = load_from_args(args)
    return settings, open_existing_journal(settings)


def _reprint(args: argparse.Namespace) -> int:
    from kiosk.checkout.documents import printer_from_settings
    from kiosk.checkout.printing import PrintQueue
    from kiosk.checkout.reprint import queue_reprint

    settings, store = _store(args)
    if not args.pending:
        reference = queue_reprint(store, None if args.order == "LAST" else args.order, actor="cli")
        sys.stdout.write(f"receipt of {reference} queued\n")
    left, error = PrintQueue(store, printer_from_settings(settings)).print_queued(actor="cli")
    if left:
        sys.stdout.write(f"{left} job(s) still queued: {error}\n")
        return 1
    sys.stdout.write("printed\n")
    return 0


def _report(args: argparse.Namespace) -> int:
    from kiosk.checkout.acquirer_settlement import settlements_in
    from kiosk.checkout.market_reports import granted_in, subsidy_summary
    from kiosk.checkout.settlement import day_period, shift_period, transaction_records
    from kiosk.printing.reports import ReportKind, build_report
    from kiosk.sales.market import load_market
    from kiosk.sales.tickets import today_in_china

    settings, store = _store(args)
    _create_report_file(args.out, settings.terminal.report_group)
    now = utcnow()
    if args.kind == "day":
        period = day_period(args.date or today_in_china(now))
    else:
        period = shift_period(store, now)
    summary = build_report(
        transaction_records(store, period),
        settlements=settlements_in(store, period),
        # the market's promotions (the catalog the counter sells from); budgets are daily
        subsidies=subsidy_summary(load_market().subsidies, granted_in(store, period))
        if args.kind == "day"
        else (),
        kind=ReportKind(args.kind),
        period=period,
        out_path=args.out,
        merchant_name=settings.terminal.merchant_name,
        terminal_id=settings.terminal.id,
    )
    sys.stdout.write(
        f"{args.out}: {summary.sales.count} sales {format_fen(summary.sales.amount_fen)}"
        f", refunds {format_fen(summary.refunds.amount_fen)}\n"
    )
    return 0


def _create_report_file(path: Path, group: str) -> None:
    """Create the report owner-only, or 0640 for ``group`` (``terminal.report_group``), before
    a byte of it is written: it lists every sale of the period."""
    import grp

    from kiosk.errors import ConfigError
    from kiosk.files import private_file

    gid = -1
    if group:
        try:
            gid = grp.getgrnam(group).gr_gid
        except KeyError as exc:
            raise ConfigError(
                f"terminal.report_group: no group {group!r}",
                code="config.value",
                key="terminal.report_group",
            ) from exc
    private_file(path, mode=0o600)
    if group:
        os.chown(path, -1, gid)
        os.chmod(path, 0o640)
