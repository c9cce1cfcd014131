"""The in-process reader: waiting, insertion, removal after N APDUs, power handling, interface."""

from __future__ import annotations

import threading
import time

import pytest

from kiosk.errors import UsageError
from kiosk.payment.cardsim.scripted import DEFAULT_ATR, ScriptedCard
from kiosk.payment.errors import CardRemovedError, CardTimeoutError, ReaderError
from kiosk.payment.reader import Interface, guess_interface
from kiosk.payment.reader.sim import SimReader

GET_ATC = ("80CA9F3600", "9F360200069000")


def test_no_card_times_out() -> None:
    """Waiting with no card raises CardTimeoutError after the timeout, not before."""
    reader = SimReader()
    start = time.monotonic()
    with pytest.raises(CardTimeoutError) as info:
        reader.wait_for_card(0.2)
    assert time.monotonic() - start >= 0.19
    assert info.value.code == "reader.timeout"
    assert not reader.card_present()


def test_insert_wakes_a_waiting_reader() -> None:
    """A card inserted from another thread ends the wait with its ATR and the interface."""
    reader = SimReader(interface=Interface.CONTACTLESS, name="tap pad")
    card = ScriptedCard([GET_ATC])
    threading.Timer(0.1, reader.insert, args=(card,)).start()
    presence = reader.wait_for_card(5)
    assert (presence.atr, presence.interface, presence.reader) == (
        DEFAULT_ATR,
        Interface.CONTACTLESS,
        "tap pad",
    )
    assert card.powered
    assert reader.transmit(bytes.fromhex(GET_ATC[0])).data == bytes.fromhex("9F36020006")


def test_removed_after_n_apdus() -> None:
    """With remove_after=2 the first two commands are answered and the third finds no card."""
    card = ScriptedCard([GET_ATC, GET_ATC])
    reader = SimReader(card, remove_after=2)
    reader.wait_for_card(0)
    for _ in range(2):
        assert reader.transmit(bytes.fromhex(GET_ATC[0])).ok
    with pytest.raises(CardRemovedError) as info:
        reader.transmit(bytes.fromhex(GET_ATC[0]))
    assert info.value.code == "reader.card_removed"
    assert not reader.card_present()
    card.assert_done()


def test_removal_counts_wire_apdus() -> None:
    """A GET RESPONSE round counts as an APDU: removal can fall inside a chained exchange."""
    card = ScriptedCard([("80CA9F7900", "6109")])
    reader = SimReader(card, remove_after=1)
    reader.wait_for_card(0)
    with pytest.raises(CardRemovedError):
        reader.transmit(bytes.fromhex("80CA9F7900"))
    assert [e.response for e in reader.trace.entries] == ["6109", ""]


def test_disconnect_powers_off_and_transmit_needs_a_card() -> None:
    """Disconnect powers the card off; transmitting before wait_for_card is a UsageError."""
    card = ScriptedCard([])
    reader = SimReader(card)
    with pytest.raises(UsageError):
        reader.transmit(bytes.fromhex(GET_ATC[0]))
    reader.wait_for_card(0)
    reader.disconnect()
    assert not card.powered
    reader.disconnect()  # harmless twice


INTERFACES = [
    ("contact-basic-t1", "Virtual PCD 00 00", "3BE000008131FE45EB", Interface.CONTACT),
    ("contact-t0", "Gemalto PC Twin Reader 00 00", "3B6500002063CB6600", Interface.CONTACT),
    (
        "pcsc-part3-iso14443-atr",
        "Virtual PCD 00 00",
        "3B8880010000000000718100F9",
        Interface.CONTACTLESS,
    ),
    (
        "picc-reader-name",
        "ACS ACR1252 Dual Reader PICC 00 00",
        "3BE000008131FE45EB",
        Interface.CONTACTLESS,
    ),
    ("cl-reader-name", "Identiv uTrust 3700 F CL Reader 00 00", "", Interface.CONTACTLESS),
    ("contactless-name", "HID OMNIKEY 5427 CK Contactless 01 00", "", Interface.CONTACTLESS),
    (
        "sam-slot-not-contactless",
        "ACS ACR1252 Dual Reader SAM 00 01",
        "3B021450",
        Interface.CONTACT,
    ),
]


@pytest.mark.parametrize(
    ("name", "atr", "expected"), [i[1:] for i in INTERFACES], ids=[i[0] for i in INTERFACES]
)
def test_guess_interface(name: str, atr: str, expected: Interface) -> None:
    """Contactless is recognised from the reader name or the PC/SC Part 3 contactless ATR."""
    assert guess_interface(name, bytes.fromhex(atr)) is expected


def test_cancel_ends_the_wait() -> None:
    """cancel() from another thread ends a long wait with ReaderError reader.cancelled, once."""
    reader = SimReader()
    threading.Timer(0.1, reader.cancel).start()
    start = time.monotonic()
    with pytest.raises(ReaderError) as info:
        reader.wait_for_card(10)
    assert info.value.code == "reader.cancelled"
    assert time.monotonic() - start < 5
    with pytest.raises(CardTimeoutError):  # the cancel was used up
        reader.wait_for_card(0.05)
