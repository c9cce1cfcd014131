"""The one-folder program (PyInstaller) runs the same commands as the source: built here from
installers/bundle/kiosk.spec, then asked for a doctor report and a headless payment."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_bundle_runs_doctor_and_a_payment(bundle: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KIOSK_", "PYTHON"))}
    doctor = subprocess.run(
        [str(bundle), "doctor", "--json"], cwd=tmp_path, env=env, capture_output=True,
        text=True, timeout=120, check=False,
    )  # fmt: skip
    report = json.loads(doctor.stdout)
    assert doctor.returncode == 0, doctor.stderr
    assert {c["name"]: c["status"] for c in report["checks"]}["journal"] == "ok"
    pay = subprocess.run(
        [str(bundle), "pay", "--sim", "debit-ec", "--amount", "100", "--json"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    result = json.loads(pay.stdout)
    assert pay.returncode == 0, pay.stderr
    assert result["outcome"] == "approved_offline" and result["amount"] == 100
    assert shutil.which("kiosk", path=str(bundle.parent)) == str(bundle)
