"""Prompts over a screen, through one small service so that screens stay testable.

A kiosk never opens a blocking ``QDialog.exec()``: a nested event loop would stall the
workers' result delivery and make idle timeouts re-entrant. A prompt is an overlay on the
host widget with big answer buttons; the answer comes back by callback. Tests find the
overlay (object name ``prompt``) and click its buttons like a customer would.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.ui.widgets import button, label


class Dialogs(Protocol):
    def ask(
        self,
        question: str,
        answers: Sequence[tuple[str, str]],
        on_answer: Callable[[str], None],
        *,
        timeout_ms: int | None = None,
        timeout_answer: str = "",
    ) -> None:
        """Show ``question`` with ``answers`` (key, text); call ``on_answer(key)`` once.

        With ``timeout_ms``, no answer in time counts as ``timeout_answer``.
        """

    def close(self) -> None:
        """Take down an open prompt without answering it."""


class OverlayDialogs(QObject):
    """:class:`Dialogs` as a dimmed overlay covering ``host``."""

    def __init__(self, host: QWidget) -> None:
        super().__init__(host)
        self._host = host
        self._frame: QFrame | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timeout_answer = ""
        self._timer.timeout.connect(lambda: self._finish(self._timeout_answer))
        self._answer: Callable[[str], None] | None = None
        host.installEventFilter(self)

    @property
    def showing(self) -> bool:
        return self._frame is not None

    def ask(
        self,
        question: str,
        answers: Sequence[tuple[str, str]],
        on_answer: Callable[[str], None],
        *,
        timeout_ms: int | None = None,
        timeout_answer: str = "",
    ) -> None:
        self.close()
        frame = QFrame(self._host)
        frame.setObjectName("prompt")
        frame.setProperty("role", "overlay")
        box = QFrame(frame)
        box.setProperty("role", "prompt_box")
        text = label("title", name="prompt_text")
        text.setText(question)
        row = QHBoxLayout()
        for key, caption in answers:
            b = button(f"prompt_{key}", height=100)
            b.setText(caption)
            b.clicked.connect(lambda _=False, k=key: self._finish(k))
            row.addWidget(b)
        inner = QVBoxLayout(box)
        inner.setContentsMargins(40, 40, 40, 40)
        inner.setSpacing(30)
        inner.addWidget(text)
        inner.addLayout(row)
        outer = QVBoxLayout(frame)
        outer.addStretch()
        outer.addWidget(box)
        outer.addStretch()
        outer.setContentsMargins(80, 0, 80, 0)
        frame.setGeometry(self._host.rect())
        frame.show()
        frame.raise_()
        self._frame, self._answer = frame, on_answer
        self._timeout_answer = timeout_answer
        if timeout_ms is not None:
            self._timer.start(timeout_ms)

    def _finish(self, key: str) -> None:
        answer = self._answer
        self.close()
        if answer is not None:
            answer(key)

    def close(self) -> None:
        self._timer.stop()
        if self._frame is not None:
            self._frame.hide()  # now: deletion waits for the event loop
            self._frame.deleteLater()
        self._frame, self._answer = None, None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if watched is self._host and event.type() == QEvent.Type.Resize and self._frame:
            self._frame.setGeometry(self._host.rect())
        return False
