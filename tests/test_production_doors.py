"""No demo door left open in production: the operator PIN, the card simulator, the demo
ticket key, ``kiosk pay`` on a real card, and the files that hold secrets or sales."""

from __future__ import annotations

import grp
import io
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk import cli
from kiosk.journal.store import JournalStore
from kiosk.sales.tokens import DEMO_KEY, Ticket, issue_token

KEY_HEX = bytes(range(32)).hex()


def _config(
    tmp_path: Path, *, demo: bool = False, reader: str = "sim:debit-ec", **extra: str
) -> str:
    keys = tmp_path / "ticket.keys"
    keys.write_text(f"0 {DEMO_KEY.secret.hex()}\n1 {KEY_HEX}\n")
    terminal = "".join(f'{key} = "{value}"\n' for key, value in extra.items())
    path = tmp_path / "kiosk.toml"
    path.write_text(
        f'data_dir = "{tmp_path / "data"}"\ndemo = {str(demo).lower()}\n'
        f'[terminal]\nticket_key_file = "{keys}"\n{terminal}'
        f'[payment]\nreader = "{reader}"\n'
    )
    return str(path)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def _doctor_lines(capsys: pytest.CaptureFixture[str], config: str) -> dict[str, str]:
    status, out, _ = _run(capsys, "--config", config, "doctor")
    lines = {line[6:18].strip(): line[:5].strip() for line in out.splitlines()}
    lines["exit"] = str(status)
    return lines


def test_production_doctor_fails_without_pin_and_with_the_simulator(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Production with no PIN and the card simulator as its reader: doctor fails both;
    ``kiosk admin set-pin`` (PIN from a pipe) then makes the PIN line pass."""
    config = _config(tmp_path)
    lines = _doctor_lines(capsys, config)
    assert (lines["pin"], lines["reader"], lines["exit"]) == ("FAIL", "FAIL", "1")
    assert lines["config"] == "ok" and lines["tickets"] == "ok"

    monkeypatch.setattr("sys.stdin", io.StringIO("48291357\n"))
    status, out, _ = _run(capsys, "--config", config, "admin", "set-pin")
    assert status == 0 and "48291357" not in out
    pin_file = tmp_path / "data" / "operator-pin"
    assert stat.S_IMODE(pin_file.stat().st_mode) == 0o600
    assert "48291357" not in pin_file.read_text()
    assert _doctor_lines(capsys, config)["pin"] == "ok"

    monkeypatch.setattr("sys.stdin", io.StringIO("1234\n"))
    status, _, err = _run(capsys, "--config", config, "admin", "set-pin")
    assert status == 2 and "admin.pin_format" in err


def test_unknown_simulator_profile_fails_doctor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Even in demo mode, a reader ``sim:`` profile that does not exist fails doctor."""
    lines = _doctor_lines(capsys, _config(tmp_path, demo=True, reader="sim:no-such-card"))
    assert lines["reader"] == "FAIL" and lines["config"] == "warn"


def test_production_gate_refuses_a_demo_signed_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``gate verify`` on a production config never admits a token signed with the demo
    key, though the key file lists it; the same token passes a demo gate."""
    now = datetime.now(UTC)
    token = issue_token(
        Ticket(11, "ADULT", now - timedelta(hours=1), now + timedelta(days=3650)), DEMO_KEY
    )
    used = str(tmp_path / "used.txt")
    status, out, _ = _run(
        capsys, "--config", _config(tmp_path), "gate", "verify", token, "--used-file", used
    )
    assert (status, out.strip()) == (1, "wrong_key")
    demo = _config(tmp_path, demo=True)
    status, out, _ = _run(capsys, "--config", demo, "gate", "verify", token, "--used-file", used)
    assert status == 0 and out.startswith("valid")


def test_kiosk_pay_takes_no_real_card_and_not_the_kiosks_card(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``kiosk pay`` refuses a real PC/SC reader and the kiosk's own simulated cards; by
    default its simulated card lives in data_dir/pay-cards, apart from the kiosk's."""
    config = _config(tmp_path, demo=True)
    status, _, err = _run(
        capsys, "--config", config, "pay", "--reader", "ACS ACR122U", "--amount", "1"
    )
    assert status == 2 and "pay.real_card" in err
    kiosk_cards = str(tmp_path / "data" / "cards")
    status, _, err = _run(
        capsys,
        "--config",
        config,
        "pay",
        "--sim",
        "debit-ec",
        "--state-dir",
        kiosk_cards,
        "--amount",
        "1",
    )
    assert status == 2 and "pay.state_dir" in err
    status, _, _ = _run(capsys, "--config", config, "pay", "--sim", "debit-ec", "--amount", "1")
    assert status == 0
    assert (tmp_path / "data" / "pay-cards" / "debit-ec.json").is_file()
    assert not (tmp_path / "data" / "cards").exists()


def test_journal_and_reports_are_not_world_readable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """journal.db is created 0600 whatever the umask; a report PDF 0600, or 0640 for the
    group ``terminal.report_group`` names; an unknown group is refused."""
    old = os.umask(0o022)
    try:
        store = JournalStore(f"sqlite:///{tmp_path / 'data' / 'journal.db'}", "DEMO0001")
        store.record("test.mode", {}, actor="t")
        store.dispose()
        assert stat.S_IMODE((tmp_path / "data" / "journal.db").stat().st_mode) == 0o600
        out = tmp_path / "day.pdf"
        status, _, err = _run(
            capsys, "--config", _config(tmp_path, demo=True), "report", "day", "--out", str(out)
        )
        assert status == 0, err
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
        group = grp.getgrgid(os.getgid()).gr_name
        shared = _config(tmp_path, demo=True, report_group=group)
        out.unlink()
        assert _run(capsys, "--config", shared, "report", "day", "--out", str(out))[0] == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o640 and out.stat().st_gid == os.getgid()
        bad = _config(tmp_path, demo=True, report_group="no-such-group-xyz")
        status, _, err = _run(capsys, "--config", bad, "report", "day", "--out", str(out))
        assert status == 2 and "terminal.report_group" in err
    finally:
        os.umask(old)
