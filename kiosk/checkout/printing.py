"""What checkout needs from a printer, the job snapshot it prints from the journal, and the
terminal's queue of documents waiting for the printer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from kiosk.errors import KioskError
from kiosk.journal.disk import OutcomeSpool
from kiosk.journal.models import Order, Payment, PrintJob, PrintStatus
from kiosk.journal.store import JournalError, JournalStore, Tx, utcnow


@dataclass(frozen=True)
class PrintJobView:
    """A print job with the journal rows it renders (detached copies: safe on any thread)."""

    job_id: int
    kind: str
    order: Order | None
    payment: Payment | None
    attempt: int


class JobPrinter(Protocol):
    def ready(self) -> None:
        """Return if a job can print now; raise a PrinterError (a KioskError) saying why not."""

    def print_job(self, job: PrintJobView) -> None:
        """Print ``job`` completely or raise a KioskError; never report success on doubt."""


def job_view(job: PrintJob, order: Order | None) -> PrintJobView:
    payment = None
    if order is not None:
        charged = [p for p in order.payments if p.state.value in ("approved", "settled")]
        payment = charged[-1] if charged else (order.payments[-1] if order.payments else None)
    return PrintJobView(job.id, job.kind, order, payment, job.attempts + 1)


@dataclass
class PrintQueue:
    """This terminal's queued print jobs: printed in order, each outcome journalled.

    Jobs are queued in the same transaction as the sale they print (see
    :func:`kiosk.checkout.fulfil.fulfil`), so a printer fault or a crash leaves
    them here until they print. Only this terminal's jobs: terminals may share a database,
    and a kiosk must never print another one's tickets.
    """

    store: JournalStore
    printer: JobPrinter | None
    clock: Callable[[], datetime] = utcnow
    #: Where a printed job the journal cannot take yet is kept (see kiosk.journal.disk).
    spool: OutcomeSpool | None = None

    def _queued(self) -> Select[PrintJob]:
        return select(PrintJob).where(
            PrintJob.terminal_id == self.store.terminal_id, PrintJob.status == PrintStatus.QUEUED
        )

    def ready(self) -> None:
        """Return if documents can print now; raise the printer's error (a KioskError,
        ``printer.missing`` without a printer) saying why not."""
        if self.printer is None:
            raise KioskError("no printer configured", code="printer.missing")
        self.printer.ready()

    def count(self) -> int:
        """How many jobs wait for the printer."""
        with self.store.read() as session:
            return session.scalar(select(func.count()).select_from(self._queued().subquery())) or 0

    def print_queued(self, *, order_id: int | None = None, actor: str) -> tuple[int, str]:
        """Print queued jobs (of one order, or all) in order; stop at the first printer error.

        Returns how many jobs are still queued and the error code that stopped printing.
        """
        with self.store.read() as session:
            query = self._queued().order_by(PrintJob.id)
            if order_id is not None:
                query = query.where(PrintJob.order_id == order_id)
            jobs = list(session.scalars(query))
            orders = {
                o.id: o
                for o in session.scalars(
                    select(Order)
                    .where(Order.id.in_({j.order_id for j in jobs}))
                    .options(selectinload(Order.lines), selectinload(Order.payments))
                )
            }
            views = [job_view(j, orders.get(j.order_id) if j.order_id else None) for j in jobs]
        if self.printer is None:
            return len(views), "printer.missing"
        journal_ok = True
        for done, view in enumerate(views):
            try:
                self.printer.print_job(view)
            except KioskError as exc:
                self._finished(view.job_id, actor, error=exc.code, spool_only=not journal_ok)
                return len(views) - done, exc.code
            journal_ok = self._finished(view.job_id, actor, spool_only=not journal_ok)
        return 0, ""

    def _finished(self, job_id: int, actor: str, *, error: str = "", spool_only: bool) -> bool:
        """Journal one attempt; False when the journal could not take it.

        A printed job the journal cannot take (disk full) is kept in the spool, when there
        is one, so that it is never printed twice; a failed attempt that cannot be journalled
        leaves the job queued as it was. ``spool_only`` skips the journal: after one failed
        write in a run, another attempt would only eat the room the spool needs.
        """
        if not spool_only:
            try:
                with self.store.transaction(now=self.clock()) as tx:
                    record_attempt(tx, job_id, actor, error=error)
                return True
            except JournalError:
                if self.spool is None:
                    raise
        assert self.spool is not None
        if not error and not self.spool.keep(f"job-{job_id}", {"job": job_id}):
            raise JournalError(f"print job {job_id} printed but neither journalled nor kept")
        return False


def record_attempt(tx: Tx, job_id: int, actor: str, *, error: str = "") -> None:
    """Journal one print attempt of a queued job: ``<kind>.printed``, or ``<kind>.failed``
    with the error (nothing when the job is no longer queued)."""
    job = tx.session.get(PrintJob, job_id)
    if job is None or job.status is not PrintStatus.QUEUED:
        return
    job.attempts += 1
    payload: dict[str, Any] = {"job": job_id, "order": job.order_id}
    if error:
        job.last_error, payload["error"] = error, error
    else:
        job.status, job.printed_at = PrintStatus.PRINTED, tx.now
    outcome = "failed" if error else "printed"
    tx.append(f"{job.kind.split(':')[0]}.{outcome}", payload, actor=actor)
