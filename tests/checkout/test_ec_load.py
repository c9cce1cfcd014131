"""EC load at the counter (``kiosk ec-load``) online to host-sim over loopback ISO 8583."""

from __future__ import annotations

import json

import pytest

from kiosk import cli
from kiosk.payment import tlv
from kiosk.payment.host.host_sim import HostSimulator
from kiosk.payment.host.issuer_sim import HostFault, LedgerState
from tests.checkout.test_acquirer_sales import online_kiosk  # noqa: F401 - fixture
from tests.payment.conftest import SLOT, card_sim, pcscd  # noqa: F401 - fixtures


def ec_load(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    status = cli.main(["ec-load", *args, "--json"])
    return status, json.loads(capsys.readouterr().out)


def test_balance_rises_by_exactly_the_amount(online_kiosk: HostSimulator, capsys) -> None:  # noqa: F811
    status, result = ec_load(capsys, "--amount", "2345", "--sim", "debit-ec")
    assert status == 0 and result["loaded"] and not result["reversed"]
    assert result["balance_after_fen"] == result["balance_before_fen"] + 2345
    [load] = online_kiosk.of_type("0200")
    assert (load["3"], load["25"], load["60"][:2]) == ("630000", "91", "46")
    [notice] = online_kiosk.of_type("0620")  # the script's result went to the acquirer
    assert notice["60"][8:11] == "951" and "DF3105" in notice["55"]
    # notes §5: 60 = 00 + batch + 951 + the load's 60.4/60.5; 61 = its batch, STAN, MMDD;
    # the 0200's 2, 3, 4, 22, 23, 41, 42, 49 and the 0210's RRN, nothing else of them
    assert notice["60"][:2] == "00" and notice["60"][11:13] == load["60"][11:13]
    assert notice["61"][:12] == load["60"][2:8] + load["11"] and len(notice["61"]) == 16
    assert notice["61"][12:] == tlv.decode(bytes.fromhex(load["55"])).first(0x9A).hex()[2:6]
    assert {k: notice[k] for k in ("2", "3", "4", "22", "23", "41", "42", "49")} == {
        k: load[k] for k in ("2", "3", "4", "22", "23", "41", "42", "49")
    }
    assert len(notice["37"]) == 12 and "25" not in notice
    assert online_kiosk.totals() == (0, 0)  # paid at the counter: no card debit to settle
    # The card keeps it: a second load starts from the new balance.
    _, again = ec_load(capsys, "--amount", "100", "--sim", "debit-ec")
    assert again["balance_before_fen"] == result["balance_after_fen"]


def test_a_script_the_card_refuses_is_reversed(online_kiosk: HostSimulator, capsys) -> None:  # noqa: F811
    online_kiosk.issuer.fault = HostFault.BAD_SCRIPT
    status, result = ec_load(capsys, "--amount", "2345", "--sim", "debit-ec")
    assert status == 1 and not result["loaded"] and result["reversed"]
    assert result["balance_after_fen"] == result["balance_before_fen"]
    [reversal] = online_kiosk.of_type("0400")
    assert reversal["3"] == "630000" and reversal["39"] == "06"
    assert online_kiosk.issuer.ledger[0].state is LedgerState.REVERSED


def test_ec_load_needs_the_acquirer(capsys, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KIOSK_PAYMENT__HOST", raising=False)
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    assert cli.main(["ec-load", "--amount", "100", "--sim", "debit-ec"]) == 2
    assert "ec_load.no_host" in capsys.readouterr().err
