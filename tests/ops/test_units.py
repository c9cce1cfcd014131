"""The service units as systemd itself reads them (``systemd-analyze verify``)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

UNITS = sorted((Path(__file__).resolve().parents[2] / "installers" / "systemd").glob("*.service"))


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
@pytest.mark.parametrize("unit", UNITS, ids=[u.name for u in UNITS])
def test_unit_verifies(unit: Path, tmp_path: Path) -> None:
    """Verified as written, except that the installed program (not on a build machine) is
    replaced by one that exists: systemd checks ExecStart= points at an executable."""
    text = unit.read_text(encoding="utf-8")
    assert re.search(r"^ExecStart=(\S+ )*/opt/kiosk/kiosk ", text, re.M), "runs the installed kiosk"
    copy = tmp_path / unit.name
    copy.write_text(re.sub(r"^ExecStart=\S+", "ExecStart=/bin/true", text, flags=re.M))
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(copy)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    problems = [line for line in done.stderr.splitlines() if unit.name in line]
    assert done.returncode == 0 and problems == [], done.stderr


def test_the_kiosk_unit_is_watched() -> None:
    text = (UNITS[0].parent / "kiosk.service").read_text(encoding="utf-8")
    for setting in ("Type=notify", "WatchdogSec=", "Restart=always"):
        assert f"\n{setting}" in text, setting
