"""The Windows installer files, checked without Windows: the Inno Setup script's sections,
keys and entries, and the PyInstaller spec as Python naming files that exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from kiosk import __version__

REPO = Path(__file__).resolve().parents[2]
WINDOWS = REPO / "installers" / "windows"


def parse_iss(text: str) -> dict[str, list[str]]:
    """Inno Setup's layout: ``[Section]`` headers, then lines; ``;`` starts a comment and
    ``#`` a preprocessor line. A line before any section fails."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith((";", "#")):
            continue
        header = re.fullmatch(r"\[(\w+)\]", line)
        if header:
            current = sections.setdefault(header.group(1), [])
            continue
        assert current is not None, f"line {number} outside any section"
        current.append(line)
    return sections


def entry(line: str) -> dict[str, str]:
    """One ``Name: "value"; Other: value`` entry of a [Files]-like section."""
    fields = {}
    for part in re.findall(r'(\w+):\s*("[^"]*"|[^;]+)', line):
        fields[part[0]] = part[1].strip().strip('"')
    assert fields, line
    return fields


def test_the_inno_setup_script() -> None:
    text = (WINDOWS / "kiosk.iss").read_text(encoding="utf-8")
    assert f'#define AppVersion "{__version__}"' in text
    sections = parse_iss(text)
    assert {"Setup", "Files", "Dirs", "Run"} <= set(sections)
    setup = dict(line.split("=", 1) for line in sections["Setup"])
    for key in ("AppId", "AppName", "AppVersion", "DefaultDirName", "OutputBaseFilename"):
        assert setup.get(key), key
    assert setup["PrivilegesRequired"] == "admin"  # the SCardSvr service is configured
    files = [entry(line) for line in sections["Files"]]
    assert files[0]["Source"] == r"..\..\dist\kiosk\*" and "recursesubdirs" in files[0]["Flags"]
    runs = [entry(line) for line in sections["Run"]]
    assert {"Filename": r"{sys}\sc.exe", "Parameters": "config SCardSvr start= auto",
            "Flags": "runhidden"} in runs  # fmt: skip
    assert any(r["Parameters"] == "start SCardSvr" for r in runs)
    assert "Shell Launcher" in text and "SetCustomShell" in text


def test_the_pyinstaller_spec_is_python_naming_files_that_exist() -> None:
    spec = WINDOWS / "kiosk.spec"
    tree = ast.parse(spec.read_text(encoding="utf-8"), str(spec))
    calls = {
        n.func.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }
    assert {"Analysis", "PYZ", "EXE", "COLLECT"} <= calls
    # Every ROOT / "a" / "b" path in the spec, resolved against the repository.
    paths = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            parts, left = [], node
            while isinstance(left, ast.BinOp) and isinstance(left.right, ast.Constant):
                parts.insert(0, left.right.value)
                left = left.left
            if isinstance(left, ast.Name) and left.id == "ROOT":
                paths.append(REPO.joinpath(*parts))
    longest = {p for p in paths if not any(q != p and p in q.parents for q in paths)}
    assert {REPO / "installers/bundle/entry.py", REPO / "installers/windows/version.txt"} <= longest
    assert [p for p in longest if not p.exists()] == []
    version = (WINDOWS / "version.txt").read_text(encoding="utf-8")
    assert f'StringStruct("FileVersion", "{__version__}")' in version
    assert f"filevers=({__version__.replace('.', ', ')}, 0)" in version
