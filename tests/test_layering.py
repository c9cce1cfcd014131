"""Dependencies point inward: the plain-Python layers import no Qt, database or HTTP library."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FORBIDDEN = ("PySide6", "sqlalchemy", "httpx", "escpos", "smartcard", "reportlab")


def _modules(package: str) -> list[str]:
    root = REPO / package.replace(".", "/")
    if root.with_suffix(".py").is_file():
        return [package]
    return sorted(
        ".".join(p.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        for p in root.rglob("*.py")
    )


PLAIN = ["kiosk.money", "kiosk.config", "kiosk.errors", "kiosk.sales"]


@pytest.mark.parametrize("package", [*PLAIN, "kiosk.payment"])
def test_plain_layers_import_no_frameworks(package: str) -> None:
    """Importing every module of the package loads none of the forbidden libraries."""
    allowed = {"kiosk.payment": ("smartcard",)}.get(package, ())
    # The PC/SC adapter is the one place pyscard may be imported.
    modules = [m for m in _modules(package) if "pcsc" not in m]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"bad = sorted({{n.split('.')[0] for n in sys.modules}} & set({FORBIDDEN!r}) - "
        f"set({allowed!r}))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "", f"{package} imports {out.stdout.strip()}"


def test_payment_never_imports_upper_layers() -> None:
    """kiosk.payment imports nothing from ui, printing, sync, journal or checkout."""
    offenders = []
    for path in (REPO / "kiosk" / "payment").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for layer in ("ui", "printing", "sync", "journal", "checkout"):
            if f"from kiosk.{layer}" in text or f"import kiosk.{layer}" in text:
                offenders.append(f"{path.relative_to(REPO)} -> {layer}")
    assert offenders == []
