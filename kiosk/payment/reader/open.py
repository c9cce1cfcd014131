"""Open the reader a setting or a command line names: ``sim:PROFILE``, ``pcsc`` or ``pcsc:NAME``.

One place for the mapping that ``payment.reader`` (settings), ``kiosk balance`` and the
checkout adapter share. A simulated card keeps its state (balance, ATC, log) in
``state_dir`` when one is given, so that it remembers what the kiosk did to it. Raises
ConfigError ``config.reader`` for a spec that names neither, and the simulator's
ConfigError for an unknown profile. pyscard is imported only for ``pcsc``.
"""

from __future__ import annotations

from pathlib import Path

from kiosk.errors import ConfigError
from kiosk.payment.reader import Interface, Reader

__all__ = ["open_reader"]


def open_reader(
    spec: str, *, state_dir: Path | None = None, interface: Interface | None = None
) -> Reader:
    """The reader for ``spec``; a simulated card is already inserted. ``interface`` overrides
    the one the card (simulator profile) or the reader (PC/SC name, ATR) suggests."""
    kind, _, name = spec.partition(":")
    if kind == "sim" and name:
        from kiosk.payment.cardsim.card import PbocCard
        from kiosk.payment.cardsim.profiles import load_card
        from kiosk.payment.reader.sim import SimReader

        card = load_card(name, state_dir=state_dir)
        if interface is None:
            contactless = isinstance(card, PbocCard) and not card.profile.contact
            interface = Interface.CONTACTLESS if contactless else Interface.CONTACT
        return SimReader(card, interface=interface, name=f"Simulated {name}")
    if kind == "pcsc":
        from kiosk.payment.reader.pcsc import PcscReader

        return PcscReader(name or None, interface=interface)
    raise ConfigError(
        f"reader {spec!r} is neither sim:PROFILE nor pcsc[:NAME]", code="config.reader"
    )
