"""The kernel is plain Python: importing it loads no Qt, SQLAlchemy, httpx or pyscard, and
nothing from the journal, checkout, printing, sync or UI packages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
FORBIDDEN = ["smartcard", "PySide6", "sqlalchemy", "httpx", "kiosk.journal", "kiosk.checkout",
             "kiosk.printing", "kiosk.sync", "kiosk.ui"]  # fmt: skip


def test_kernel_imports_nothing_it_must_not() -> None:
    """``import kiosk.payment.kernel`` (every phase module) pulls in none of FORBIDDEN."""
    script = (
        "import sys, pkgutil, importlib, kiosk.payment.kernel as k\n"
        "for m in pkgutil.iter_modules(k.__path__):\n"
        "    importlib.import_module(f'kiosk.payment.kernel.{m.name}')\n"
        "import kiosk.payment.procedures\n"
        f"print(sorted(n for n in {FORBIDDEN!r} if any(s == n or s.startswith(n + '.')"
        " for s in sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO)},
    )
    assert out.stdout.strip() == "[]"
