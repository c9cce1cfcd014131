"""Start-up benchmark: how long the command line and the kiosk window take from process start.

Wall time, in a fresh process each run, of ``kiosk --help``, of a headless
``kiosk pay --sim debit-ec --amount 100 --json``, and of ``kiosk run --mode ticket``
until its first screen is up (offscreen Qt; the event loop's first turn quits it). The
baseline, measured in the same run, is ``python -c "import sqlalchemy"``: a process that
starts the interpreter and imports one library this project uses. Prints medians and
ratios. Goals on the reference machine (2 cores): ``--help`` under 0.25 s, ``pay --sim``
under 0.6 s, the first screen under 1.5 s.

When the one-folder bundle has been built (``./dev bundle``: ``dist/kiosk/kiosk``), the same
three commands also run from it, each printed beside the same from source. Installed
terminals run the bundle, so its start-up is what a customer waits for after a restart.

    .venv/bin/python bench/startup.py [RUNS]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
BUNDLE = Path(__file__).resolve().parents[1] / "dist" / "kiosk" / "kiosk"
GOALS_MS = {"kiosk --help": 250, "kiosk pay --sim": 600, "first screen": 1500}


def wall_ms(argv: list[str], cwd: Path, env: dict[str, str], runs: int) -> float:
    """Median wall time of running ``argv`` to its end, over ``runs`` runs after one warm-up
    (which fills the OS file cache and Python's bytecode cache)."""
    times = []
    for i in range(runs + 1):
        start = time.perf_counter()
        subprocess.run(argv, cwd=cwd, env=env, check=True, capture_output=True)
        if i:
            times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    kiosk = str(BIN / "kiosk")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("KIOSK_CONFIG", None)
    commands = {
        "kiosk --help": ["--help"],
        "kiosk pay --sim": ["pay", "--sim", "debit-ec", "--amount", "100", "--json"],
        "first screen": ["run", "--mode", "ticket", "--quit-after", "0"],
    }
    cases = {'python -c "import sqlalchemy"': [sys.executable, "-c", "import sqlalchemy"]}
    cases |= {name: [kiosk, *args] for name, args in commands.items()}
    if BUNDLE.exists():
        cases |= {f"bundle: {name}": [str(BUNDLE), *args] for name, args in commands.items()}
    with tempfile.TemporaryDirectory() as folder:
        # Demo defaults: the journal and card state go under ./var of this folder.
        results = {name: wall_ms(argv, Path(folder), env, runs) for name, argv in cases.items()}
    base = results['python -c "import sqlalchemy"']
    print(f"startup, median of {runs} runs (ms):")
    for name, ms in results.items():
        goal = GOALS_MS.get(name)
        note = f"  goal < {goal} ms: {'met' if ms < goal else 'MISSED'}" if goal else ""
        source = results.get(name.removeprefix("bundle: "), ms)
        beside = f"  bundle/source {ms / source:4.2f}" if name.startswith("bundle: ") else ""
        print(f"  {name:<30} {ms:8.0f}  x{ms / base:5.1f}{note}{beside}")
    if not BUNDLE.exists():
        print(f"  (no bundle at {BUNDLE}: ./dev bundle, then run this again to measure it)")


if __name__ == "__main__":
    main()
