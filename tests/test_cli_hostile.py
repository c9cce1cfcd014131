"""Hostile command-line input: every case ends in one clear line on stderr and a non-zero
exit status, never a traceback, a hang or a wrong acceptance.

The real ``kiosk`` program runs in subprocesses (output to ``/dev/full``, a closed stdout
and a pipe nobody reads need a process of their own), a few at a time.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kiosk.journal.store import JournalStore
from kiosk.sales.tokens import DEMO_KEY, Ticket, issue_token
from tests.conftest import REPO

KIOSK = (sys.executable, "-m", "kiosk.cli")
#: Arabic-Indic digits one two three: int() reads them as 123.
ARABIC_123 = "\u0661\u0662\u0663"


@dataclass(frozen=True)
class Case:
    """One hostile invocation: arguments, extra environment, and where stdout goes."""

    name: str
    argv: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    #: "pipe" (read by the test), "full" (/dev/full), "closed" (fd 1 closed), "epipe"
    #: (a pipe whose reader has gone, as with ``| head``).
    stdout: str = "pipe"
    #: Extra check after the run (e.g. that nothing was created).
    after: Callable[[], bool] | None = None


def _files(tmp: Path) -> dict[str, Path]:
    """The hostile files the cases point at."""
    nested = tmp / "nested.toml"
    nested.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    latin = tmp / "latin1.toml"
    latin.write_bytes(b"[terminal]\nmerchant_name = '\xe9t\xe9'\n")
    binary = tmp / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00garbage\x80\n")
    plain = tmp / "plain-file"
    plain.write_text("not a directory\n")
    cards = tmp / "bad-cards"
    cards.mkdir()
    (cards / "debit-ec.json").write_text('{"atc": "many", "ec_balance": []}')
    odd_cards = tmp / "binary-cards"
    odd_cards.mkdir()
    (odd_cards / "debit-ec.json").write_bytes(b"\xff\xfe\x00\x80")
    dirs = tmp / "a-directory"
    dirs.mkdir()
    return {
        "nested": nested,
        "latin": latin,
        "binary": binary,
        "plain": plain,
        "cards": cards,
        "odd_cards": odd_cards,
        "dir": dirs,
        "missing": tmp / "no-such-dir" / "file",
    }


def _config(tmp: Path, name: str, text: str) -> str:
    path = tmp / f"{name}.toml"
    path.write_text(text)
    return str(path)


def _cases(tmp: Path) -> list[Case]:
    f = _files(tmp)
    now = datetime.now(UTC)
    token = issue_token(
        Ticket(7, "ADULT", now - timedelta(hours=1), now + timedelta(hours=1)), DEMO_KEY
    )
    sim = ("--sim", "debit-ec", "--state-dir", str(tmp / "cards"))
    typo_db = tmp / "typo" / "jornal.db"
    return [
        # Output nobody can take.
        *(
            Case(f"{label}-{mode}", argv, stdout=mode)
            for mode in ("full", "closed", "epipe")
            for label, argv in (
                ("pay", ("pay", *sim, "--amount", "1", "--json")),
                ("balance", ("balance", *sim, "--json")),
                ("export", ("journal", "export", "--json")),
                ("print-test", ("print-test",)),
                ("card-sim", ("card-sim", "--list")),
                ("doctor", ("doctor",)),
            )
        ),
        # Config files that are not what they claim.
        Case("config-non-utf8", ("--config", str(f["latin"]), "doctor")),
        Case("config-nested", ("--config", str(f["nested"]), "doctor")),
        Case("config-dev-zero", ("--config", "/dev/zero", "doctor")),
        Case("config-directory", ("--config", str(f["dir"]), "doctor")),
        # Directories that are not directories.
        *(
            Case(
                f"data-dir-{label}",
                ("--config", _config(tmp, f"dd-{label}", f"data_dir = '{path}'\n"), *argv),
            )
            for label, path in (("file", f["plain"]), ("dev-full", "/dev/full"), ("proc", "/proc"))
            for argv in [("journal", "verify")]
        ),
        Case("env-data-dir-file", ("journal", "verify"), env={"KIOSK_DATA_DIR": str(f["plain"])}),
        *(
            Case(
                f"state-dir-{label}",
                ("pay", "--sim", "debit-ec", "--state-dir", path, "--amount", "1"),
            )
            for label, path in (
                ("file", str(f["plain"])),
                ("dev-full", "/dev/full"),
                ("proc", "/proc"),
            )
        ),
        # Dates and numbers out of range.
        Case("report-9999", ("report", "day", "--date", "9999-12-31", "--out", str(tmp / "r.pdf"))),
        Case("report-0001", ("report", "day", "--date", "0001-01-01", "--out", str(tmp / "r.pdf"))),
        Case("export-after-30-digits", ("journal", "export", "--after", "9" * 30)),
        Case("pay-arabic-indic-amount", ("pay", *sim, "--amount", ARABIC_123)),
        Case("run-quit-after-nan", ("run", "--quit-after", "nan")),
        Case("demo-quit-after-inf", ("demo", "--quit-after", "inf")),
        Case("balance-timeout-nan", ("balance", *sim, "--timeout", "nan")),
        Case("print-test-timeout-nan", ("print-test", "--timeout", "nan")),
        # URLs and names that are not.
        Case(
            "journal-url-not-a-url", ("journal", "verify"), env={"KIOSK_JOURNAL__URL": "not a url"}
        ),
        Case(
            "journal-verify-typo-url",
            ("journal", "verify"),
            env={"KIOSK_JOURNAL__URL": f"sqlite:///{typo_db}"},
            after=lambda: not typo_db.exists() and not typo_db.parent.exists(),
        ),
        Case("print-test-bad-ipv6", ("print-test", "--printer", "tcp://[::1")),
        Case("printer-url-bad-ipv6", ("doctor",), env={"KIOSK_PRINTER__URL": "tcp://[::1"}),
        Case("pay-sim-5000-chars", ("pay", "--sim", "x" * 5000, "--amount", "1")),
        Case("pay-sim-empty", ("pay", "--sim", "", "--amount", "1")),
        Case("balance-sim-empty", ("balance", "--sim", "")),
        # Card state files broken on disk.
        Case(
            "card-state-wrong-types",
            ("pay", "--sim", "debit-ec", "--state-dir", str(f["cards"]), "--amount", "1"),
        ),
        Case(
            "card-state-binary",
            ("balance", "--sim", "debit-ec", "--state-dir", str(f["odd_cards"])),
        ),
        Case("card-sim-trace-dev-zero", ("card-sim", "--trace", "/dev/zero")),
        Case("card-sim-trace-binary", ("card-sim", "--trace", str(f["binary"]))),
        # Key and used-ticket files: not text, a directory, in no directory, a device.
        *(
            Case(f"{option[2:]}-{label}", ("gate", "verify", token, option, str(path)))
            for option in ("--key-file", "--used-file")
            for label, path in (
                ("binary", f["binary"]),
                ("directory", f["dir"]),
                ("missing-dir", f["missing"]),
                ("dev-full", "/dev/full"),
                ("dev-zero", "/dev/zero"),
            )
        ),
    ]


def _run(case: Case, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env |= {"PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen", **case.env}
    stdout: int | None = subprocess.PIPE
    preexec = None
    reader = writer = -1
    if case.stdout == "full":
        stdout = os.open("/dev/full", os.O_WRONLY)
    elif case.stdout == "closed":
        stdout, preexec = subprocess.DEVNULL, lambda: os.close(1)
    elif case.stdout == "epipe":
        reader, writer = os.pipe()
        os.close(reader)
        stdout = writer
    try:
        return subprocess.run(  # noqa: PLW1510 - the status is the point
            [*KIOSK, *case.argv],
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
            env=env,
            timeout=120,
            preexec_fn=preexec,
        )
    finally:
        if (
            isinstance(stdout, int)
            and stdout >= 0
            and stdout not in (subprocess.PIPE, subprocess.DEVNULL)
        ):
            os.close(stdout)


def test_hostile_input_gets_one_line_and_a_failure(tmp_path: Path) -> None:
    """Each hostile case: non-zero exit, no traceback, exactly one line on stderr."""
    cwd = tmp_path / "cwd"
    (cwd / "var").mkdir(parents=True)
    store = JournalStore(f"sqlite:///{cwd / 'var' / 'journal.db'}", "DEMO0001")
    for n in range(50):  # enough output for export to meet a full disk or a closed pipe
        store.record("test.hostile", {"n": n, "text": "x" * 200}, actor="t")
    store.dispose()
    cases = _cases(tmp_path)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda c: _run(c, cwd), cases))
    bad = []
    for case, done in zip(cases, results, strict=True):
        lines = done.stderr.splitlines()
        ok = (
            done.returncode not in (0, None)
            and "Traceback" not in done.stderr
            and len(lines) == 1
            and (case.after is None or case.after())
        )
        if not ok:
            bad.append(f"{case.name}: exit {done.returncode}: {done.stderr.strip()[-300:]!r}")
    assert not bad, f"{len(bad)} of {len(cases)} cases:\n" + "\n".join(bad)
