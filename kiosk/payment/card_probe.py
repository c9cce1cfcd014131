"""An installer's test read: is a card seen, and which UnionPay applications does it offer?

No transaction: the card is powered, its ATR taken, the payment directory read — the PPSE
(``2PAY.SYS.DDF01``) for a card in the field, the PSE (``1PAY.SYS.DDF01``) and its
directory file for a contact card (EMV 4.3 Book 1 §12.3.2), the list of UnionPay AIDs when
the card has no directory (§12.3.3) — and the card powered off. Neither GET PROCESSING
OPTIONS nor any record with card data is read, so there is no PAN to mask: what comes back
(ATR, AIDs, labels) is what any reader shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.payment.cardlog import DEFAULT_AIDS, CardLogError, select_by_aid
from kiosk.payment.errors import CardError
from kiosk.payment.kernel.selection import PPSE, PSE
from kiosk.payment.procedures import (
    CardChannel,
    DirectoryEntry,
    decode_template,
    directory_entries,
    read_directory,
)
from kiosk.payment.reader import Interface, Reader
from kiosk.payment.tags import Tag

__all__ = ["CardApplication", "CardProbe", "probe_card"]


@dataclass(frozen=True)
class CardApplication:
    aid: str  # hex, upper case
    label: str


@dataclass(frozen=True)
class CardProbe:
    """What the test read saw."""

    reader: str
    atr: str  # hex, upper case
    interface: Interface
    #: Where the applications were found: ``PPSE``, ``PSE`` or ``AID list``.
    source: str
    applications: tuple[CardApplication, ...]

    def describe(self) -> str:
        """One line for people: the card's ATR and its applications."""
        apps = ", ".join(f"{a.aid} {a.label}".strip() for a in self.applications) or "none"
        return (
            f"{self.reader}: {self.interface.value} card, ATR {self.atr}; "
            f"applications ({self.source}): {apps}"
        )


def _directory(channel: CardChannel, interface: Interface) -> list[DirectoryEntry] | None:
    """The PPSE's or PSE's entries; None when the card has no usable directory."""
    name = PPSE if interface is Interface.CONTACTLESS else PSE
    response = channel.select(name)
    if not response.ok:
        return None
    try:
        fci = decode_template(response.data, Tag.FCI_TEMPLATE, "FCI")
        if name == PPSE:
            return directory_entries(fci)
        sfi = fci.first(Tag.SFI_OF_DIRECTORY)
        if sfi is None or len(sfi) != 1:
            return None
        return read_directory(channel, sfi[0])
    except CardError:
        return None


def _by_aid(reader: Reader) -> list[CardApplication]:
    found = []
    for aid in DEFAULT_AIDS:
        try:
            app = select_by_aid(reader, (aid,))
        except CardLogError:
            continue
        found.append(CardApplication(app.aid, app.label))
    return found


def probe_card(reader: Reader, *, timeout: float) -> CardProbe:
    """Wait up to ``timeout`` seconds for a card and read its directory, then power it off.

    Raises ``CardTimeoutError`` when no card comes, the reader's errors as they are.
    """
    presence = reader.wait_for_card(timeout)
    try:
        entries = _directory(CardChannel(reader), presence.interface)
        if entries:
            source = "PPSE" if presence.interface is Interface.CONTACTLESS else "PSE"
            apps = [CardApplication(e.aid.hex().upper(), e.label) for e in entries]
        else:
            source, apps = "AID list", _by_aid(reader)
    finally:
        reader.disconnect()
    return CardProbe(
        presence.reader, presence.atr.hex().upper(), presence.interface, source, tuple(apps)
    )
