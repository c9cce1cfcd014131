"""The purchase paid by the card simulator through the reader path the app uses.

The provider is the real one (``provider_from_settings``: the kernel on a ``SimReader``
with a simulated PBOC card); the demo's card panel takes the card out and puts it in.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt
from sqlalchemy import select

from kiosk.checkout.card_provider import provider_from_settings
from kiosk.journal.models import Payment, PaymentState
from kiosk.payment.cardsim.profiles import load_card
from tests.checkout.conftest import kiosk_settings
from tests.ui.test_ticket_flow import buy_two_adults


def _kiosk(make_kiosk, tmp_path, profile: str):
    base = kiosk_settings(tmp_path)
    settings = dataclasses.replace(
        base, payment=dataclasses.replace(base.payment, reader=f"sim:{profile}", card_timeout_s=20)
    )
    provider = provider_from_settings(settings)
    return make_kiosk(provider=provider, settings=settings, sim_reader=provider.reader)


def test_pay_by_inserting_the_simulated_card(make_kiosk, qtbot, tmp_path) -> None:
    """Card out, order paid by inserting it from the panel: the co-brand discount (the
    simulator's BIN) taken off before the card approves, EC offline, balance left shown,
    discount and masked PAN on the receipt."""
    kiosk = _kiosk(make_kiosk, tmp_path, "debit-ec")
    panel = kiosk.window.demo_panels.card
    qtbot.mouseClick(panel.remove, Qt.MouseButton.LeftButton)
    buy_two_adults(kiosk, qtbot)
    kiosk.wait_for(qtbot, "payment")
    assert kiosk.flow.payment.title.text() == "请挥卡或插卡"
    qtbot.mouseClick(panel.insert, Qt.MouseButton.LeftButton)
    kiosk.wait_for(qtbot, "result", timeout=20_000)
    assert kiosk.flow.result.kind == "success", kiosk.text("headline")
    details = kiosk.text("details")
    assert "已付 ¥108.00" in details and "本地联名卡九折 -¥12.00" in details
    assert "卡内电子现金余额：¥392.00" in details
    with kiosk.services.store.read() as session:
        payment = session.scalars(select(Payment)).one()
    assert (payment.state, payment.path, payment.amount_fen) == (
        PaymentState.APPROVED,
        "ec_offline",
        10800,
    )
    assert (payment.ec_balance_before_fen, payment.ec_balance_after_fen) == (50000, 39200)
    assert payment.pan_masked == "621234******0019"
    assert kiosk.printer.kinds == ["receipt", "ticket", "ticket"]
    receipt = kiosk.printer.jobs[0]
    assert b"621234******0019" in receipt
    assert "优惠".encode("gb18030") in receipt  # the discount line: subtotal, -12.00, total
    assert all(fen in receipt for fen in (b"120.00", b"12.00", b"108.00"))


def test_low_ec_balance_shows_the_balance(make_kiosk, qtbot, tmp_path) -> None:
    """A card with ¥1.00 of e-cash: declined, nothing printed, the balance on screen."""
    kiosk = _kiosk(make_kiosk, tmp_path, "broken-ec-low-balance")
    buy_two_adults(kiosk, qtbot)
    kiosk.wait_for(qtbot, "result", timeout=20_000)
    assert kiosk.flow.result.kind == "failure"
    assert kiosk.text("headline") == "电子现金余额不足：卡内仅剩 ¥1.00"
    assert kiosk.printer.kinds == []


def test_card_pulled_early(make_kiosk, qtbot, tmp_path) -> None:
    """The card leaves after two commands: nothing charged, "taken away too early"."""
    kiosk = _kiosk(make_kiosk, tmp_path, "debit-ec")
    reader = kiosk.services.sim_reader
    reader.insert(load_card("debit-ec", state_dir=tmp_path / "cards"), remove_after=2)
    buy_two_adults(kiosk, qtbot)
    kiosk.wait_for(qtbot, "result", timeout=20_000)
    assert kiosk.text("headline") == "卡片拿开得太早了"
    with kiosk.services.store.read() as session:
        assert session.scalars(select(Payment.state)).all() == [PaymentState.ABORTED]
