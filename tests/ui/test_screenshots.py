"""Screenshots of every screen in a real X server (Xvfb), as the README shows them.

The tour runs in a child process with Qt's xcb platform under ``xvfb-run`` (the test session
itself is offscreen). ``KIOSK_UPDATE_SCREENSHOTS=1`` writes them to ``docs/screenshots/``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs" / "screenshots"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run is not installed")
def test_screenshots_under_xvfb(tmp_path: Path) -> None:
    """Each of the 29 screens renders in a real X window: full size, not blank."""
    out = DOCS if os.environ.get("KIOSK_UPDATE_SCREENSHOTS") == "1" else tmp_path / "shots"
    env = dict(os.environ, QT_QPA_PLATFORM="xcb", PYTHONPATH=str(REPO))
    started = time.time() - 1  # docs/screenshots also holds shots other tests write
    subprocess.run(
        [
            "xvfb-run",
            "-a",
            "-s",
            "-screen 0 1600x900x24",
            sys.executable,
            "-m",
            "tests.ui.tour",
            str(out),
        ],
        cwd=REPO,
        env=env,
        check=True,
        timeout=240,
    )
    shots = sorted(p for p in out.glob("*.png") if p.stat().st_mtime >= started)
    assert len(shots) == 29
    for shot in shots:
        with Image.open(shot) as image:
            # Screens are 768 high; the whole demo window adds its DEMO strip above them.
            whole = shot.name == "10-demo-window.png"
            assert image.height > 768 if whole else image.height == 768, shot.name
            assert image.width >= 1000, shot.name
            colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
            assert colours is None or len(colours) > 8, f"{shot.name} looks blank"
