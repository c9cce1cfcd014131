"""The first-run wizard walked with pytest-qt, offscreen, on real devices: a test slip on
the emupos printer emulator over TCP, a test read of a card served through pcscd + vpcd,
the simulated scale, enrolment with a real hub on loopback; the file it writes loads back
and ``kiosk doctor`` accepts it. Each page passes the screen checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton, QWizard

from kiosk.config import Mode, load_settings
from kiosk.sync.enrolment import load
from kiosk.ui.i18n import Translations
from kiosk.ui.setup_wizard import SetupWizard
from kiosk.ui.theme import STYLESHEET
from tests.ops.test_systemd import NotifySocket, notify_socket  # noqa: F401 - fixture
from tests.payment.conftest import SLOT, VPCD_SETTLE_S, card_sim, pcscd  # noqa: F401 - fixtures
from tests.printing.conftest import emulator, emulator_session  # noqa: F401 - fixtures
from tests.support.hub import kiosk_hub, running_hub
from tests.test_cli import kiosk
from tests.ui.test_screen_checks import _problems


@pytest.fixture
def wizard(qtbot, qapp: QApplication, tmp_path: Path):
    translations = Translations.of(qapp)
    translations.use("zh_CN")
    qapp.setStyleSheet(STYLESHEET)
    shown = SetupWizard(tmp_path / "etc" / "kiosk.toml", tmp_path / "data", translations)
    qtbot.addWidget(shown)
    shown.resize(1024, 768)
    shown.show()
    yield shown
    translations.use("zh_CN")


def _click(qtbot, button: QPushButton) -> None:
    assert button.isVisible() and button.isEnabled(), button.objectName() or button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def _next(qtbot, wizard: SetupWizard) -> None:
    _click(qtbot, wizard.button(QWizard.WizardButton.NextButton))


def _idle(qtbot, wizard: SetupWizard, timeout: int = 10_000) -> None:
    qtbot.waitUntil(lambda: not wizard.worker.busy, timeout=timeout)


def _checked(wizard: SetupWizard, problems: list[str]) -> None:
    page = wizard.currentPage()
    problems += _problems(page.objectName(), wizard)


@pytest.mark.pcsc
@pytest.mark.printer
def test_the_wizard_walked_on_real_devices(
    wizard: SetupWizard,
    qtbot,
    tmp_path: Path,
    emulator,  # noqa: F811
    card_sim,  # noqa: F811
) -> None:
    problems: list[str] = []
    # The terminal: Next only once the id has 8 characters and a mode is chosen.
    terminal = wizard.terminal
    assert terminal.title() == "本终端"
    qtbot.keyClicks(terminal.terminal_id, "term0042")  # the validator takes upper case only
    assert terminal.terminal_id.text() == "0042" and not terminal.isComplete()
    terminal.terminal_id.clear()
    qtbot.keyClicks(terminal.terminal_id, "TERM0042")
    assert not terminal.isComplete()
    _click(qtbot, terminal.mode_buttons[Mode.MARKET])
    _checked(wizard, problems)
    _next(qtbot, wizard)

    # The printer: typed in, a test slip on the emulator.
    printer = wizard.printer
    _idle(qtbot, wizard)
    printer.url.setText(emulator.url("p80"))
    before = len(emulator.receipt_ids("p80"))
    _click(qtbot, printer.test)
    _idle(qtbot, wizard)
    assert printer.result.text() == "测试单已打印。"
    [newest, *_] = emulator.wait_for_receipts("p80", before + 1)
    assert "TERM0042" in emulator.receipt("p80", newest).text
    _checked(wizard, problems)
    _next(qtbot, wizard)

    # The reader: found through pcscd, a contactless card read without a transaction.
    reader = wizard.reader
    _idle(qtbot, wizard)
    names = [reader.found.item(i).text() for i in range(reader.found.count())]
    assert SLOT in names
    reader.found.setCurrentRow(names.index(SLOT))
    assert reader.url.text() == f"pcsc:{SLOT}"
    time.sleep(VPCD_SETTLE_S)  # a card another session served may have just left vpcd
    card_sim("--profile", "qpboc-debit-ec")
    _click(qtbot, reader.test)
    _idle(qtbot, wizard, 20_000)
    assert reader.result.text().startswith("读卡成功: ")
    assert "contactless card" in reader.result.text()
    assert "A000000333010101" in reader.result.text(), reader.result.text()
    _checked(wizard, problems)
    _next(qtbot, wizard)

    # The scale: nothing chosen for the installer; the simulated one weighed.
    scale = wizard.scale
    _idle(qtbot, wizard)
    assert scale.url.text() == ""
    scale.url.setText("sim://?grams=1250")
    _click(qtbot, scale.test)
    _idle(qtbot, wizard)
    assert scale.result.text() == "电子秤应答: 1250 g"
    _checked(wizard, problems)
    _next(qtbot, wizard)

    # The hub: a code from `kiosk hub enroll`, exchanged with the real hub.
    hub_dir, db = tmp_path / "hub", f"sqlite:///{tmp_path / 'hub.db'}"
    with running_hub(hub_dir, db) as hub:
        code = kiosk_hub(hub_dir, db, "enroll", "TERM0042").stdout.strip().splitlines()[-1]
        qtbot.keyClicks(wizard.hub.hub, hub.url)
        qtbot.keyClicks(wizard.hub.code, code)
        _click(qtbot, wizard.hub.enrol)
        _idle(qtbot, wizard)
        assert wizard.hub.result.text() == f"注册成功: terminal TERM0042 enrolled with {hub.url}"
    _checked(wizard, problems)
    _next(qtbot, wizard)

    # Finish: the file written, loading back to what was chosen.
    _checked(wizard, problems)
    _click(qtbot, wizard.button(QWizard.WizardButton.FinishButton))
    path = tmp_path / "etc" / "kiosk.toml"
    settings = load_settings(path, environ={})
    assert wizard.settings == settings
    assert (settings.terminal.id, settings.terminal.mode) == ("TERM0042", Mode.MARKET)
    assert settings.printer.url == emulator.url("p80")
    assert settings.payment.reader == f"pcsc:{SLOT}" and not settings.demo
    assert settings.scale == "sim://?grams=1250" and settings.data_dir == tmp_path / "data"
    assert load(settings)[0].terminal_id == "TERM0042"
    doctor = kiosk("--config", str(path), "doctor", "--json", cwd=tmp_path)
    checks = {c["name"]: c["status"] for c in json.loads(doctor.stdout)["checks"]}
    assert checks["config"] == "ok" and checks["sync"] == "ok", doctor.stdout
    assert checks["scale"] == "ok" and checks["journal"] == "ok"
    assert problems == []


def test_a_failed_step_is_shown_in_words_and_the_file_not_overwritten(
    wizard: SetupWizard, qtbot, tmp_path: Path
) -> None:
    """A printer that is not there and an existing file: the wizard says so, stays, and
    leaves the file as it was; the language toggle switches to English."""
    qtbot.keyClicks(wizard.terminal.terminal_id, "TERM0042")
    _click(qtbot, wizard.terminal.mode_buttons[Mode.TICKET])
    _next(qtbot, wizard)
    _idle(qtbot, wizard)
    wizard.printer.url.setText("tcp://127.0.0.1:1")
    _click(qtbot, wizard.printer.test)
    _idle(qtbot, wizard)
    assert wizard.printer.result.text().startswith("printer.unreachable: ")
    _click(qtbot, wizard.button(QWizard.WizardButton.CustomButton1))
    qtbot.waitUntil(lambda: wizard.printer.title() == "Receipt printer")
    assert wizard.button(QWizard.WizardButton.NextButton).text() == "Next"
    wizard.printer.url.setText("preview")
    for _ in range(4):
        _next(qtbot, wizard)
        _idle(qtbot, wizard)
    path = tmp_path / "etc" / "kiosk.toml"
    path.parent.mkdir()
    path.write_text("# kept\n")
    _click(qtbot, wizard.button(QWizard.WizardButton.FinishButton))
    assert wizard.currentPage() is wizard.finish and wizard.settings is None
    assert wizard.finish.result.text().startswith("config.exists: ")
    assert path.read_text() == "# kept\n"


SHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "31-setup-printer.png"


def test_the_printer_page_as_the_docs_show_it(wizard: SetupWizard, qtbot, tmp_path: Path) -> None:
    """The printer page after a test slip, rendered at the kiosk's 1024x768 and not blank
    (``KIOSK_UPDATE_SCREENSHOTS=1`` writes it to docs/screenshots/ for docs/install.md)."""
    qtbot.keyClicks(wizard.terminal.terminal_id, "T0000001")
    _click(qtbot, wizard.terminal.mode_buttons[Mode.TICKET])
    _next(qtbot, wizard)
    _idle(qtbot, wizard)
    wizard.printer.url.setText("preview")
    _click(qtbot, wizard.printer.test)
    _idle(qtbot, wizard)
    assert wizard.printer.result.text() == "无打印机：测试单进入预览。"
    image = wizard.grab().toImage()
    assert (image.width(), image.height()) == (1024, 768)
    assert len({image.pixel(x, y) for x in range(0, 1024, 16) for y in range(0, 768, 16)}) > 3
    out = SHOT if os.environ.get("KIOSK_UPDATE_SCREENSHOTS") == "1" else tmp_path / SHOT.name
    assert image.save(str(out))


def test_kiosk_run_without_a_file_opens_the_wizard_under_systemd(
    notify_socket: NotifySocket,  # noqa: F811 - fixture
    tmp_path: Path,
) -> None:
    """``kiosk run`` as the kiosk session starts it, the named file missing: the wizard is
    the first screen, so it says READY and pings the watchdog; closed unfinished, nothing is
    written and the exit status says so."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "NOTIFY_SOCKET": str(notify_socket.path),
        "WATCHDOG_USEC": "200000",
        "KIOSK_CONFIG": str(tmp_path / "kiosk.toml"),
        "KIOSK_DATA_DIR": str(tmp_path / "data"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "run", "--quit-after", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert f"set-up cancelled: {tmp_path / 'kiosk.toml'} not written" in done.stderr
    assert not (tmp_path / "kiosk.toml").exists()
    time.sleep(0.3)
    assert len(notify_socket.messages("READY")) == 1
    assert len(notify_socket.messages("WATCHDOG")) >= 5
