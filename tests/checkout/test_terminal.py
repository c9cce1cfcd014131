"""The one factory: what ``kiosk run`` and ``kiosk demo`` wire from the settings."""

from __future__ import annotations

from kiosk.checkout.card_provider import CardPaymentProvider
from kiosk.checkout.documents import JournalPrinter
from kiosk.checkout.terminal import build_services
from kiosk.printing.printer import PreviewPrinter
from tests.checkout.conftest import gate_settings, kiosk_settings


def test_demo_defaults(tmp_path) -> None:
    """Demo settings: preview printer, the card provider on a simulated reader, ready."""
    services = build_services(kiosk_settings(tmp_path))
    try:
        assert isinstance(services.printer, JournalPrinter)
        assert isinstance(services.printer.service, PreviewPrinter)
        assert services.health() == ()
    finally:
        services.dispose()


def test_a_gate_takes_no_payments(tmp_path) -> None:
    """A gate terminal gets no payment provider and no card panel."""
    services = build_services(gate_settings(tmp_path))
    try:
        assert services.provider is None and not services.can_pay
        assert services.sim_reader is None
    finally:
        services.dispose()


def test_card_panel_gets_the_providers_reader(tmp_path) -> None:
    """With the card provider, the demo's card panel drives the very reader it waits on."""
    services = build_services(kiosk_settings(tmp_path))
    try:
        assert isinstance(services.provider, CardPaymentProvider) and services.can_pay
        assert services.sim_reader is services.provider.reader
        assert services.sim_reader.card_present()  # the profile's card starts in the reader
    finally:
        services.dispose()
