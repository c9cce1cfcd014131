"""No label shows markup or an HTML entity as text, on any screen, in either language.

A QLabel in Qt's default AutoText mode renders HTML only when ``Qt.mightBeRichText``
guesses so from the text, so ``"成人票 × 1&nbsp;&nbsp;¥60.00"`` (one order line, no tag)
was shown with its entities. Labels are plain text unless they declare rich text.
"""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

from kiosk.ui.i18n import Translations
from tests.ui.tour import settle, tour

MARKUP = re.compile(r"&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);|</?[a-zA-Z][^<>]*>")
LANGUAGES = ("zh_CN", "en")


def shown(widget: QLabel | QAbstractButton) -> str:
    """The text a person reads on ``widget`` (rich text rendered, plain text as it is)."""
    text = widget.text()
    if isinstance(widget, QLabel) and widget.textFormat() is Qt.TextFormat.RichText:
        document = QTextDocument()
        document.setHtml(text)
        return document.toPlainText()
    return text


def markup_problems(name: str, root: QWidget) -> list[str]:
    found = []
    for w in [root, *root.findChildren(QWidget)]:
        if not w.isVisible() or not isinstance(w, QLabel | QAbstractButton) or not w.text():
            continue
        where = f"{name}: {type(w).__name__} {w.objectName()!r}"
        if isinstance(w, QLabel) and w.textFormat() is Qt.TextFormat.AutoText:
            found.append(f"{where} leaves plain or rich text to Qt's guess: {w.text()!r}")
        if MARKUP.search(shown(w)):
            found.append(f"{where} shows {shown(w)!r}")
    return found


def in_both_languages(name: str, root: QWidget) -> list[str]:
    """The problems on ``root`` in each language, leaving the language as it was."""
    translations = Translations.of(QApplication.instance())
    before, found = translations.language, []
    for language in LANGUAGES:
        translations.use(language)
        settle()
        found += markup_problems(f"{name} [{language}]", root)
    translations.use(before)
    settle()
    return found


def test_a_one_line_order_summary_shows_no_entity(make_kiosk, qtbot) -> None:
    """One adult ticket: the summary reads 成人票 × 1 and the price, nothing like &nbsp;."""
    kiosk = make_kiosk()
    kiosk.tap(qtbot, kiosk.flow.current.rect().center())
    kiosk.wait_for(qtbot, "products")
    kiosk.click(qtbot, "plus_ADULT")
    kiosk.click(qtbot, "next")
    kiosk.wait_for(qtbot, "summary")
    assert "&" not in kiosk.text("lines") and "¥60.00" in kiosk.text("lines")
    assert in_both_languages("summary", kiosk.flow.current) == []


@pytest.mark.slow
def test_no_screen_shows_markup_in_either_language(qapp, tmp_path) -> None:
    """Every screen of the tour, in Chinese and in English."""
    problems: list[str] = []
    tour(tmp_path, lambda name, widget: problems.extend(in_both_languages(name, widget)))
    assert problems == []
