"""The first-run set-up wizard: shown by ``kiosk run`` when there is no settings file and
the demo is off (:func:`kiosk.checkout.first_run.config_to_write`).

Pages: the terminal (id, mode), the printer (found ones or a typed ``tcp://host:port``, a
test slip), the card reader (a test read), the scale, the hub (enrolment), then the file is
written. Every device step is a call into :mod:`kiosk.checkout.first_run` on a worker
thread, the same calls ``kiosk setup`` makes, so the screens hold no rule of their own.
Optional steps (scale, hub) may be left empty; a failed test is shown in plain words and
may be tried again.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QRegularExpression, Qt, QTimer, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from kiosk.checkout import first_run
from kiosk.checkout.first_run import PrintOutcome, SetupChoices
from kiosk.config import Mode, Settings
from kiosk.errors import KioskError
from kiosk.ops.systemd import Notifier
from kiosk.ui.app import report_to_service_manager
from kiosk.ui.i18n import Translations
from kiosk.ui.theme import STYLESHEET
from kiosk.ui.widgets import button, label
from kiosk.ui.workers import Done, Worker

translate = QCoreApplication.translate

# Modes a first-run terminal is set up as (``admin`` is a tool, not a terminal).
MODES = (Mode.TICKET, Mode.MARKET, Mode.PARKING, Mode.GATE)
# Seconds the test read waits for a card.
CARD_WAIT_S = 30.0


def _line(name: str, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setMinimumHeight(60)
    edit.setPlaceholderText(placeholder)
    return edit


def _list(name: str) -> QListWidget:
    widget = QListWidget()
    widget.setObjectName(name)
    widget.setMinimumHeight(180)
    return widget


def _words(error: BaseException) -> str:
    """A failed step in one line: the error's code and message (never a traceback)."""
    if isinstance(error, KioskError):
        return f"{error.code}: {error}"
    return f"{type(error).__name__}: {error}"


class _Page(QWizardPage):
    """A page with a hint line and a result line; ``retranslate`` on language change."""

    def __init__(self, wizard: SetupWizard, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.owner = wizard
        self.hint = label("hint", name="hint")
        self.result = label("warning", name="result")
        self.box = QVBoxLayout(self)
        self.box.addWidget(self.hint)

    def finish_layout(self) -> None:
        self.box.addWidget(self.result)
        self.box.addStretch()
        self.retranslate()

    def run(self, what: Callable[[], Any], done: Callable[[Any], str], busy: str) -> None:
        """Run ``what`` on the worker; show ``busy`` meanwhile, then ``done(value)`` or the
        error in plain words."""
        self.result.setText(busy)
        self.result.setProperty("ok", None)

        def deliver(finished: Done) -> None:
            ok = finished.error is None
            text = done(finished.value) if ok else _words(finished.error)  # type: ignore[arg-type]
            self.result.setText(text)
            self.result.setProperty("ok", ok)
            self.completeChanged.emit()

        self.owner.worker.run(lambda _job: what(), deliver, still_wanted=self.isVisible)

    def retranslate(self) -> None:  # overridden
        """Set the page's texts in the current language."""

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


class TerminalPage(_Page):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard, "setup_terminal")
        self.terminal_id = _line("terminal_id", "T0000001")
        self.terminal_id.setValidator(
            QRegularExpressionValidator(QRegularExpression("[A-Z0-9]{0,8}"), self.terminal_id)
        )
        self.terminal_id.textChanged.connect(self.completeChanged)
        self.modes = QButtonGroup(self)
        grid = QGridLayout()
        self.mode_buttons: dict[Mode, QPushButton] = {}
        for i, mode in enumerate(MODES):
            b = button(f"mode_{mode.value}", "choice")
            b.setCheckable(True)
            self.modes.addButton(b)
            self.mode_buttons[mode] = b
            grid.addWidget(b, i // 2, i % 2)
        self.modes.buttonToggled.connect(lambda *_: self.completeChanged.emit())
        self.id_label = label(name="id_label")
        self.box.addWidget(self.id_label)
        self.box.addWidget(self.terminal_id)
        self.box.addLayout(grid)
        self.finish_layout()

    @property
    def mode(self) -> Mode | None:
        return next((m for m, b in self.mode_buttons.items() if b.isChecked()), None)

    def isComplete(self) -> bool:  # noqa: N802 - Qt override
        return len(self.terminal_id.text()) == 8 and self.mode is not None

    def retranslate(self) -> None:
        self.setTitle(translate("SetupWizard", "This terminal"))
        self.hint.setText(
            translate("SetupWizard", "Set up once: each step can be tested before it is kept.")
        )
        self.id_label.setText(translate("SetupWizard", "Terminal id (8 letters or digits)"))
        names = {
            Mode.TICKET: translate("SetupWizard", "Ticket kiosk"),
            Mode.MARKET: translate("SetupWizard", "Market counter"),
            Mode.PARKING: translate("SetupWizard", "Car park"),
            Mode.GATE: translate("SetupWizard", "Ticket gate"),
        }
        for mode, b in self.mode_buttons.items():
            b.setText(names[mode])


class _DevicePage(_Page):
    """A list of devices found (refreshed on entry), a URL field it fills, a test button."""

    def __init__(self, wizard: SetupWizard, name: str, url_name: str) -> None:
        super().__init__(wizard, name)
        self.found = _list("found")
        self.url = _line(url_name)
        self.url.textChanged.connect(self.completeChanged)
        self.found.currentItemChanged.connect(self._pick)
        self.refresh = button("refresh", "secondary")
        self.test = button("test")
        self.refresh.clicked.connect(self._search)
        self.test.clicked.connect(self.start_test)
        row = QHBoxLayout()
        row.addWidget(self.refresh)
        row.addWidget(self.test)
        self.box.addWidget(self.found)
        self.box.addWidget(self.url)
        self.box.addLayout(row)
        self.finish_layout()

    def _search(self) -> None:
        self.initializePage()

    def _pick(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.url.setText(str(item.data(Qt.ItemDataRole.UserRole)))

    def show_found(self, entries: list[tuple[str, str]]) -> None:
        """``(url, words)`` pairs in the list; an empty field takes the first."""
        self.found.clear()
        for url, words in entries:
            item = QListWidgetItem(words)
            item.setData(Qt.ItemDataRole.UserRole, url)
            self.found.addItem(item)
        if not self.url.text() and entries:
            self.found.setCurrentRow(0)

    def start_test(self) -> None:  # overridden
        """Try the device named in the field."""


class PrinterPage(_DevicePage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard, "setup_printer", "printer_url")
        self.url.setPlaceholderText("tcp://192.0.2.10:9100")

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        self.run(
            first_run.printer_choices,
            lambda found: self._found([(f.url, f"{f.description}  {f.url}") for f in found]),
            translate("SetupWizard", "Looking for printers…"),
        )

    def _found(self, entries: list[tuple[str, str]]) -> str:
        self.show_found(entries)
        if entries:
            return translate("SetupWizard", "Printers found: %1").replace("%1", str(len(entries)))
        return translate("SetupWizard", "No printer found: type a network printer's address.")

    def isComplete(self) -> bool:  # noqa: N802 - Qt override
        return bool(self.url.text().strip())

    def start_test(self) -> None:
        choices = self.owner.choices(printer=self.url.text().strip())
        self.run(
            lambda: first_run.print_test_slip(choices),
            self._printed,
            translate("SetupWizard", "Printing a test slip…"),
        )

    def _printed(self, outcome: PrintOutcome) -> str:
        return {
            PrintOutcome.CONFIRMED: translate("SetupWizard", "Test slip printed."),
            PrintOutcome.SENT: translate(
                "SetupWizard", "Test slip sent; this connection cannot confirm it: check the paper."
            ),
            PrintOutcome.PREVIEW: translate(
                "SetupWizard", "No printer: the slip went to the preview."
            ),
        }[outcome]

    def retranslate(self) -> None:
        self.setTitle(translate("SetupWizard", "Receipt printer"))
        self.hint.setText(
            translate("SetupWizard", "Choose the printer, or type tcp://address:9100.")
        )
        self.refresh.setText(translate("SetupWizard", "Search again"))
        self.test.setText(translate("SetupWizard", "Print a test slip"))


class ReaderPage(_DevicePage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard, "setup_reader", "reader")

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        self.run(
            first_run.list_readers,
            self._found,
            translate("SetupWizard", "Looking for card readers…"),
        )

    def _found(self, names: list[str]) -> str:
        self.show_found([(f"pcsc:{name}", name) for name in names])
        if names:
            return translate("SetupWizard", "Readers found: %1").replace("%1", str(len(names)))
        return translate("SetupWizard", "No card reader found: plug one in and search again.")

    def isComplete(self) -> bool:  # noqa: N802 - Qt override
        return bool(self.url.text().strip())

    def start_test(self) -> None:
        spec = self.url.text().strip()
        self.run(
            lambda: first_run.read_test_card(spec, timeout=CARD_WAIT_S),
            lambda probe: translate("SetupWizard", "Card read: %1").replace("%1", probe.describe()),
            translate("SetupWizard", "Insert or tap a card now…"),
        )

    def retranslate(self) -> None:
        self.setTitle(translate("SetupWizard", "Card reader"))
        self.hint.setText(
            translate("SetupWizard", "Choose the reader; a test read shows the card's apps.")
        )
        self.refresh.setText(translate("SetupWizard", "Search again"))
        self.test.setText(translate("SetupWizard", "Read a card"))


class ScalePage(_DevicePage):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard, "setup_scale", "scale_url")
        self.url.setPlaceholderText("serial:///dev/kiosk-scale?baudrate=9600")

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        self.run(
            first_run.serial_ports,
            lambda ports: self._found([(p.url, p.description) for p in ports]),
            translate("SetupWizard", "Looking for serial ports…"),
        )

    def _found(self, entries: list[tuple[str, str]]) -> str:
        # Listed, none chosen: most terminals have no scale, and a port may be the printer's.
        self.found.blockSignals(True)
        self.show_found(entries)
        self.found.setCurrentRow(-1)
        self.found.blockSignals(False)
        return translate("SetupWizard", "Serial ports: %1").replace("%1", str(len(entries)))

    def start_test(self) -> None:
        url = self.url.text().strip()
        self.run(
            lambda: first_run.weigh_once(url),
            lambda grams: translate("SetupWizard", "The scale answers: %1 g").replace(
                "%1", str(grams)
            ),
            translate("SetupWizard", "Reading the scale…"),
        )

    def retranslate(self) -> None:
        self.setTitle(translate("SetupWizard", "Scale"))
        self.hint.setText(translate("SetupWizard", "A market scale; leave empty if none."))
        self.refresh.setText(translate("SetupWizard", "Search again"))
        self.test.setText(translate("SetupWizard", "Read the weight"))


class HubPage(_Page):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard, "setup_hub")
        self.hub = _line("hub_url", "https://hub.example:8443")
        self.code = _line("hub_code", "ABCD-EFGH-JKMN-PQRS")
        self.enrol = button("enrol")
        self.enrol.clicked.connect(self.start_enrol)
        self.box.addWidget(self.hub)
        self.box.addWidget(self.code)
        self.box.addWidget(self.enrol)
        self.finish_layout()

    def start_enrol(self) -> None:
        choices = self.owner.choices()
        hub, code = self.hub.text().strip(), self.code.text()
        self.run(
            lambda: first_run.enrol(choices, hub, code),
            lambda words: translate("SetupWizard", "Enrolled: %1").replace("%1", words),
            translate("SetupWizard", "Enrolling with the hub…"),
        )

    def retranslate(self) -> None:
        self.setTitle(translate("SetupWizard", "Back-office hub"))
        self.hint.setText(
            translate(
                "SetupWizard", "The hub's address and the code from kiosk hub enroll; may be left."
            )
        )
        self.enrol.setText(translate("SetupWizard", "Enrol"))


class FinishPage(_Page):
    def __init__(self, wizard: SetupWizard) -> None:
        super().__init__(wizard, "setup_finish")
        self.summary = label(name="summary")
        self.box.addWidget(self.summary)
        self.finish_layout()

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        c = self.owner.choices()
        lines = [
            f"{c.terminal_id}  {c.mode.value}",
            c.printer,
            c.reader,
            c.scale or "-",
            str(self.owner.target),
        ]
        self.summary.setText("\n".join(lines))
        self.result.setText("")

    def validatePage(self) -> bool:  # noqa: N802 - Qt override
        """Write the file; a refusal stays on the page, in words."""
        try:
            settings = first_run.write_setup(self.owner.choices(), self.owner.target)
        except (KioskError, OSError) as exc:
            self.result.setText(_words(exc))
            return False
        self.owner.settings = settings
        self.owner.written.emit(settings)
        return True

    def retranslate(self) -> None:
        self.setTitle(translate("SetupWizard", "Ready"))
        self.hint.setText(
            translate("SetupWizard", "Finish writes the settings and starts the terminal.")
        )


class SetupWizard(QWizard):
    """The wizard; :attr:`settings` holds what the written file loads to once it is done."""

    written = Signal(object)

    def __init__(self, target: Path, data_dir: Path, translations: Translations) -> None:
        super().__init__()
        self.setObjectName("setup_wizard")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.target, self.data_dir, self.translations = target, data_dir, translations
        self.settings: Settings | None = None
        self.worker = Worker("setup", self)
        self.terminal = TerminalPage(self)
        self.printer = PrinterPage(self)
        self.reader = ReaderPage(self)
        self.scale = ScalePage(self)
        self.hub = HubPage(self)
        self.finish = FinishPage(self)
        for page in (self.terminal, self.printer, self.reader, self.scale, self.hub, self.finish):
            self.addPage(page)
        self.setOption(QWizard.WizardOption.HaveCustomButton1, True)
        self.customButtonClicked.connect(self._toggle_language)
        self.retranslate()

    def choices(self, **changes: Any) -> SetupChoices:
        """The choices made so far (``changes`` override them, for a test of one device)."""
        values: dict[str, Any] = {
            "terminal_id": self.terminal.terminal_id.text(),
            "mode": self.terminal.mode or Mode.TICKET,
            "printer": self.printer.url.text().strip() or "preview",
            "reader": self.reader.url.text().strip() or "pcsc",
            "scale": self.scale.url.text().strip(),
            "data_dir": self.data_dir,
            "language": self.translations.language,
        }
        return SetupChoices(**{**values, **changes})

    def _toggle_language(self, _which: int) -> None:
        self.translations.use("en" if self.translations.language == "zh_CN" else "zh_CN")

    def retranslate(self) -> None:
        self.setWindowTitle(translate("SetupWizard", "Set-up"))
        texts = {
            QWizard.WizardButton.BackButton: translate("SetupWizard", "Back"),
            QWizard.WizardButton.NextButton: translate("SetupWizard", "Next"),
            QWizard.WizardButton.FinishButton: translate("SetupWizard", "Finish"),
            QWizard.WizardButton.CancelButton: translate("SetupWizard", "Cancel"),
            QWizard.WizardButton.CustomButton1: translate("Page", "中文"),
        }
        for which, text in texts.items():
            self.setButtonText(which, text)
        for which in texts:
            b = self.button(which)
            b.setMinimumSize(150, 70)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def done(self, result: int) -> None:
        self.worker.shutdown()
        super().done(result)


def run_setup_wizard(
    target: Path,
    *,
    language: str = "zh_CN",
    fullscreen: bool = True,
    quit_after_ms: int | None = None,
) -> Settings | None:
    """Show the wizard until it is finished or cancelled (or ``quit_after_ms``, for smoke
    tests); the written settings, or None."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("kiosk")
    translations = Translations.of(app)
    translations.use(language)
    app.setStyleSheet(STYLESHEET)
    wizard = SetupWizard(target, first_run.default_data_dir(), translations)
    if fullscreen:
        wizard.showFullScreen()
    else:
        wizard.show()
    # Under systemd (Type=notify, WatchdogSec) the wizard is the first screen: READY and
    # the watchdog's pings come from its event loop as they do from the kiosk's.
    notifier = Notifier()  # kept alive here: the timer's connection does not hold it
    watchdog = report_to_service_manager(app, notifier)
    if quit_after_ms is not None:
        QTimer.singleShot(quit_after_ms, wizard.reject)
    wizard.exec()
    if watchdog is not None:
        watchdog.stop()  # the kiosk's window starts its own
        watchdog.deleteLater()
    return wizard.settings


__all__ = ["SetupWizard", "run_setup_wizard"]
