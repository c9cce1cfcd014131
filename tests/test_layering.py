"""Dependencies point inward: the plain-Python layers import no Qt, database or HTTP library."""

from __future__ import annotations

import ast
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


#: What ui/ never imports: the database, and devices and their drivers (it asks checkout).
UI_FORBIDDEN = ("sqlalchemy", "kiosk.journal", "kiosk.payment", "kiosk.printing")
#: The demo's simulator panel drives the simulated card and shows the preview printer's paper.
UI_EXCEPTIONS = {"demo_panels.py": ("kiosk.payment", "kiosk.printing")}


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_ui_asks_checkout_not_the_journal_or_devices() -> None:
    """ui/ holds only Qt: no SQLAlchemy, journal, payment or printing imports (but the demo)."""
    offenders = []
    for path in sorted((REPO / "kiosk" / "ui").rglob("*.py")):
        allowed = UI_EXCEPTIONS.get(path.name, ())
        for name in sorted(_imports(path)):
            layer = next((f for f in UI_FORBIDDEN if name == f or name.startswith(f + ".")), None)
            if layer is not None and layer not in allowed:
                offenders.append(f"{path.relative_to(REPO)} -> {name}")
    assert offenders == []


def test_the_ui_rule_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    """The check reads imports wherever they are, so a deferred import cannot slip past."""
    module = tmp_path / "screen.py"
    module.write_text("def f():\n    from kiosk.journal.models import Order\n", encoding="utf-8")
    assert _imports(module) == {"kiosk.journal.models"}


#: What sits above the kernel: settings, command lines, the simulators and concrete readers.
ABOVE_KERNEL = (
    "kiosk.config",
    "kiosk.payment.settings",
    "kiosk.payment.commands",
    "kiosk.payment.pay_command",
    "kiosk.payment.cardsim",
    "kiosk.payment.host.issuer_sim",
    "kiosk.payment.reader.pcsc",
    "kiosk.payment.reader.sim",
    "kiosk.payment.reader.open",
)


def test_kernel_imports_nothing_above_it() -> None:
    """The kernel sees a Reader, a host and its context; callers wire the concrete parts."""
    offenders = [
        f"{path.relative_to(REPO)} -> {name}"
        for path in sorted((REPO / "kiosk" / "payment" / "kernel").rglob("*.py"))
        for name in sorted(_imports(path))
        if any(name == above or name.startswith(above + ".") for above in ABOVE_KERNEL)
    ]
    assert offenders == []


def test_no_import_circle_in_printing() -> None:
    """Printing's modules import each other one way: no module imports one that imports it."""
    root = REPO / "kiosk" / "printing"
    graph = {
        f"kiosk.printing.{path.stem}": {
            n for n in _imports(path) if n.startswith("kiosk.printing.")
        }
        for path in root.glob("*.py")
        if path.stem != "__init__"
    }
    circles = sorted(
        f"{a} <-> {b}" for a, deps in graph.items() for b in deps if a in graph.get(b, ())
    )
    assert circles == []


def test_only_the_journal_reaches_below_the_orm() -> None:
    """Prepared statements and the tables under the models are built in kiosk/journal/ only,
    so a SQLAlchemy upgrade that breaks ``journal/prepared.py`` is fixed in one package."""
    offenders = [
        str(path.relative_to(REPO))
        for path in sorted((REPO / "kiosk").rglob("*.py"))
        if "journal" not in path.relative_to(REPO / "kiosk").parts
        and ("__table__" in (text := path.read_text(encoding="utf-8")) or "Prepared(" in text)
    ]
    assert offenders == []
