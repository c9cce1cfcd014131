"""Reading the card's EC balance, transaction log, load log and identity from the simulator.

Purchases are made first with plain APDUs (offline EC and online through the issuer
simulator), then the log read back must describe exactly those purchases.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.payment.cardlog import (
    CardLogError,
    EcBalance,
    parse_load_record,
    parse_log_record,
    read_card_identity,
    read_card_log,
    select_by_aid,
)
from kiosk.payment.cardsim.base import VirtualCard
from kiosk.payment.cardsim.profiles import load_card
from kiosk.payment.errors import CardError
from kiosk.payment.host.issuer_sim import IssuerSimulator
from kiosk.payment.kernel.pan import mask_pan, pan_token
from kiosk.payment.reader import Interface
from kiosk.payment.reader.sim import SimReader
from tests.payment.host.plain_terminal import TC, PlainTerminal

KEY = b"test-token-key"


def _reader(card: VirtualCard, interface: Interface = Interface.CONTACT) -> SimReader:
    reader = SimReader(card, interface=interface)
    reader.wait_for_card(0)
    return reader


def _ec_purchase(card: VirtualCard, amount: int, when: dt.datetime) -> int:
    term = PlainTerminal(_reader(card), amount, when=when)
    term.start()
    assert term.generate_ac(TC) == TC
    return term.atc


def test_ec_purchases_appear_in_log_newest_first() -> None:
    """Two offline EC purchases: balance drops by both; the log lists both, newest first."""
    card = load_card("debit-ec")
    t1, t2 = dt.datetime(2026, 11, 27, 9, 5, 1), dt.datetime(2026, 11, 27, 9, 7, 30)
    atc1, atc2 = _ec_purchase(card, 1_250, t1), _ec_purchase(card, 800, t2)
    log = read_card_log(_reader(card))
    assert log.aid == "A000000333010101" and log.label == "UnionPay Debit"
    assert log.ec == EcBalance(50_000 - 2_050, 100_000, 50_000, 1_000, "0156")
    assert [(e.amount_fen, e.when, e.atc) for e in log.entries] == [
        (800, t2, atc2),
        (1_250, t1, atc1),
    ]
    first = log.entries[0]
    assert first.currency == "0156" and first.country == "0156" and first.transaction_type == 0
    assert first.merchant_name == "测试市场" and first.record == 1
    assert log.load_entries == ()


def test_fresh_card_has_empty_log() -> None:
    """A card never used has its balance and no log entries."""
    log = read_card_log(_reader(load_card("pure-ec")))
    assert log.aid == "A000000333010106"
    assert log.ec is not None and log.ec.balance_fen == 20_000
    assert log.entries == ()


def test_credit_card_has_no_ec() -> None:
    """A card without EC data: ec is None; an online purchase is still in its log."""
    card = load_card("credit")
    term = PlainTerminal(_reader(card), 45_600, ec=False)
    term.start("A000000333010102")
    assert term.online(IssuerSimulator())[0] == TC
    log = read_card_log(_reader(card))
    assert log.ec is None
    assert [e.amount_fen for e in log.entries] == [45_600]


def test_ec_load_log_after_script() -> None:
    """An EC top-up by issuer script is read back from the load log (DF4D/DF4F)."""
    card = load_card("debit-ec")
    host = IssuerSimulator()
    term = PlainTerminal(_reader(card), 100, ec=False)
    term.start()
    host.queue_ec_load(term.pan, term.psn, 5_000)
    assert term.online(host)[0] == TC
    log = read_card_log(_reader(card))
    assert log.ec is not None and log.ec.balance_fen == 55_000
    [load] = log.load_entries
    assert (load.command, load.balance_before_fen, load.balance_after_fen) == (
        "9F79",
        50_000,
        55_000,
    )
    assert load.date == term.when.date() and load.merchant_name == "测试市场"


@pytest.mark.parametrize(
    ("profile", "interface", "aid"),
    [
        ("debit-ec", Interface.CONTACT, "A000000333010101"),
        ("qpboc-debit-ec", Interface.CONTACTLESS, "A000000333010101"),
        ("pure-ec", Interface.CONTACT, "A000000333010106"),
        ("credit", Interface.CONTACT, "A000000333010102"),
    ],
    ids=["contact", "qpboc", "pure-ec", "credit"],
)
def test_identity_matches_token_and_charges_nothing(
    profile: str, interface: Interface, aid: str
) -> None:
    """The card's PAN comes back masked and as the keyed token; balance and log unchanged."""
    card = load_card(profile)
    reader = _reader(card, interface)
    app = select_by_aid(reader)
    assert app.aid == aid
    before = read_card_log(reader)
    app = select_by_aid(reader)
    ident = read_card_identity(
        reader, app, interface, token_key=KEY, when=dt.datetime(2026, 11, 27)
    )
    pan = card.image.profile.pan  # type: ignore[attr-defined]
    assert ident.pan_masked == mask_pan(pan) and pan not in ident.pan_masked
    assert ident.pan_token == pan_token(KEY, card.image.data)  # type: ignore[attr-defined]
    after = read_card_log(_reader(card, interface))
    assert (after.ec, after.entries) == (before.ec, before.entries)


def test_no_application_is_typed() -> None:
    """A card with none of the terminal's AIDs: CardLogError card.log.no_application."""
    with pytest.raises(CardLogError) as info:
        select_by_aid(_reader(load_card("debit-ec")), ["A0000000031010"])
    assert info.value.code == "card.log.no_application"


FORMAT = bytes.fromhex("9A039F21039F02069F03069F1A025F2A029F4E149C019F3602")


@pytest.mark.parametrize(
    ("record", "code"),
    [
        (bytes(10), "card.log.bad_record"),
        (bytes.fromhex("9A"), "card.log.bad_record"),
    ],
    ids=["short", "one-byte"],
)
def test_bad_records_are_typed(record: bytes, code: str) -> None:
    """A record shorter than its format is CardLogError, not an IndexError."""
    with pytest.raises(CardLogError) as info:
        parse_log_record(FORMAT, record, 1)
    assert info.value.code == code
    with pytest.raises(CardLogError):
        parse_load_record(bytes.fromhex("9A03"), record[:5], 1)


def test_garbage_fields_become_none() -> None:
    """Non-BCD amount, impossible date and time are None rather than wrong numbers."""
    record = (
        bytes.fromhex("261399256161AAAAAAAAAAAA" + "00" * 6 + "01560156")
        + bytes(20)
        + b"\x00\x00\x07"
    )
    entry = parse_log_record(FORMAT, record + b"\xff\xff", 3)
    assert (entry.date, entry.time, entry.amount_fen, entry.atc) == (None, None, None, 7)
    assert entry.when is None


def test_bad_format_is_typed() -> None:
    """A format DOL that is itself malformed is CardLogError."""
    with pytest.raises(CardLogError):
        parse_log_record(bytes.fromhex("9F"), b"\x00", 1)


@given(fmt=st.binary(max_size=24), record=st.binary(max_size=64))
def test_any_bytes_parse_or_typed_error(fmt: bytes, record: bytes) -> None:
    """Whatever a card returns as format and record: a LogEntry or a CardLogError, no crash."""
    for parse in (parse_log_record, parse_load_record):
        try:
            entry = parse(fmt, record, 1)
        except CardLogError:
            continue
        assert entry.record == 1


class _Mutating:
    """The real card, with its ``which``-th answer truncated, bit-flipped or re-statused."""

    def __init__(self, card: VirtualCard, which: int, how: str, at: int) -> None:
        self.card, self.which, self.how, self.at, self.seen = card, which, how, at, 0

    def power_on(self) -> bytes:
        return self.card.power_on()

    def power_off(self) -> None:
        self.card.power_off()

    def process(self, apdu: bytes) -> bytes:
        answer = self.card.process(apdu)
        self.seen += 1
        if self.seen != self.which:
            return answer
        if self.how == "truncate":
            return answer[: self.at % (len(answer) + 1)]
        if self.how == "flip":
            i = self.at % len(answer)
            return answer[:i] + bytes([answer[i] ^ 0x5A]) + answer[i + 1 :]
        return answer[:-2] + bytes.fromhex("6A88")


@pytest.fixture(scope="module")
def used_card_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    state = tmp_path_factory.mktemp("card")
    for n in range(3):
        _ec_purchase(
            load_card("debit-ec", state_dir=state), 100 + n, dt.datetime(2026, 11, 27, 9, n)
        )
    return state


@given(
    which=st.integers(1, 24),
    how=st.sampled_from(["truncate", "flip", "status"]),
    at=st.integers(0, 400),
)
def test_mutated_answers_give_typed_errors(
    used_card_state: Path, which: int, how: str, at: int
) -> None:
    """Any one card answer broken: reading the log and identity ends in a CardError or a
    result, never another exception."""
    card = _Mutating(load_card("debit-ec", state_dir=used_card_state), which, how, at)
    reader = _reader(card)  # type: ignore[arg-type]
    try:
        log = read_card_log(reader)
        app = select_by_aid(reader, [log.aid])
        read_card_identity(
            reader, app, Interface.CONTACT, token_key=KEY, when=dt.datetime(2026, 11, 27)
        )
    except CardError:
        pass
