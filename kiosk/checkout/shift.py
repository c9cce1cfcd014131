"""Closing the operator's shift from the kiosk's hidden menu: journal first, then the slip.

Plain Python, run on the printer's worker. The shift's period and figures come from
:mod:`kiosk.checkout.settlement` (the same ones ``kiosk report shift`` puts in its PDF).
Closing marks the open ``shift`` row closed (or records the period as a closed shift when
none was open), opens the next one, and appends ``shift.closed`` and ``shift.opened`` in the
same transaction; only then is the slip printed, so a printer fault loses nothing: the
figures are in the journal and the PDF report can be made at any time. The slip carries
the ``shift.closed`` entry's checkpoint (:class:`~kiosk.journal.chain.Checkpoint`): paper
that a journal rewritten on the terminal's own disk no longer matches.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from kiosk.checkout.documents import JournalPrinter
from kiosk.checkout.settlement import shift_period, transaction_records
from kiosk.journal.chain import Checkpoint
from kiosk.journal.models import Shift, ShiftStatus
from kiosk.journal.store import JournalStore, Tx
from kiosk.printing.layouts import ShiftCloseData, SlipHeader, shift_close
from kiosk.printing.records import Summary, summarize
from kiosk.sales.tickets import CHINA


def close_shift(
    store: JournalStore, printer: JournalPrinter | None, *, now: datetime, actor: str
) -> Summary:
    """Close the shift at ``now`` and print its slip on ``printer`` (when there is one).

    Raises the printer's PrinterError after the journal has the closed shift.
    """
    period = shift_period(store, now)
    summary = summarize(transaction_records(store, period), period)
    with store.transaction(now=now) as tx:
        shift = tx.session.scalars(
            select(Shift).where(
                Shift.terminal_id == store.terminal_id, Shift.status == ShiftStatus.OPEN
            )
        ).first()
        if shift is None:
            shift = _open_shift(tx, period.start, actor)
        shift.status, shift.closed_at, shift.closed_by = ShiftStatus.CLOSED, tx.now, actor
        following = _open_shift(tx, tx.now, actor)
        tx.session.flush()
        closed = tx.append(
            "shift.closed",
            {
                "shift": shift.id,
                "sales": summary.sales.count,
                "sales_fen": summary.sales.amount_fen,
                "refunds_fen": summary.refunds.amount_fen,
                "net_fen": summary.net_fen,
            },
            actor=actor,
        )
        tx.append("shift.opened", {"shift": following.id}, actor=actor)
    if printer is not None:
        slip = printer.slip
        data = ShiftCloseData(
            SlipHeader(slip.merchant_name, slip.terminal_id, now.astimezone(CHINA)),
            actor,
            period.start,
            now.astimezone(CHINA),
            dict(summary.by_path),
            dict(summary.by_mode),
            summary.voided,
            Checkpoint.of(closed.seq, closed.hash).printed(),
        )
        printer.service.print_document(shift_close(data, slip.width, slip.lang))
    return summary


def _open_shift(tx: Tx, opened_at: datetime, actor: str) -> Shift:
    shift = Shift(
        terminal_id=tx.terminal_id, status=ShiftStatus.OPEN, opened_at=opened_at, opened_by=actor
    )
    tx.session.add(shift)
    return shift
