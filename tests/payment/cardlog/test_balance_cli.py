"""`kiosk balance`: the EC balance and log of a simulated card, in-process and over PC/SC."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.payment.cardsim.profiles import load_card
from kiosk.payment.reader.sim import SimReader
from tests.payment.host.plain_terminal import TC, PlainTerminal

WHEN = dt.datetime(2026, 11, 27, 14, 3, 9)


def _purchase(state_dir: Path, amount: int) -> None:
    """An offline EC purchase on the persisted debit-ec card."""
    reader = SimReader(load_card("debit-ec", state_dir=state_dir))
    reader.wait_for_card(0)
    term = PlainTerminal(reader, amount, when=WHEN)
    term.start()
    assert term.generate_ac(TC) == TC


def test_text_shows_balance_and_entry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """After a ¥12.50 EC purchase the text output shows ¥487.50 and the entry."""
    _purchase(tmp_path, 1_250)
    assert main(["balance", "--sim", "debit-ec", "--state-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "电子现金余额 EC balance:        ¥487.50" in out
    assert "2026-11-27 14:03:09      ¥12.50  ATC     1  消费 purchase  测试市场" in out
    assert "6212340000000019" not in out


def test_json_object(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--json prints one object with fen amounts, limits and the log."""
    _purchase(tmp_path, 800)
    assert main(["balance", "--sim", "debit-ec", "--state-dir", str(tmp_path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ec"] == {
        "balance_fen": 49_200,
        "balance": "¥492.00",
        "balance_limit_fen": 100_000,
        "single_limit_fen": 50_000,
        "reset_threshold_fen": 1_000,
        "currency": "0156",
    }
    assert [(e["amount_fen"], e["when"], e["atc"]) for e in data["entries"]] == [
        (800, "2026-11-27T14:03:09", 1)
    ]


def test_default_state_dir_is_data_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --state-dir the card's state is the kiosk's: <data_dir>/cards."""
    config = tmp_path / "kiosk.toml"
    config.write_text(f'data_dir = "{tmp_path / "var"}"\n')
    _purchase(tmp_path / "var" / "cards", 100)
    assert main(["--config", str(config), "balance", "--sim", "debit-ec", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ec"]["balance_fen"] == 49_900


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["balance", "--sim", "no-such-card"], "kiosk: cardsim.unknown_profile: "),
        (["balance", "--sim", "broken-gpo-6985", "--json"], None),
    ],
    ids=["unknown-profile", "no-gpo-needed"],
)
def test_errors_are_one_line(
    argv: list[str], code: str | None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown card is one stderr line, exit 2; a card refusing GPO still shows its balance."""
    status = main([*argv, "--state-dir", str(tmp_path)])
    captured = capsys.readouterr()
    if code is None:
        assert status == 0 and json.loads(captured.out)["ec"]["balance_fen"] == 50_000
    else:
        assert status == 2 and captured.err.startswith(code)
        assert len(captured.err.splitlines()) == 1


def test_balance_through_pcscd(
    card_sim, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Through real pcscd + vpcd (`kiosk card-sim`), `kiosk balance --reader` reads the debit."""
    _purchase(tmp_path, 4_321)
    card_sim("--profile", "debit-ec", "--state-dir", str(tmp_path))
    assert main(["balance", "--reader", "Virtual PCD 00 00", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ec"]["balance_fen"] == 50_000 - 4_321
    assert [e["amount_fen"] for e in data["entries"]] == [4_321]


def test_balance_after_kiosk_pay(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`kiosk pay` debits the simulated card; `kiosk balance` then shows the new balance."""
    state = ["--sim", "debit-ec", "--state-dir", str(tmp_path)]
    assert main(["pay", "--amount", "1250", *state, "--json"]) == 0
    paid = json.loads(capsys.readouterr().out)
    assert paid["outcome"] == "approved_offline"
    assert main(["balance", *state, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["ec"]["balance_fen"] == paid["ec_balance_after"] == 48_750
    assert [(e["amount_fen"], e["atc"]) for e in shown["entries"]] == [(1_250, paid["atc"])]
