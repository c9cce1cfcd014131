"""The acquirer client against ``kiosk host-sim`` on loopback, with genuine cryptograms.

The software card computes each ARQC and checks each ARPC (EXTERNAL AUTHENTICATE, 2nd
GENERATE AC): an answer that merely looked right would be caught by the card.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.payment import tlv
from kiosk.payment.errors import HostError
from kiosk.payment.host.acquirer import AcquirerClient, Totals
from kiosk.payment.host.base import AuthorizationRequest
from kiosk.payment.host.host_sim import Fault, HostSimulator
from kiosk.payment.host.issuer_sim import HostFault, LedgerState
from kiosk.payment.host.keys import check_value
from tests.payment.host.conftest import make_client, plain_terminal
from tests.payment.host.plain_terminal import AAC, ARQC, TC


def test_sign_on_installs_keys_the_host_issued(
    client: AcquirerClient, host_sim: HostSimulator
) -> None:
    client.sign_on()
    assert client.keys is not None
    [sign_on] = host_sim.of_type("0800")
    assert sign_on["60"][8:11] == "003" and sign_on["41"] == "TEST0001"
    assert check_value(client.keys.mak) == check_value(host_sim._keys["TEST0001"].mak)
    assert client.batch == host_sim.batch


def test_sign_on_with_the_wrong_tmk_installs_nothing(
    host_sim: HostSimulator, tmp_path: Path
) -> None:
    """Working keys sealed under another TMK fail their check values."""
    other = tmp_path / "other.hex"
    from kiosk.payment.host.keys import write_tmk

    write_tmk(other)
    client = make_client(host_sim, other, tmp_path / "acq")
    with pytest.raises(HostError) as caught:
        client.sign_on()
    assert caught.value.code == "host.key_check"
    assert client.keys is None


def test_online_approval_with_valid_arpc(client: AcquirerClient, host_sim: HostSimulator) -> None:
    term = plain_terminal()
    cid, response = term.online(client, stan=7)
    assert response.response_code == "00" and response.approved
    assert term.auth_sw == 0x9000 and cid == TC
    [entry] = host_sim.issuer.ledger
    assert entry.state is LedgerState.APPROVED and entry.amount_fen == 12_345
    [purchase] = host_sim.of_type("0200")
    assert purchase["mac_ok"] == "1"
    assert client.state.reversals.stans() == []


def test_field_55_is_exactly_the_kernels_data(
    client: AcquirerClient, host_sim: HostSimulator
) -> None:
    term = plain_terminal()
    assert term.generate_ac(ARQC) == ARQC
    request = term.request()
    client.authorize(request)
    [purchase] = host_sim.of_type("0200")
    sent = tlv.decode(bytes.fromhex(purchase["55"]))
    assert [(i.tag, i.value) for i in sent] == list(request.icc_data.items())


def test_insufficient_funds_51(client: AcquirerClient, host_sim: HostSimulator) -> None:
    term = plain_terminal()
    host_sim.issuer.set_balance(term.pan, term.psn, 100)
    cid, response = term.online(client)
    assert response.response_code == "51" and response.decline_reason == "host.declined"
    assert cid == AAC
    assert client.state.reversals.stans() == []


def test_wrong_arpc_card_declines_and_reversal_follows(
    client: AcquirerClient, host_sim: HostSimulator
) -> None:
    term = plain_terminal()
    host_sim.issuer.fault = HostFault.BAD_ARPC
    request_stan = 3
    cid, response = term.online(client, stan=request_stan)
    assert response.approved and term.auth_sw != 0x9000 and cid == AAC
    client.reverse(term.request(request_stan), reason="card.declined_after_approval")
    [reversal] = host_sim.of_type("0400")
    assert reversal["39"] == "06" and reversal["11"] == host_sim.of_type("0200")[0]["11"]
    assert reversal["2"].count("*") > 0  # the record masks the PAN
    assert host_sim.issuer.ledger[0].state is LedgerState.REVERSED
    assert client.state.reversals.stans() == []


@pytest.mark.parametrize(
    ("fault", "code", "reason"),
    [
        (Fault.DROP, "host.timeout", "98"),
        (Fault.DELAY, "host.timeout", "98"),
        (Fault.DISCONNECT, "host.disconnected", "98"),
        (Fault.GARBAGE, "host.malformed", "98"),
        (Fault.BAD_MAC, "host.bad_mac", "A0"),
    ],
)
def test_no_usable_answer_owes_a_reversal_sent_before_the_next(
    client: AcquirerClient, host_sim: HostSimulator, fault: Fault, code: str, reason: str
) -> None:
    term = plain_terminal()
    host_sim.set_fault(fault, times=1, delay_s=2.0)
    assert term.generate_ac(ARQC) == ARQC
    with pytest.raises(HostError) as caught:
        client.authorize(term.request())
    assert caught.value.code == code
    [owed] = client.state.reversals.stans()
    assert client.state.reversals.get(owed)["39"] == reason  # type: ignore[index]
    assert host_sim.issuer.ledger[0].state is LedgerState.APPROVED  # booked, answer lost

    second = plain_terminal("credit", 500)
    second.online(client)
    [reversal] = host_sim.of_type("0400")
    assert reversal["11"] == f"{owed:06d}" and reversal["39"] == reason
    assert host_sim.issuer.ledger[0].state is LedgerState.REVERSED
    assert client.state.reversals.stans() == []


def test_reversal_survives_a_restart_and_is_acknowledged_once(
    host_sim: HostSimulator, tmk_file: Path, tmp_path: Path
) -> None:
    first = make_client(host_sim, tmk_file, tmp_path / "acq")
    host_sim.set_fault(Fault.DROP, times=1)
    term = plain_terminal()
    assert term.generate_ac(ARQC) == ARQC
    with pytest.raises(HostError):
        first.authorize(term.request())
    again = make_client(host_sim, tmk_file, tmp_path / "acq")  # a new process, same files
    again.send_reversals()
    again.send_reversals()
    assert len(host_sim.of_type("0400")) == 1
    assert again.state.reversals.stans() == []


def test_unreachable_owes_nothing(tmk_file: Path, tmp_path: Path, host_sim: HostSimulator) -> None:
    client = make_client(host_sim, tmk_file, tmp_path / "acq")
    client.sign_on()
    host_sim.close()
    term = plain_terminal()
    assert term.generate_ac(ARQC) == ARQC
    with pytest.raises(HostError) as caught:
        client.authorize(term.request())
    assert caught.value.code == "host.unreachable"
    assert client.state.reversals.stans() == []


def test_request_with_bad_mac_answered_a0(client: AcquirerClient, host_sim: HostSimulator) -> None:
    """The host checks the terminal's MAC too: a wrong MAK gets 39 = A0 and a new sign-on."""
    client.sign_on()
    assert client.keys is not None
    client.keys = type(client.keys)(pik=client.keys.pik, mak=bytes(8))
    term = plain_terminal()
    assert term.generate_ac(ARQC) == ARQC
    with pytest.raises(HostError) as caught:
        client.authorize(term.request())
    assert caught.value.code == "host.bad_mac"  # the A0 answer is MACed with the real MAK
    assert host_sim.of_type("0200")[0]["mac_ok"] == "0"
    assert client.keys is None
    assert host_sim.issuer.ledger == []


def test_x919_mac_link(tmk_file: Path, tmp_path: Path) -> None:
    """An acquirer that specifies ANSI X9.19: both ends MAC with it; one left on the ECB MAC
    gets A0 and takes the answer for no answer."""
    from kiosk.payment.host.cups import MacScheme
    from kiosk.payment.host.keys import load_tmk

    sim = HostSimulator(tmk=load_tmk(tmk_file), mac_scheme=MacScheme.X919).start()
    try:
        x919 = make_client(sim, tmk_file, tmp_path / "x919")
        x919.mac_scheme = MacScheme.X919
        _, response = plain_terminal().online(x919, stan=7)
        assert response.approved
        assert sim.of_type("0200")[0]["mac_ok"] == "1"

        ecb = make_client(sim, tmk_file, tmp_path / "ecb")
        term = plain_terminal("credit", 500)
        assert term.generate_ac(ARQC) == ARQC
        with pytest.raises(HostError) as caught:
            ecb.authorize(term.request())
        assert caught.value.code == "host.bad_mac"
        assert sim.of_type("0200")[1]["mac_ok"] == "0"
    finally:
        sim.close()


def test_approval_for_another_merchant_is_no_answer(tmk_file: Path, tmp_path: Path) -> None:
    """An approval whose 42 is not this terminal's merchant is not this request's answer."""
    from kiosk.payment.host.keys import load_tmk

    class OtherMerchant(HostSimulator):
        def _authorize(self, fields: dict[str, str]) -> dict[str, str]:
            return super()._authorize(fields) | {"42": "898999999999999"}

    sim = OtherMerchant(tmk=load_tmk(tmk_file)).start()
    try:
        client = make_client(sim, tmk_file, tmp_path / "acq")
        term = plain_terminal()
        assert term.generate_ac(ARQC) == ARQC
        with pytest.raises(HostError) as caught:
            client.authorize(term.request())
        assert caught.value.code == "host.mismatch"
        [owed] = client.state.reversals.stans()
        assert sim.of_type("0200")[0]["11"] == f"{owed:06d}"
    finally:
        sim.close()


def test_stan_is_a_durable_six_digit_counter(tmp_path: Path) -> None:
    from kiosk.payment.host.link_state import MAX_STAN, LinkState

    state = LinkState(tmp_path)
    assert [state.next_stan() for _ in range(3)] == [1, 2, 3]
    assert LinkState(tmp_path).next_stan() == 4
    (tmp_path / "stan").write_text(f"{MAX_STAN:06d}")
    assert LinkState(tmp_path).next_stan() == 1


def test_stored_reversal_keeps_no_clear_pan(
    client: AcquirerClient, host_sim: HostSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    term = plain_terminal()
    host_sim.set_fault(Fault.DROP, times=1)
    assert term.generate_ac(ARQC) == ARQC
    with pytest.raises(HostError):
        client.authorize(term.request())
    files = list(client.state.directory.rglob("*"))
    assert files and all(term.pan.encode() not in f.read_bytes() for f in files if f.is_file())
    assert term.pan not in caplog.text


def test_messages_carry_the_links_own_terminal_id(
    client: AcquirerClient, host_sim: HostSimulator
) -> None:
    """The 0200 names the terminal the working keys were issued to, whatever the request
    says (a request naming another id was answered A0 without a MAC)."""
    term = plain_terminal()
    assert term.generate_ac(ARQC) == ARQC
    response = client.authorize(replace(term.request(), terminal_id="OTHER001"))
    assert response.response_code == "00"
    assert host_sim.of_type("0200")[0]["41"] == "TEST0001"


def _offline_request(amount: int) -> AuthorizationRequest:
    """An EC TC the card gave offline (first GENERATE AC asking for a TC)."""
    term = plain_terminal("debit-ec", amount, ec=True)
    assert term.generate_ac(TC) == TC
    return term.request()


def test_mixed_day_settles_balanced(client: AcquirerClient, host_sim: HostSimulator) -> None:
    """Online approval, an offline TC advised, an approval the card declined (reversed):
    the terminal's totals equal host-sim's and settlement balances first time."""
    plain_terminal().online(client, stan=1)
    offline = _offline_request(800)
    client.advise(offline)
    host_sim.issuer.fault = HostFault.BAD_ARPC
    term = plain_terminal("credit", 3_000)
    term.online(client, stan=3)
    client.reverse(term.request(3), reason="card.declined_after_approval")
    [advice] = host_sim.of_type("0320")
    assert advice["60"][:2] == "36" and "8A025931" in advice["55"]
    assert host_sim.totals() == (12_345 + 800, 2)

    batch = client.batch
    settled = client.settle(Totals(12_345 + 800, 2))
    assert settled.balanced and settled.uploaded == 0 and settled.batch == batch
    assert client.batch == batch + 1 and client.state.batch.stans() == []
    [settlement] = host_sim.of_type("0500")
    assert settlement["48"][:31] == "000000013145002" + "0" * 16


def test_settlement_mismatch_resolved_by_batch_upload(
    client: AcquirerClient, host_sim: HostSimulator
) -> None:
    plain_terminal().online(client, stan=1)
    client.advise(_offline_request(800))
    host_sim.offline.clear()  # the acquirer lost the advice
    settled = client.settle(Totals(13_145, 2))
    assert settled.balanced and settled.uploaded == 2
    results = [m["48"][30] for m in host_sim.of_type("0500")]
    assert results == ["0", "0"]  # requests carry 0; the answers said 2 then 1
    uploads = [(m["60"][:2], m["60"][8:13]) for m in host_sim.of_type("0320")]
    # the advice; then each chip record alone (60.3 205: not balanced), the online one as a
    # TC upload (60.1 00), the offline one as itself (36), both with their 60.4/60.5; the end
    assert uploads == [("36", "00050"), ("00", "20550"), ("36", "20550"), ("00", "202")]
    assert host_sim.totals() == (13_145, 2)


def test_advice_owed_while_the_host_is_down_goes_at_settlement(
    client: AcquirerClient, host_sim: HostSimulator
) -> None:
    client.sign_on()
    host_sim.set_fault(Fault.DISCONNECT, mtis=("0320",), times=1)
    client.advise(_offline_request(800))
    assert len(client.state.advices.stans()) == 1
    assert client.settle(Totals(800, 1)).balanced
    assert client.state.advices.stans() == []
