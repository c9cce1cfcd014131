"""The checkout adapter around the card kernel: waiting, cancelling, host tracking, mapping.

Sales run through the real ``Checkout`` on real SQLite with the in-process reader. The
parts that need the kernel's decisions are in ``test_card_sales.py``.
"""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import pytest

from kiosk.checkout import Checkout
from kiosk.checkout.card_provider import (
    CardPaymentProvider,
    TrackedHost,
    outcome_from_result,
    provider_from_settings,
)
from kiosk.checkout.provider import PaymentVerdict
from kiosk.config import Mode, OnlinePolicy, Settings, load_settings
from kiosk.errors import ConfigError
from kiosk.journal.models import PaymentState
from kiosk.journal.store import JournalStore
from kiosk.payment.capk import CaKeyStore
from kiosk.payment.cardsim.profiles import load_card
from kiosk.payment.errors import HostError
from kiosk.payment.host.issuer_sim import HostFault, IssuerSimulator
from kiosk.payment.kernel.types import OdaResult, TerminalConfig, TransactionResult
from kiosk.payment.kernel.types import Outcome as K
from kiosk.payment.reader import Interface
from kiosk.payment.reader.sim import SimReader
from kiosk.payment.settings import terminal_config
from kiosk.sales.order import LineItem, OrderDraft
from tests.payment.host.plain_terminal import ARQC, PlainTerminal

DRAFT = OrderDraft(Mode.MARKET, (LineItem("VEG", "青菜", 1, 350),))


def _never_run(*args, **kwargs) -> TransactionResult:
    raise AssertionError("the kernel must not run without a card")


def _provider(reader: SimReader, **kwargs) -> CardPaymentProvider:
    return CardPaymentProvider(
        reader, TerminalConfig(), capk=CaKeyStore([]), run=_never_run, **kwargs
    )


def test_no_card_in_time_is_aborted(store: JournalStore) -> None:
    """No card within the timeout: aborted ``reader.timeout``, the card never committed."""
    checkout = Checkout(store, _provider(SimReader(), card_timeout_s=0.3), None, unattended=False)
    result = checkout.pay(DRAFT, actor="cashier")
    assert (result.state, result.reason) == (PaymentState.ABORTED, "reader.timeout")
    assert "payment.card_commit" not in [e.event for e in store.entries()]


def test_customer_cancels_while_waiting(store: JournalStore) -> None:
    """``cancelled`` turning true ends the wait: aborted ``payment.cancelled``."""
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 2

    provider = _provider(SimReader(), card_timeout_s=30, poll_s=0.05)
    result = Checkout(store, provider, None, unattended=False).pay(
        DRAFT, actor="kiosk", cancelled=cancelled
    )
    assert (result.state, result.reason) == (PaymentState.ABORTED, "payment.cancelled")


def test_reader_cancel_from_another_thread(store: JournalStore) -> None:
    """``Reader.cancel`` from the UI thread ends a long wait at once."""
    reader = SimReader()
    provider = _provider(reader, card_timeout_s=30, poll_s=30)
    timer = threading.Timer(0.2, reader.cancel)
    timer.start()
    result = Checkout(store, provider, None, unattended=False).pay(DRAFT, actor="kiosk")
    timer.join()
    assert (result.state, result.reason) == (PaymentState.ABORTED, "payment.cancelled")


RESULT = TransactionResult(
    outcome=K.APPROVED_OFFLINE,
    interface=Interface.CONTACT,
    aid="A000000333010101",
    app_label="UnionPay Debit",
    pan_masked="621234******0019",
    pan_token="ab" * 32,
    amount_fen=350,
    cid="40",
    cryptogram="0102030405060708",
    atc=3,
    tvr="0000000000",
    tsi="E800",
    oda=OdaResult("dda", "passed"),
    response_code="Y1",
    electronic_cash=True,
    ec_balance_before_fen=50_000,
    ec_balance_after_fen=49_650,
    data={"9F26": "0102030405060708", "9F36": "0003"},
    apdu_count=12,
    committed=True,
)


@pytest.mark.parametrize(
    ("changes", "outcome", "reason", "path"),
    [
        ({}, PaymentVerdict.APPROVED, "", "ec_offline"),
        ({"electronic_cash": False}, PaymentVerdict.APPROVED, "", "offline"),
        ({"interface": Interface.CONTACTLESS}, PaymentVerdict.APPROVED, "", "qpboc_offline"),
        (
            {"outcome": K.APPROVED_ONLINE, "response_code": "00"},
            PaymentVerdict.APPROVED,
            "",
            "online",
        ),
        ({"outcome": K.DECLINED}, PaymentVerdict.DECLINED, "card.declined", ""),
        (
            {"outcome": K.DECLINED, "reason": "card.ec_balance_low"},
            PaymentVerdict.DECLINED,
            "card.ec_balance_low",
            "",
        ),
        ({"outcome": K.ONLINE_REQUEST}, PaymentVerdict.DECLINED, "host.unavailable", ""),
        ({"outcome": K.TRY_AGAIN}, PaymentVerdict.ABORTED, "card.try_again", ""),
        (
            {"outcome": K.USE_OTHER_INTERFACE},
            PaymentVerdict.ABORTED,
            "card.use_other_interface",
            "",
        ),
        ({"outcome": K.END_APPLICATION}, PaymentVerdict.ABORTED, "card.end_application", ""),
    ],
    ids=[
        "ec-offline",
        "offline",
        "qpboc",
        "online",
        "declined",
        "declined-reason",
        "online-request",
        "try-again",
        "other-interface",
        "end-application",
    ],
)
def test_result_mapping(changes: dict, outcome: PaymentVerdict, reason: str, path: str) -> None:
    """Each kernel outcome maps to checkout's outcome, reason and path; card data is kept."""
    mapped = outcome_from_result(dataclasses.replace(RESULT, **changes))
    assert (mapped.outcome, mapped.reason, mapped.path) == (outcome, reason, path)
    assert mapped.card_data["9F26"] == "0102030405060708"
    assert mapped.card_data["oda"] == {"method": "dda", "result": "passed"}
    assert (mapped.pan_masked, mapped.atc, mapped.ec_balance_after_fen) == (
        "621234******0019",
        3,
        49_650,
    )


def _arqc_request():
    reader = SimReader(load_card("debit-ec"))
    reader.wait_for_card(0)
    term = PlainTerminal(reader, 350, ec=False)
    term.start()
    term.generate_ac(ARQC)
    return term.request()


def test_tracked_host_goes_down_and_comes_back() -> None:
    """A HostError marks the host down for retry_s; after that it is tried again."""
    now = [100.0]
    issuer = IssuerSimulator()
    tracked = TrackedHost(issuer, retry_s=30, clock=lambda: now[0])
    issuer.fault = HostFault.UNREACHABLE
    request = _arqc_request()
    with pytest.raises(HostError):
        tracked.authorize(request)
    assert not tracked.up and tracked.last_error == "host.unreachable"
    now[0] += 29
    assert not tracked.up
    now[0] += 1
    issuer.fault = HostFault.NONE
    assert tracked.up and tracked.authorize(request).approved
    assert tracked.last_error == ""


def test_kernel_told_host_unreachable_while_down(store: JournalStore) -> None:
    """While the host is down the kernel hears it is unreachable (so EC offline is used)."""
    seen = []

    def run(reader, card, params, config, *, capk, host=None, hooks=None):
        seen.append((host, params.host_reachable))
        return dataclasses.replace(RESULT, amount_fen=params.amount_fen)

    now = [0.0]
    provider = CardPaymentProvider(
        SimReader(load_card("debit-ec")),
        TerminalConfig(),
        capk=CaKeyStore([]),
        host=IssuerSimulator(),
        clock=lambda: now[0],
        run=run,
    )
    checkout = Checkout(store, provider, None, unattended=False)
    checkout.pay(DRAFT, actor="kiosk")
    assert provider.host is not None
    provider.host.down_until = 60.0
    checkout.pay(DRAFT, actor="kiosk")
    assert seen == [(provider.host, True), (provider.host, False)]


def test_terminal_config_from_settings(tmp_path: Path) -> None:
    """payment.* and terminal.* settings reach the kernel's TerminalConfig."""
    config = tmp_path / "kiosk.toml"
    config.write_text(
        '[terminal]\nid = "KIOSK042"\nunattended = false\n'
        "[payment]\n"
        'online = "never"\nec_terminal_limit_fen = 20000\nfloor_limit_fen = 0\n'
    )
    tc = terminal_config(dataclasses.replace(load_settings(config), data_dir=tmp_path))
    assert (tc.terminal_id, tc.online, tc.attended) == ("KIOSK042", OnlinePolicy.NEVER, True)
    assert (tc.ec_terminal_limit_fen, tc.floor_limit_fen) == (20_000, 0)


def test_provider_from_settings_sim_reader_keeps_card_state(tmp_path: Path) -> None:
    """sim:PROFILE gives an in-process reader whose card keeps state under <data_dir>/cards."""
    settings = dataclasses.replace(Settings(), data_dir=tmp_path)
    provider = provider_from_settings(settings)
    assert isinstance(provider.reader, SimReader) and provider.host is None
    provider.reader.wait_for_card(0)
    term = PlainTerminal(provider.reader, 100)
    term.start()
    assert (tmp_path / "cards" / "debit-ec.json").is_file()


@pytest.mark.parametrize(
    ("host", "ok"), [("", True), ("sim", True), ("10.0.0.1:5000", False)], ids=str
)
def test_host_setting(tmp_path: Path, host: str, ok: bool) -> None:
    """payment.host: none, the issuer simulator, or a clear ConfigError for an acquirer."""
    settings = dataclasses.replace(
        Settings(),
        data_dir=tmp_path,
        payment=dataclasses.replace(Settings().payment, host=host),
    )
    if ok:
        provider = provider_from_settings(settings)
        assert (provider.host is None) == (host == "")
    else:
        with pytest.raises(ConfigError) as info:
            provider_from_settings(settings)
        assert info.value.code == "config.host_unsupported"


@pytest.mark.parametrize(
    ("host", "tmk", "code"),
    [
        ("iso8583://127.0.0.1:5000", True, ""),
        ("iso8583://127.0.0.1:5000", False, "config.tmk"),
        ("iso8583://127.0.0.1", True, "config.host_unsupported"),
    ],
    ids=str,
)
def test_acquirer_host_setting(tmp_path: Path, host: str, tmk: bool, code: str) -> None:
    """iso8583://HOST:PORT selects the acquirer client; its TMK file must be there."""
    from kiosk.payment.host.acquirer import AcquirerClient
    from kiosk.payment.host.keys import write_tmk

    (tmp_path / "acquirer").mkdir()
    if tmk:
        write_tmk(tmp_path / "acquirer" / "tmk")
    settings = dataclasses.replace(
        Settings(), data_dir=tmp_path, payment=dataclasses.replace(Settings().payment, host=host)
    )
    if not code:
        provider = provider_from_settings(settings)
        assert provider.host is not None and isinstance(provider.host.host, AcquirerClient)
        assert provider.host.host.address == ("127.0.0.1", 5000)
        assert provider.host.host.mac_scheme == "ecb"
        payment = dataclasses.replace(settings.payment, host_mac="x9.19")
        x919 = provider_from_settings(dataclasses.replace(settings, payment=payment))
        assert isinstance(x919.host, TrackedHost) and x919.host.host.mac_scheme == "x9.19"
    else:
        with pytest.raises(ConfigError) as info:
            provider_from_settings(settings)
        assert info.value.code == code
