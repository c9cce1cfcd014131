"""What the hidden operator menu does: the PIN with its lockout, then reprint, printer status
and shift close on the printer's worker, each answer shown in the menu's status line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject

from kiosk.checkout.terminal import KioskServices, SyncView
from kiosk.errors import KioskError
from kiosk.money import format_fen
from kiosk.ui.operator_access import PinGuard, stored_pin_hash
from kiosk.ui.operator_screens import OperatorMenu, PinScreen
from kiosk.ui.texts import explain
from kiosk.ui.widgets import Page
from kiosk.ui.workers import Done, Worker

translate = QCoreApplication.translate


class OperatorDesk(QObject):
    """Owns the PIN pad and the menu; ``show`` puts a page up, ``still_on(page)`` makes the
    ``still_wanted`` guard for a worker result meant for that page."""

    def __init__(
        self,
        services: KioskServices,
        worker: Worker,
        show: Callable[[Page], None],
        still_on: Callable[[Page], Callable[[], bool]],
        parent: QObject,
    ) -> None:
        super().__init__(parent)
        self.services, self.worker, self._show, self._still_on = services, worker, show, still_on
        self.pin = PinScreen()
        self.menu = OperatorMenu()
        settings = services.settings
        self.guard = PinGuard(stored_pin_hash(settings), demo=settings.demo)
        self.pin.submitted.connect(self._pin_entered)
        self.menu.reprint.connect(self._reprint)
        self.menu.printer_status.connect(self._printer_status)
        self.menu.sync_status.connect(self._sync_status)
        self.menu.shift_close.connect(self._shift_close)

    def open(self) -> None:
        """Show the PIN pad (saying so when entry is locked)."""
        self.pin.show_message(self._locked_text())
        self._show(self.pin)

    def _locked_text(self) -> str:
        if not self.guard.configured:
            return translate("Operator", "No operator PIN is set (kiosk admin set-pin)")
        left = self.guard.locked_for()
        if not left:
            return ""
        return translate("Operator", "Locked: try again in %1 s").replace("%1", str(int(left) + 1))

    def _pin_entered(self, pin: str) -> None:
        if self.guard.try_pin(pin):
            self.menu.show_status("")
            self._show(self.menu)
            return
        self.pin.show_message(self._locked_text() or translate("Operator", "Wrong PIN"))

    def _call(self, fn: Callable[[int], Any], render: Callable[[Any], str]) -> None:
        self.menu.show_status(translate("Operator", "Working…"))

        def shown(done: Done) -> None:
            if done.error is not None:
                code = done.error.code if isinstance(done.error, KioskError) else "internal"
                self.menu.show_status(explain(code).title)
            else:
                self.menu.show_status(render(done.value))

        self.worker.run(fn, shown, still_wanted=self._still_on(self.menu))

    def _reprint(self) -> None:
        def render(value: tuple[int, str]) -> str:
            left, error = value
            return explain(error).title if left else translate("Operator", "Reprinted")

        self._call(lambda _job: self.services.reprint_last(), render)

    def _printer_status(self) -> None:
        self._call(
            lambda _job: self.services.printer_status(),
            lambda code: (
                translate("Operator", "Printer ready") if code == "ok" else explain(code).title
            ),
        )

    def _sync_status(self) -> None:
        self._call(lambda _job: self.services.sync_view(), sync_text)

    def _shift_close(self) -> None:
        self._call(
            lambda _job: self.services.close_shift(),
            lambda summary: (
                translate("Operator", "Shift closed: %1 sales, %2")
                .replace("%1", str(summary.sales.count))
                .replace("%2", format_fen(summary.sales.amount_fen))
            ),
        )


def sync_text(view: SyncView) -> str:
    """The sync state in the operator's words (the status area's sync line)."""
    if view.state == "disabled":
        return translate("Operator", "Sync: disabled")
    if view.state == "not_enrolled":
        return translate("Operator", "Sync: not enrolled with a back office")
    if view.status is None:
        return translate("Operator", "Sync: not available (see kiosk doctor)")
    status = view.status
    contact = (
        status.last_contact_at.astimezone().strftime("%H:%M")
        if status.last_contact_at
        else translate("Operator", "never")
    )
    text = (
        translate("Operator", "Sync: %1 entries waiting, last contact %2, offline unsent %3")
        .replace("%1", str(status.backlog))
        .replace("%2", contact)
        .replace("%3", format_fen(status.offline_unacked_fen))
    )
    if view.detail:
        text += "\n" + explain(view.detail).title
    return text
