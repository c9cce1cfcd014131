"""The kernel is plain Python: importing it loads no Qt, SQLAlchemy, httpx or pyscard, and
nothing from the journal, checkout, printing, sync or UI packages."""

from __future__ import annotations

from tests.support.imports import loaded_after

FORBIDDEN = ["smartcard", "PySide6", "sqlalchemy", "httpx", "kiosk.journal", "kiosk.checkout",
             "kiosk.printing", "kiosk.sync", "kiosk.ui"]  # fmt: skip


def test_kernel_imports_nothing_it_must_not() -> None:
    """``import kiosk.payment.kernel`` (every phase module) pulls in none of FORBIDDEN."""
    imports = (
        "import pkgutil, importlib, kiosk.payment.kernel as k\n"
        "for m in pkgutil.iter_modules(k.__path__):\n"
        "    importlib.import_module(f'kiosk.payment.kernel.{m.name}')\n"
        "import kiosk.payment.procedures"
    )
    assert loaded_after(imports, FORBIDDEN) == []
