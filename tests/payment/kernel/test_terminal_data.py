"""Terminal data as the card sees it: 9C coded as the two-digit code, and 9F33 / 9F35 / 9F40
that claim only what this terminal can do, for its mode (EMV Book 4 Annex A1-A3)."""

from __future__ import annotations

import hashlib

import pytest

from kiosk.payment.cardlog import parse_log_record
from kiosk.payment.kernel import TerminalConfig
from kiosk.payment.kernel.context import Tvr
from kiosk.payment.kernel.data import dol_data, terminal_values
from kiosk.payment.kernel.types import OnlinePolicy
from kiosk.payment.tags import Tag
from tests.payment.kernel.test_phases import make_ctx


@pytest.mark.parametrize(
    ("kind", "coded"),
    [(0x00, "00"), (0x20, "20"), (0x31, "31"), (0x63, "63")],
    ids=["purchase", "refund", "inquiry", "ec-cash-load"],
)
def test_transaction_type_is_the_code_itself(kind: int, coded: str) -> None:
    """9C is n2: refund 0x20 is sent as 20 (it was 32), EC cash load 0x63 as 63."""
    ctx = make_ctx({}, transaction_type=kind)
    assert terminal_values(ctx)[Tag.TRANSACTION_TYPE].hex() == coded


@pytest.mark.parametrize(
    ("attended", "host", "policy", "expected"),
    [
        # 9F33 / 9F40 / 9F35
        (False, True, OnlinePolicy.AUTO, "2008C0/6000205001/25"),
        (False, False, OnlinePolicy.AUTO, "2008C0/6000205001/26"),
        (False, True, OnlinePolicy.ALWAYS, "2008C0/6000205001/24"),
        (True, True, OnlinePolicy.AUTO, "2028C0/6000F07001/22"),
        (True, False, OnlinePolicy.AUTO, "2028C0/6000F07001/23"),
        (True, True, OnlinePolicy.ALWAYS, "2028C0/6000F07001/21"),
    ],
    ids=[
        "kiosk", "kiosk-offline-only", "kiosk-online-only",
        "counter", "counter-offline-only", "counter-online-only",
    ],
)  # fmt: skip
def test_capabilities_by_mode(
    attended: bool, host: bool, policy: OnlinePolicy, expected: str
) -> None:
    """No manual key entry, no magnetic stripe, no cash or cashback, no attendant output
    on a kiosk; a cashier adds signature, a keyboard and a display; 9F35 says attended or
    not and whether the terminal can go online."""
    ctx = make_ctx({}, config=TerminalConfig(attended=attended, online=policy))
    ctx.host_configured = host
    values = terminal_values(ctx)
    tags = (Tag.TERMINAL_CAPABILITIES, Tag.ADDITIONAL_TERMINAL_CAPABILITIES, Tag.TERMINAL_TYPE)
    assert "/".join(values[t].hex().upper() for t in tags) == expected


def test_refund_type_reads_back_from_a_card_log_record() -> None:
    """A card log record (9F4F format) with 9C = 20 reads back as refund (0x20)."""
    entry = parse_log_record(bytes.fromhex("9C019F0206"), bytes.fromhex("20000000001000"), 1)
    assert (entry.transaction_type, entry.amount_fen) == (0x20, 1000)


def test_tc_hash_from_the_cards_tdol() -> None:
    """A CDOL asking for 98 gets SHA-1 over the data the card's TDOL (97) lists, not
    zeros; the TVR stays clean."""
    ctx = make_ctx({0x97: "9F02069A03"})
    data = dol_data(ctx, bytes.fromhex("98149F0206"))
    expected = hashlib.sha1(bytes.fromhex("000000001000") + bytes.fromhex("261127")).digest()
    assert data == expected + bytes.fromhex("000000001000")
    assert Tvr.DEFAULT_TDOL_USED not in ctx.terminal.tvr


def test_tc_hash_from_the_default_tdol_sets_the_tvr_bit() -> None:
    """No 97 on the card: the terminal's default TDOL, and TVR 'default TDOL used'."""
    ctx = make_ctx({}, config=TerminalConfig(default_tdol="9F0206"))
    data = dol_data(ctx, bytes.fromhex("9814"))
    assert data == hashlib.sha1(bytes.fromhex("000000001000")).digest()
    assert Tvr.DEFAULT_TDOL_USED in ctx.terminal.tvr
    assert dol_data(make_ctx({}), bytes.fromhex("9F0206")) == bytes.fromhex("000000001000")
