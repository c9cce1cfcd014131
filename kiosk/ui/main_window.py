"""The main window: a stack of screens, starting with the mode chooser."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.checkout.terminal import KioskServices, build_services
from kiosk.config import Mode, Settings
from kiosk.ui.demo_panels import DemoPanels
from kiosk.ui.gate_screen import GateScreen
from kiosk.ui.i18n import Translations
from kiosk.ui.market_screen import MarketScreen
from kiosk.ui.parking_screen import ParkingScreen
from kiosk.ui.signals import emit
from kiosk.ui.ticket_flow import TicketFlow
from kiosk.ui.widgets import label

#: Modes offered by the chooser, in screen order.
CHOOSER_MODES = (Mode.TICKET, Mode.GATE, Mode.MARKET, Mode.PARKING, Mode.ADMIN)


def mode_title(mode: Mode) -> str:
    titles = {
        Mode.TICKET: QCoreApplication.translate("Modes", "Ticket kiosk"),
        Mode.MARKET: QCoreApplication.translate("Modes", "Market POS"),
        Mode.PARKING: QCoreApplication.translate("Modes", "Parking terminal"),
        Mode.GATE: QCoreApplication.translate("Modes", "Gate"),
        Mode.ADMIN: QCoreApplication.translate("Modes", "Administration"),
    }
    return titles[mode]


class ModeChooser(QWidget):
    """Big buttons, one per mode, and the language toggle."""

    mode_chosen = Signal(Mode)
    language_toggled = Signal()

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.setObjectName("mode_chooser")
        self._title = label("title", wrap=False)
        self._merchant = label("hint", wrap=False)
        self._merchant.setText(settings.terminal.merchant_name)
        grid = QGridLayout()
        self.buttons: dict[Mode, QPushButton] = {}
        for i, mode in enumerate(CHOOSER_MODES):
            button = QPushButton()
            button.setObjectName(f"mode_{mode.value}")
            button.setMinimumSize(280, 160)
            button.clicked.connect(lambda _=False, m=mode: emit(self.mode_chosen, m))
            grid.addWidget(button, i // 3, i % 3)
            self.buttons[mode] = button
        self.language_button = QPushButton()
        self.language_button.setObjectName("language")
        self.language_button.setProperty("role", "secondary")
        self.language_button.clicked.connect(self.language_toggled)
        bottom = QHBoxLayout()
        bottom.addStretch()
        bottom.addWidget(self.language_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self._title)
        layout.addWidget(self._merchant)
        layout.addLayout(grid, 1)
        layout.addLayout(bottom)
        self.retranslate()

    def retranslate(self) -> None:
        self._title.setText(self.tr("Choose how this terminal works"))
        for mode, button in self.buttons.items():
            button.setText(mode_title(mode))
        # The toggle names the *other* language, in that language.
        self.language_button.setText(self.tr("中文"))  # zh_CN translation: "English"

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


class ModeScreen(QWidget):
    """The screen of one mode; later issues replace its body with the mode's flow."""

    back = Signal()

    def __init__(self, mode: Mode) -> None:
        super().__init__()
        self.mode = mode
        self.setObjectName(f"screen_{mode.value}")
        self._title = label("title", wrap=False)
        self._back = QPushButton()
        self._back.setObjectName("back")
        self._back.setProperty("role", "secondary")
        self._back.clicked.connect(self.back)
        layout = QVBoxLayout(self)
        layout.addWidget(self._title, 1)
        layout.addWidget(self._back)
        self.retranslate()

    def retranslate(self) -> None:
        self._title.setText(mode_title(self.mode))
        self._back.setText(self.tr("Back"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


class MainWindow(QMainWindow):
    """Holds the screens; the chooser first in demo mode, the configured mode otherwise.

    ``services`` opens the journal and wires devices when a mode that sells is first shown
    (tests pass a factory with their own provider and printer).
    """

    def __init__(
        self,
        settings: Settings,
        translations: Translations,
        *,
        chooser: bool,
        services: Callable[[Settings], KioskServices] = build_services,
    ) -> None:
        super().__init__()
        self.settings, self.translations = settings, translations
        self._make_services = services
        self._services: KioskServices | None = None
        self._chooser = chooser
        self.setObjectName("main_window")
        self.stack = QStackedWidget()
        central = QWidget()
        self._row = QHBoxLayout(central)
        self._row.setContentsMargins(0, 0, 0, 0)
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        # Demo mode is never mistaken for a terminal that takes money: a strip on every screen.
        self.demo_banner: QLabel | None = None
        if settings.demo:
            self.demo_banner = label("demo", name="demo_banner", wrap=False)
            column.addWidget(self.demo_banner)
        column.addWidget(self.stack, 1)
        self._row.addLayout(column, 1)
        self.setCentralWidget(central)
        self.demo_panels: DemoPanels | None = None
        self.chooser = ModeChooser(settings)
        self.chooser.mode_chosen.connect(self.show_mode)
        self.chooser.language_toggled.connect(self.toggle_language)
        self.stack.addWidget(self.chooser)
        self.screens: dict[Mode, QWidget] = {}
        self.setWindowTitle("kiosk — DEMO" if settings.demo else "kiosk")
        self._retranslate()
        # The screens keep their 1024 x 768; the demo strip is added above them.
        strip = self.demo_banner.sizeHint().height() if self.demo_banner is not None else 0
        self.resize(1024, 768 + strip)
        if not chooser:
            self.show_mode(settings.terminal.mode)

    @property
    def services(self) -> KioskServices:
        """The journal, checkout and devices, opened on first use (with the demo panels)."""
        if self._services is None:
            self._services = self._make_services(self.settings)
            if self.settings.demo:
                self._add_demo_panels(self._services)
        return self._services

    def _add_demo_panels(self, services: KioskServices) -> None:
        panels = DemoPanels.for_services(services, self.settings.data_dir / "cards")
        if panels is None:
            return  # e.g. a gate: no card to present, no paper to show
        self.demo_panels = panels
        self._row.addWidget(self.demo_panels)
        if self.demo_panels.printer is not None:
            self.demo_panels.printer.token_scanned.connect(self.scan_at_gate)
        self.resize(1024 + self.demo_panels.width(), self.height())

    def show_mode(self, mode: Mode) -> None:
        screen = self.screens.get(mode)
        if screen is None:
            screen = self.screens[mode] = self._build(mode)
            self.stack.addWidget(screen)
        self.stack.setCurrentWidget(screen)

    def _build(self, mode: Mode) -> QWidget:
        if mode is Mode.TICKET:
            flow = TicketFlow(self.services, self.translations)
            flow.exit_requested.connect(self._leave_mode)
            return flow
        if mode is Mode.GATE:
            gate = GateScreen(self.services, self.translations, leave=self._chooser)
            gate.language_toggled.connect(self.toggle_language)
            gate.leave.connect(self._leave_mode)
            return gate
        if mode is Mode.MARKET:
            market = MarketScreen(self.services, lambda: self.translations.language)
            market.exit_requested.connect(self._leave_mode)
            market.counter.language_toggled.connect(self.toggle_language)
            return market
        if mode is Mode.PARKING:
            parking = ParkingScreen(self.services, lambda: self.translations.language)
            parking.exit_requested.connect(self._leave_mode)
            parking.language_toggled.connect(self.toggle_language)
            return parking
        placeholder = ModeScreen(mode)
        placeholder.back.connect(self._leave_mode)
        return placeholder

    def scan_at_gate(self, token: str) -> None:
        """Demo: show the gate and let it read ``token``, as its scanner would."""
        self.show_mode(Mode.GATE)
        gate = self.screens[Mode.GATE]
        assert isinstance(gate, GateScreen)
        gate.scan(token)

    def _leave_mode(self) -> None:
        """Back to the chooser in the demo; a deployed terminal's operator exit closes it."""
        if self._chooser:
            self.stack.setCurrentWidget(self.chooser)
        else:
            self.close()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        for screen in self.screens.values():
            if isinstance(screen, TicketFlow | GateScreen | MarketScreen | ParkingScreen):
                screen.shutdown()
        if self.demo_panels is not None:
            self.demo_panels.shutdown()
        if self._services is not None:
            self._services.dispose()
        super().closeEvent(event)

    def _retranslate(self) -> None:
        if self.demo_banner is not None:
            self.demo_banner.setText(
                "DEMO · "
                + QCoreApplication.translate(
                    "Demo", "Demo mode: simulated cards, no real payments, tickets not valid"
                )
            )

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    def toggle_language(self) -> None:
        self.translations.use("en" if self.translations.language != "en" else "zh_CN")
