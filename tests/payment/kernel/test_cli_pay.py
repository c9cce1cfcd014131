"""``kiosk pay``: the headless transaction command, on the in-process simulated card."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.cli import main

REQUIRED = {
    "outcome", "interface", "aid", "pan_masked", "amount", "cid", "cryptogram", "atc", "tvr",
    "tsi", "oda", "ec_balance_before", "ec_balance_after", "apdu_count", "data",
}  # fmt: skip


def pay(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    status = main(["pay", "--json", *args])
    return status, json.loads(capsys.readouterr().out)


def test_ec_purchase_debits_the_state_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``kiosk pay --sim debit-ec --json`` approves offline and the card's balance, kept in
    its state file, drops by the amount; a second run starts from the new balance."""
    status, out = pay(capsys, "--sim", "debit-ec", "--amount", "2500", "--state-dir", str(tmp_path))
    assert status == 0
    assert set(out) >= REQUIRED
    assert (out["outcome"], out["interface"], out["cid"]) == ("approved_offline", "contact", "40")
    assert (out["ec_balance_before"], out["ec_balance_after"]) == (50000, 47500)
    assert json.loads((tmp_path / "debit-ec.json").read_text())["ec_balance"] == 47500
    assert out["oda"] == {"method": "dda", "result": "passed", "failure": ""}
    data = out["data"]
    assert isinstance(data, dict) and data["9F02"] == "000000002500" and "5A" not in data
    _, again = pay(capsys, "--sim", "debit-ec", "--amount", "500", "--state-dir", str(tmp_path))
    assert (again["ec_balance_before"], again["ec_balance_after"]) == (47500, 47000)


def test_fixed_unpredictable_number(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """``--unpredictable-number`` is the 9F37 the card signs and field 55 carries."""
    _, out = pay(
        capsys, "--sim", "debit-ec", "--amount", "100", "--state-dir", str(tmp_path),
        "--unpredictable-number", "7863AFC6",
    )  # fmt: skip
    assert out["data"]["9F37"] == "7863AFC6"  # type: ignore[index]


@pytest.mark.parametrize(
    ("args", "outcome", "status"),
    [
        (["--sim", "credit"], "declined", 1),
        (["--sim", "qpboc-debit-ec"], "approved_offline", 0),
        (["--sim", "debit-ec", "--online", "always"], "approved_online", 0),
        (["--sim", "broken-ec-low-balance"], "declined", 1),
        (["--sim", "broken-gpo-6985"], "end_application", 1),
    ],
    ids=[
        "online-only-card",
        "contactless-profile",
        "always-online-issuer-simulator",
        "low-balance",
        "gpo-6985",
    ],
)
def test_outcomes(
    args: list[str], outcome: str, status: int, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Outcomes of the other profiles, with exit status 0 only for approvals."""
    code, out = pay(capsys, *args, "--amount", "1000", "--state-dir", str(tmp_path))
    assert (out["outcome"], code) == (outcome, status)


@pytest.mark.parametrize(
    "args",
    [["--amount", "-5"], ["--amount", "10", "--unpredictable-number", "12"]],
    ids=["negative-amount", "short-un"],
)
def test_bad_arguments(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """Bad arguments are refused by the parser with a message, not a traceback."""
    with pytest.raises(SystemExit) as info:
        main(["pay", "--sim", "debit-ec", *args])
    assert info.value.code == 2
    assert "expected" in capsys.readouterr().err


def test_unknown_profile(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """An unknown profile is one line on stderr and status 2."""
    assert main(["pay", "--sim", "nope", "--amount", "1", "--state-dir", str(tmp_path)]) == 2
    assert "cardsim.unknown_profile" in capsys.readouterr().err
