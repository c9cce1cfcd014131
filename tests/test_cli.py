"""The command line: help, one-line errors with non-zero exit, demo window and doctor."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.cli import COMMANDS, build_parser, chosen_command
from tests.support.imports import loaded_after

REPO = Path(__file__).resolve().parents[1]
#: Libraries a command line that only lists its commands has no use for.
HEAVY = ("sqlalchemy", "alembic", "PySide6", "escpos", "smartcard", "cryptography", "reportlab")


def kiosk(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ, PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen", **(env or {}))
    full_env.pop("KIOSK_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_help_lists_commands(tmp_path: Path) -> None:
    """`kiosk --help` lists the sub-commands."""
    out = kiosk("--help", cwd=tmp_path)
    assert out.returncode == 0
    for command in ("demo", "run", "doctor", "journal"):
        assert command in out.stdout


def test_the_command_table_says_what_the_modules_register() -> None:
    """Every command a module registers is in the table, under the table's help line."""
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    registered = {a.dest: a.help for a in sub._choices_actions}
    assert registered == {name: entry.help for name, entry in COMMANDS.items()}
    # A module's parser runs a handler or has actions of its own; a bare listing does neither.
    assert all(p.get_default("func") or p._subparsers for p in sub.choices.values())


def _after_help(*argv: str, packages: list[str]) -> list[str]:
    """Which of ``packages`` a fresh ``kiosk ARGV --help`` has imported."""
    run = (
        "import contextlib, io, kiosk.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        f"    kiosk.cli.main({[*argv, '--help']!r})"
    )
    return loaded_after(run, packages)


def test_help_imports_no_command_module() -> None:
    """`kiosk --help` reads the table: no command module, database, Qt, printer or card library."""
    modules = sorted({entry.module for entry in COMMANDS.values()})
    assert _after_help(packages=[*modules, *HEAVY]) == []


def test_a_command_imports_its_own_module_only() -> None:
    """`kiosk journal --help` imports the journal's command module and no other."""
    modules = sorted({entry.module for entry in COMMANDS.values()})
    assert _after_help("journal", packages=modules) == ["kiosk.journal.commands"]


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        ((), None),
        (("--help",), None),
        (("-v", "pay", "--json"), "pay"),
        (("--config", "pay", "run"), "run"),
    ],
)
def test_the_command_word_is_found_past_options(argv: tuple[str, ...], command: str | None) -> None:
    assert chosen_command(argv) == command


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--config", "missing.toml", "doctor"), "config.missing"),
        (("--config", "bad.toml", "journal", "verify"), "config.syntax"),
        (("journal", "verify"), "config.value"),
    ],
    ids=["missing-config", "broken-toml", "bad-env"],
)
def test_bad_input_is_one_line_and_nonzero(
    tmp_path: Path, args: tuple[str, ...], needle: str
) -> None:
    """Bad configuration gives one line on stderr, exit 2, and no traceback."""
    (tmp_path / "bad.toml").write_text("[terminal\n")
    out = kiosk(
        *args,
        cwd=tmp_path,
        env={"KIOSK_PRINTER__WIDTH_MM": "70"} if args == ("journal", "verify") else None,
    )
    assert out.returncode == 2
    assert needle in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_unknown_command_is_an_error(tmp_path: Path) -> None:
    """An unknown sub-command is refused with a usage error."""
    out = kiosk("fly", cwd=tmp_path)
    assert out.returncode == 2 and "invalid choice" in out.stderr


def test_doctor_and_journal_on_demo_defaults(tmp_path: Path) -> None:
    """On demo defaults, doctor passes and the journal verifies and exports as JSON lines."""
    out = kiosk("doctor", cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "journal" in out.stdout and "intact" in out.stdout
    from kiosk.journal.store import JournalStore

    JournalStore(f"sqlite:///{tmp_path / 'var' / 'journal.db'}", "DEMO0001").record(
        "test.cli", {"text": "收据"}, actor="t"
    )
    out = kiosk("journal", "export", "--json", cwd=tmp_path)
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(r["seq"], r["event"], r["payload"]["text"]) for r in rows] == [(1, "test.cli", "收据")]
    assert kiosk("journal", "verify", cwd=tmp_path).returncode == 0


def test_doctor_json_says_the_same_for_machines(tmp_path: Path) -> None:
    """``doctor --json``: one object, each check's status, the worst one, the exit status;
    a production config without an operator PIN or a ticket key fails it."""
    out = kiosk("doctor", "--json", cwd=tmp_path)
    report = json.loads(out.stdout)
    assert out.returncode == 0 and report["status"] == "warn"  # demo mode is a warning
    names = {c["name"]: c["status"] for c in report["checks"]}
    assert names["config"] == "warn" and names["journal"] == "ok"
    (tmp_path / "prod.toml").write_text(f'demo = false\ndata_dir = "{tmp_path}"\n')
    out = kiosk("--config", "prod.toml", "doctor", "--json", cwd=tmp_path)
    report = json.loads(out.stdout)
    assert out.returncode == 1 and report["status"] == "fail"
    failed = {c["name"] for c in report["checks"] if c["status"] == "fail"}
    assert {"pin", "tickets"} <= failed


def test_demo_opens_a_window(tmp_path: Path) -> None:
    """`kiosk demo` starts the Qt application and exits cleanly when asked to."""
    out = kiosk("demo", "--quit-after", "0.5", cwd=tmp_path)
    assert out.returncode == 0, out.stderr


def test_doctor_fails_on_an_unreachable_printer(tmp_path: Path) -> None:
    """A printer nobody answers for is reported FAIL and makes doctor exit non-zero."""
    import socket

    with socket.socket() as s:  # a loopback port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = kiosk("doctor", cwd=tmp_path, env={"KIOSK_PRINTER__URL": f"tcp://127.0.0.1:{port}"})
    assert out.returncode == 1
    assert any(line.startswith("FAIL  printer") for line in out.stdout.splitlines())
