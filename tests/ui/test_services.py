"""The one factory: what ``kiosk run`` and ``kiosk demo`` wire from the settings."""

from __future__ import annotations

import sys
import types

from kiosk.checkout.documents import JournalPrinter
from kiosk.payment.cardsim.profiles import load_card
from kiosk.payment.reader_sim import SimReader
from kiosk.printing.printer import PreviewPrinter
from kiosk.ui.services import build_services
from tests.ui.kiosk_setup import kiosk_settings

MODULE = "kiosk.checkout.card_provider"


def test_demo_defaults_without_card_provider(tmp_path, monkeypatch) -> None:
    """Demo settings: preview printer, a simulated reader for the panel, and no provider
    while the card adapter is absent (the payment screen then says so)."""
    monkeypatch.setitem(sys.modules, MODULE, None)  # as if the module did not exist
    services = build_services(kiosk_settings(tmp_path))
    try:
        assert services.provider is None and not services.can_pay
        assert isinstance(services.printer, JournalPrinter)
        assert isinstance(services.printer.service, PreviewPrinter)
        assert isinstance(services.sim_reader, SimReader)
        assert services.health() == ()
    finally:
        services.dispose()


def test_card_panel_gets_the_providers_reader(tmp_path, monkeypatch) -> None:
    """With a card provider, the demo's card panel drives the very reader it waits on."""
    reader = SimReader(load_card("debit-ec"))
    provider = types.SimpleNamespace(reader=reader, pay=None)
    module = types.ModuleType(MODULE)
    module.provider_from_settings = lambda settings: provider
    monkeypatch.setitem(sys.modules, MODULE, module)
    services = build_services(kiosk_settings(tmp_path))
    try:
        assert services.provider is provider and services.sim_reader is reader
    finally:
        services.dispose()
