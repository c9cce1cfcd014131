"""The one-folder bundle, built once per test session for the tests that run or package it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PYINSTALLER = Path(sys.executable).with_name("pyinstaller")


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``dist/kiosk/kiosk`` built from installers/bundle/kiosk.spec into a temporary dir."""
    if not PYINSTALLER.exists():
        pytest.skip("pyinstaller is not installed (./dev setup installs it)")
    work = tmp_path_factory.mktemp("bundle")
    subprocess.run(
        [str(PYINSTALLER), "--noconfirm", "--log-level", "WARN",
         "--distpath", str(work / "dist"), "--workpath", str(work / "build"),
         str(REPO / "installers" / "bundle" / "kiosk.spec")],
        check=True, cwd=REPO, timeout=900,
    )  # fmt: skip
    program = work / "dist" / "kiosk" / "kiosk"
    assert program.is_file() and os.access(program, os.X_OK)
    return program
