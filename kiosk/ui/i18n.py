"""Loading the Qt translation for the configured language, and switching it at run time.

Source strings are English; ``assets/i18n/kiosk_zh_CN.qm`` (compiled from the ``.ts``
next to it) makes them Simplified Chinese, the default.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QObject, QTranslator

I18N_DIR = Path(__file__).resolve().parents[2] / "assets" / "i18n"
LANGUAGES = ("zh_CN", "en")


class Translations(QObject):
    """Owns the installed translator so the language can change while the app runs.

    Translators are global to the application, so there is one of these per application:
    get it with :meth:`of`.
    """

    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)
        self.setObjectName("kiosk_translations")
        self._app = app
        self._translator: QTranslator | None = None
        self.language = "en"

    @classmethod
    def of(cls, app: QCoreApplication) -> Translations:
        """The application's one instance, created on first use."""
        found = app.findChild(cls, "kiosk_translations")
        return found if isinstance(found, cls) else cls(app)

    def use(self, language: str) -> None:
        """Install ``language`` (see :data:`LANGUAGES`); widgets retranslate on LanguageChange."""
        if self._translator is not None:
            self._app.removeTranslator(self._translator)
            self._translator = None
        if language != "en":
            translator = QTranslator(self._app)
            if not translator.load(str(I18N_DIR / f"kiosk_{language}.qm")):
                raise FileNotFoundError(I18N_DIR / f"kiosk_{language}.qm")
            self._app.installTranslator(translator)
            self._translator = translator
        QLocale.setDefault(QLocale(language))
        self.language = language
