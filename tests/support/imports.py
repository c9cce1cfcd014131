"""What importing a module drags in: only a fresh interpreter can tell."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def loaded_after(imports: str, packages: Sequence[str]) -> list[str]:
    """Which of ``packages`` (or their submodules) a new interpreter holds after running
    ``imports`` with only this checkout on its path, sorted."""
    script = (
        f"import json, sys\n{imports}\n"
        f"print(json.dumps(sorted(n for n in {list(packages)!r}"
        " if any(s == n or s.startswith(n + '.') for s in sys.modules))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO)},
    )
    return json.loads(out.stdout)
