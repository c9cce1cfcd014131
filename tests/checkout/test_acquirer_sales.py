"""Whole sales (``kiosk sell``) online to ``kiosk host-sim`` over loopback ISO 8583.

Real parts: the acquirer client and host-sim on TCP, the journal on SQLite, the card
simulator (in-process, or served through pcscd + vpcd), the preview printer.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import cli
from kiosk.journal.acquirer_records import JournalLinkRecords
from kiosk.journal.store import JournalStore
from kiosk.payment.host.host_sim import Fault, HostSimulator
from kiosk.payment.host.issuer_sim import LedgerState
from kiosk.payment.host.keys import load_tmk, write_tmk
from kiosk.payment.host.link_state import LinkState
from tests.payment.conftest import SLOT, card_sim, pcscd  # noqa: F401 - fixtures

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def online_kiosk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HostSimulator]:
    """Demo defaults in ``tmp_path``, ``payment.host`` pointing at a host-sim on loopback."""
    monkeypatch.chdir(tmp_path)
    for name in ("KIOSK_CONFIG", "KIOSK_PRINTER__URL", "KIOSK_PRINTER__WIDTH_MM"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "var" / "acquirer").mkdir(parents=True)
    tmk = tmp_path / "var" / "acquirer" / "tmk"
    write_tmk(tmk)
    sim = HostSimulator(tmk=load_tmk(tmk)).start()
    monkeypatch.setenv("KIOSK_PAYMENT__HOST", sim.url)
    monkeypatch.setenv("KIOSK_PAYMENT__HOST_TIMEOUT_S", "1")
    monkeypatch.setenv("KIOSK_PAYMENT__ONLINE", "always")
    yield sim
    sim.close()


def owed_reversals(folder: Path) -> list[int]:
    """The reversals the kiosk in ``folder`` owes, as its journal database keeps them."""
    store = JournalStore(f"sqlite:///{folder / 'var' / 'journal.db'}", "DEMO0001")
    try:
        return LinkState(folder / "var" / "acquirer", JournalLinkRecords(store)).reversals.stans()
    finally:
        store.dispose()


def sell(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    status = cli.main(["sell", "--item", "ADULT", *args, "--json"])
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1, out
    return status, json.loads(out[0])


def test_online_sale_approved_by_the_acquirer(online_kiosk: HostSimulator, capsys) -> None:
    status, sale = sell(capsys, "--sim", "debit-ec")
    assert status == 0 and sale["state"] == "approved" and sale["card"]["path"] == "online"
    assert sale["card"]["response_code"] == "00"
    [entry] = online_kiosk.issuer.ledger
    assert entry.state is LedgerState.APPROVED and entry.amount_fen == sale["total_fen"]
    assert [m["t"] for m in online_kiosk.received] == ["0800", "0200"]


def test_insufficient_funds_declines_with_the_reason(online_kiosk: HostSimulator, capsys) -> None:
    online_kiosk.issuer._default_balance = 100
    status, sale = sell(capsys, "--sim", "debit-ec")
    assert status == 1 and sale["state"] == "declined"
    assert sale["card"]["response_code"] == "51" and sale["reason"] == "host.declined"
    assert online_kiosk.of_type("0400") == []


def test_wrong_arpc_card_declines_and_the_host_is_reversed(
    online_kiosk: HostSimulator, capsys
) -> None:
    from kiosk.payment.host.issuer_sim import HostFault

    online_kiosk.issuer.fault = HostFault.BAD_ARPC
    status, sale = sell(capsys, "--sim", "debit-ec")
    assert status == 1 and sale["state"] == "declined"
    [reversal] = online_kiosk.of_type("0400")
    assert reversal["39"] == "06"
    assert online_kiosk.issuer.ledger[0].state is LedgerState.REVERSED


def test_host_timeout_reversal_and_offline_decides(
    online_kiosk: HostSimulator, capsys, tmp_path: Path
) -> None:
    """No answer in time: the card decides offline (e-cash card: approved offline), the
    reversal is owed and goes before the next sale's 0200."""
    online_kiosk.set_fault(Fault.DROP, times=1)
    status, sale = sell(capsys, "--sim", "debit-ec")
    assert sale["card"]["response_code"] in ("Y3", "Z3")
    assert (status == 0) == (sale["card"]["response_code"] == "Y3")
    assert owed_reversals(tmp_path) != []
    assert online_kiosk.of_type("0400") == []
    database = b"".join(p.read_bytes() for p in (tmp_path / "var").glob("journal.db*"))
    assert b"6212340000000019" not in database  # the owed 0400's PAN is sealed
    assert not (tmp_path / "var" / "acquirer" / "reversals").exists()
    time.sleep(0.1)
    sell(capsys, "--sim", "debit-ec")
    [reversal] = online_kiosk.of_type("0400")
    assert reversal["39"] == "98"
    assert online_kiosk.issuer.ledger[0].state is LedgerState.REVERSED
    assert owed_reversals(tmp_path) == []


def _card(request: pytest.FixtureRequest, source: str) -> tuple[str, ...]:
    """``--sim debit-ec``, or a contactless card served to vpcd and read through pcscd."""
    if source == "sim":
        return ("--sim", "debit-ec")
    request.getfixturevalue("card_sim")("--profile", "qpboc-debit-ec", "--state-dir", "served")
    return ("--reader", SLOT)


def _kiosk(tmp_path: Path, *args: str, **env: str) -> subprocess.Popen[bytes]:
    """``kiosk ARGS`` as its own process in ``tmp_path`` (the fixture's settings)."""
    return subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", *args],
        env=dict(os.environ, PYTHONPATH=str(REPO), **env),
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _killed_after_0200(sim: HostSimulator, tmp_path: Path, card: tuple[str, ...]) -> dict[str, str]:
    """A ``kiosk sell`` SIGKILLed once its 0200 reached the host (which booked it and never
    answered): the 0200 whose reversal the terminal now owes."""
    sim.set_fault(Fault.DROP, times=1)
    proc = _kiosk(tmp_path, "sell", "--item", "ADULT", *card, KIOSK_PAYMENT__HOST_TIMEOUT_S="60")
    deadline = time.monotonic() + 60
    while not sim.of_type("0200"):
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    [lost] = sim.of_type("0200")
    assert sim.issuer.ledger[0].state is LedgerState.APPROVED  # booked, never answered
    return lost


@pytest.mark.parametrize("source", ["sim", pytest.param("pcsc", marks=pytest.mark.pcsc)])
def test_sigkill_after_0200_reversed_at_restart_once(
    online_kiosk: HostSimulator, capsys, tmp_path: Path, request, source: str
) -> None:
    """The kiosk dies while its 0200 is outstanding: the next run reverses it, once."""
    card = _card(request, source)
    lost = _killed_after_0200(online_kiosk, tmp_path, card)
    status, sale = sell(capsys, *card)
    assert status == 0 and sale["card"]["path"] == "online"
    sell(capsys, *card)
    [reversal] = online_kiosk.of_type("0400")
    assert reversal["11"] == lost["11"] and reversal["39"] == "98"
    assert online_kiosk.issuer.ledger[0].state is LedgerState.REVERSED


def test_reversal_owed_at_start_up_goes_before_any_sale(
    online_kiosk: HostSimulator, tmp_path: Path
) -> None:
    """The kiosk dies with its 0200 outstanding; the restarted kiosk (``kiosk run``, the
    selling process with its window) reverses it on its own, before anyone buys anything."""
    lost = _killed_after_0200(online_kiosk, tmp_path, ("--sim", "debit-ec"))
    assert owed_reversals(tmp_path) == [int(lost["11"])]
    run = _kiosk(
        tmp_path, "run", "--mode", "ticket", "--quit-after", "4", QT_QPA_PLATFORM="offscreen"
    )
    try:
        deadline = time.monotonic() + 30
        while not online_kiosk.of_type("0400"):
            assert time.monotonic() < deadline, "no reversal after the restart"
            time.sleep(0.05)
        assert run.wait(timeout=60) == 0
    finally:
        run.kill()
    [reversal] = online_kiosk.of_type("0400")
    assert reversal["11"] == lost["11"] and reversal["39"] == "98"
    assert reversal["mac_ok"] == "1"
    assert online_kiosk.issuer.ledger[0].state is LedgerState.REVERSED
    assert len(online_kiosk.of_type("0200")) == 1  # no sale was made
    assert owed_reversals(tmp_path) == []


@pytest.mark.pcsc
def test_online_sale_through_pcscd(online_kiosk: HostSimulator, capsys, card_sim) -> None:  # noqa: F811
    """The card served to vpcd, read through pcscd, authorised by host-sim over TCP."""
    card_sim("--profile", "qpboc-debit-ec", "--state-dir", "served")
    status, sale = sell(capsys, "--reader", SLOT)
    assert status == 0 and sale["state"] == "approved", sale
    assert online_kiosk.of_type("0200")[0]["mac_ok"] == "1"
    assert sale["card"]["pan_masked"] in online_kiosk.of_type("0200")[0]["2"]


def _settle(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = cli.main(["settle"])
    return status, capsys.readouterr().out


def test_mixed_day_settles_with_the_host_sims_totals(
    online_kiosk: HostSimulator, capsys, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Online, EC offline (contact), qPBOC offline, a card that declined the host's approval
    (reversed), a timeout then offline: the journal's totals equal host-sim's."""
    from kiosk.payment.host.issuer_sim import HostFault

    approved = []
    _, sale = sell(capsys, "--sim", "debit-ec")  # online
    approved.append(sale)
    monkeypatch.setenv("KIOSK_PAYMENT__ONLINE", "auto")
    _, sale = sell(capsys, "--sim", "debit-ec")  # EC offline, advised
    assert sale["card"]["path"] == "ec_offline"
    approved.append(sale)
    _, sale = sell(capsys, "--sim", "qpboc-debit-ec")  # qPBOC offline, advised
    assert sale["card"]["path"] == "qpboc_offline", sale
    approved.append(sale)
    monkeypatch.setenv("KIOSK_PAYMENT__ONLINE", "always")
    online_kiosk.issuer.fault = HostFault.BAD_ARPC
    status, _ = sell(capsys, "--sim", "credit")  # host approves, card declines: reversed
    assert status == 1
    online_kiosk.issuer.fault = HostFault.NONE
    online_kiosk.set_fault(Fault.DROP, times=1)
    status, sale = sell(capsys, "--sim", "debit-ec")  # timeout, the card decides offline
    if status == 0:
        approved.append(sale)

    status, out = _settle(capsys)
    assert status == 0 and "balanced" in out and "not balanced" not in out
    assert "0 uploaded" in out  # the totals agreed the first time
    total = sum(s["total_fen"] for s in approved)
    assert online_kiosk.totals() == (total, len(approved))
    assert online_kiosk.of_type("0500")[0]["48"][:15] == f"{total:012d}{len(approved):03d}"

    # The next batch covers only what came after the first settlement.
    _, sale = sell(capsys, "--sim", "debit-ec")
    status, out = _settle(capsys)
    assert status == 0 and "1 debits" in out and "0 uploaded" in out


def test_forced_mismatch_resolved_by_batch_upload_and_reported(
    online_kiosk: HostSimulator, capsys, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("KIOSK_PAYMENT__ONLINE", "auto")
    _, first = sell(capsys, "--sim", "debit-ec")
    _, second = sell(capsys, "--sim", "debit-ec")
    assert {first["card"]["path"], second["card"]["path"]} == {"ec_offline"}
    online_kiosk.offline.clear()  # the acquirer lost both advices
    status, out = _settle(capsys)
    assert status == 0 and "2 uploaded" in out
    assert [m["60"][8:11] for m in online_kiosk.of_type("0320")][-3:] == ["205", "205", "202"]
    assert online_kiosk.totals() == (first["total_fen"] + second["total_fen"], 2)

    from pypdf import PdfReader

    assert cli.main(["report", "day", "--out", str(tmp_path / "day.pdf")]) == 0
    text = "".join(page.extract_text() for page in PdfReader(tmp_path / "day.pdf").pages)
    assert "Acquirer settlement" in text and "balanced" in text


def test_batch_upload_carries_the_online_sales_tc(
    online_kiosk: HostSimulator, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Notes §10/§11: a chip record in a batch upload carries the card's TC (9F27 = 40),
    the cryptogram that cleared, not the ARQC the 0200 carried."""
    from kiosk.payment import tlv

    _, online = sell(capsys, "--sim", "debit-ec")
    monkeypatch.setenv("KIOSK_PAYMENT__ONLINE", "auto")
    _, offline = sell(capsys, "--sim", "debit-ec")
    assert (online["card"]["path"], offline["card"]["path"]) == ("online", "ec_offline")
    online_kiosk.offline.clear()  # the acquirer lost the advice: the batch goes up
    status, out = _settle(capsys)
    assert status == 0 and "2 uploaded" in out
    [request] = online_kiosk.of_type("0200")
    [record] = [m for m in online_kiosk.of_type("0320") if m["60"][:2] == "00" and "55" in m]
    arqc, tc = (tlv.decode(bytes.fromhex(m["55"])) for m in (request, record))
    assert arqc.first(0x9F27) == b"\x80" and tc.first(0x9F27) == b"\x40"
    assert tc.first(0x9F26) != arqc.first(0x9F26) and record["11"] != request["11"]
    assert record["61"][6:] == request["11"] and record["4"] == request["4"]
