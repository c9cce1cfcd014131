"""Every screen, walked by the tour: touch targets, text size, nothing clipped, all translated."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLabel, QWidget

from kiosk.ui.i18n import I18N_DIR
from kiosk.ui.texts import explain, gate_text, known_codes
from kiosk.ui.theme import MIN_POINT_SIZE, MIN_TOUCH_PX
from tests.ui.tour import tour


def _problems(name: str, root: QWidget) -> list[str]:
    found = []
    for w in [root, *root.findChildren(QWidget)]:
        if not w.isVisible() or w.objectName() == "scan_input":
            continue
        where = f"{name}: {type(w).__name__} {w.objectName()!r}"
        if isinstance(w, QAbstractButton | QComboBox) and (
            w.width() < MIN_TOUCH_PX or w.height() < MIN_TOUCH_PX
        ):
            found.append(f"{where} is {w.width()}x{w.height()} px")
        text = w.text() if isinstance(w, QLabel | QAbstractButton) else ""
        if text and w.font().pointSizeF() < MIN_POINT_SIZE:
            found.append(f"{where} text at {w.font().pointSizeF()} pt")
        if isinstance(w, QLabel) and text and w.pixmap().isNull():
            need = w.heightForWidth(w.width()) if w.wordWrap() else w.sizeHint().height()
            if need > w.height() + 2 or (
                not w.wordWrap() and w.fontMetrics().horizontalAdvance(text) > w.width()
            ):
                found.append(f"{where} clipped: {text!r}")
        if (
            isinstance(w, QAbstractButton)
            and text
            and w.fontMetrics().horizontalAdvance(text) > w.contentsRect().width()
        ):
            found.append(f"{where} clipped: {text!r}")
    return found


@pytest.mark.slow
def test_every_screen_is_touch_sized_and_readable(qapp, tmp_path) -> None:
    """Buttons >= 60 px, text >= 18 pt, no clipped text, on all 29 screens of the tour."""
    problems: list[str] = []
    shots: list[str] = []

    def check(name: str, widget: QWidget) -> None:
        shots.append(name)
        problems.extend(_problems(name, widget))

    tour(tmp_path, check)
    assert len(shots) == 29
    assert problems == []


def test_every_code_and_verdict_has_words() -> None:
    """Each code in the table, and each gate verdict, maps to its own title and advice."""
    from kiosk.sales.gate import GateVerdict

    titles = {code: explain(code).title for code in known_codes()}
    assert all(titles.values()) and all(explain(c).advice for c in known_codes())
    assert len({gate_text(v.value).title for v in GateVerdict}) == len(GateVerdict)
    # Codes the card provider returns for the same situation share their words.
    assert explain("card.exception_file") == explain("card.blocked")
    assert explain("payment.cancelled") == explain("reader.cancelled")
    # Unknown codes fall back to their family's words, never to the raw code.
    assert explain("card.something_new").title == explain("card.try_again").title
    assert explain("weird") == explain("internal")


def test_every_source_string_has_a_chinese_translation() -> None:
    """No unfinished, empty or obsolete message in the zh_CN translation source."""
    tree = ET.parse(I18N_DIR / "kiosk_zh_CN.ts")
    bad = [
        m.findtext("source")
        for m in tree.iter("message")
        if (t := m.find("translation")) is not None
        and (t.get("type") in ("unfinished", "obsolete", "vanished") or not (t.text or "").strip())
    ]
    assert bad == []
