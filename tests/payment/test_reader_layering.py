"""The card path stays plain Python: only the PC/SC adapter imports pyscard (STYLE: layout)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PLAIN = [
    "kiosk.payment.apdu",
    "kiosk.payment.reader",
    "kiosk.payment.reader_sim",
    "kiosk.payment.reader_trace",
    "kiosk.payment.capk",
    "kiosk.payment.commands",
    "kiosk.payment.cardsim.vpcd",
    "kiosk.payment.cardsim.replay",
    "kiosk.payment.cardsim.scripted",
]
FORBIDDEN = ["smartcard", "PySide6", "sqlalchemy", "httpx"]


def test_only_the_pcsc_adapter_imports_pyscard() -> None:
    """Importing every other reader-side module loads no pyscard, Qt, SQLAlchemy or httpx."""
    script = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in PLAIN)
        + f"print(sorted(m for m in {FORBIDDEN!r} if m in sys.modules))\n"
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
