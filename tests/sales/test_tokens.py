"""Signed ticket tokens: valid ones pass once; forged, altered, expired, replayed ones do not."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk import cli
from kiosk.errors import ConfigError
from kiosk.sales.tokens import (
    DEMO_KEY,
    FileUsedTickets,
    InMemoryUsedTickets,
    Ticket,
    TicketError,
    TicketKey,
    TokenStatus,
    admit,
    issue_token,
    load_keys,
    verify_token,
)

KEY = TicketKey(7, bytes(range(32)))
KEYS = {7: KEY.secret}
START = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
END = START + timedelta(hours=10)
TICKET = Ticket(123456, "ADULT", START, END)
TOKEN = issue_token(TICKET, KEY)
DURING = START + timedelta(hours=1)
B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
QR_ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def _raw(token: str) -> bytes:
    return base64.b32decode(token + "=" * (-len(token) % 8))


def _encode(raw: bytes) -> str:
    return base64.b32encode(raw).decode().rstrip("=")


def _recrc(body: bytes) -> str:
    """Re-seal edited bytes with a correct CRC, as a careful forger would."""
    return _encode(body + binascii.crc_hqx(body, 0).to_bytes(2, "big"))


def test_valid_token_round_trips():
    """A fresh token verifies as VALID inside its window and gives back the ticket."""
    check = verify_token(TOKEN, KEYS, now=DURING)
    assert check.status is TokenStatus.VALID and check.accepted
    assert check.ticket == TICKET and check.key_id == 7


def test_token_is_short_and_qr_alphanumeric():
    """The longest token (12-char product, 48-bit id) is at most 80 QR-alphanumeric characters."""
    longest = issue_token(Ticket(2**48 - 1, "ABCDEFGHIJKL", START, END), KEY)
    assert len(longest) <= 80
    assert set(longest) <= QR_ALPHANUMERIC


WINDOW = [
    ("before-start", START - timedelta(seconds=1), TokenStatus.NOT_YET_VALID),
    ("at-start", START, TokenStatus.VALID),
    ("last-second", END - timedelta(seconds=1), TokenStatus.VALID),
    ("at-end", END, TokenStatus.EXPIRED),
    ("next-day", END + timedelta(days=1), TokenStatus.EXPIRED),
]


@pytest.mark.parametrize(("now", "status"), [w[1:] for w in WINDOW], ids=[w[0] for w in WINDOW])
def test_validity_window(now, status):
    """The window is [valid_from, valid_until): outside it the token is refused."""
    assert verify_token(TOKEN, KEYS, now=now).status is status


def test_forged_token_signed_with_another_secret_is_forged():
    """A well-formed token under the right key id but another secret is FORGED."""
    forged = issue_token(TICKET, TicketKey(7, b"\x01" * 32))
    assert verify_token(forged, KEYS, now=DURING).status is TokenStatus.FORGED


def test_edited_fields_resealed_with_crc_are_forged():
    """Changing the validity end and fixing the CRC still fails the HMAC: FORGED."""
    body = bytearray(_raw(TOKEN)[:-2])
    body[12:16] = (int.from_bytes(body[12:16], "big") + 86400 * 365).to_bytes(4, "big")
    assert verify_token(_recrc(bytes(body)), KEYS, now=DURING).status is TokenStatus.FORGED


def test_token_from_unknown_key_is_wrong_key():
    """A token whose key id the gate does not hold is WRONG_KEY (e.g. another site's)."""
    other = issue_token(TICKET, TicketKey(9, KEY.secret))
    assert verify_token(other, KEYS, now=DURING).status is TokenStatus.WRONG_KEY
    assert (
        verify_token(issue_token(TICKET, DEMO_KEY), KEYS, now=DURING).status
        is TokenStatus.WRONG_KEY
    )


MALFORMED = [
    ("empty", ""),
    ("not-base32", "HELLO!WORLD"),
    ("too-short", TOKEN[:20]),
    ("wrong-version", _recrc(b"\x02" + _raw(TOKEN)[1:-2])),
]


@pytest.mark.parametrize("token", [m[1] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_tokens(token):
    """Text that is not a version-1 token is MALFORMED."""
    assert verify_token(token, KEYS, now=DURING).status is TokenStatus.MALFORMED


def test_signed_token_with_bad_fields_is_malformed():
    """Even correctly signed bytes with an invalid product code are not a ticket."""
    body = bytearray(_raw(TOKEN)[: -2 - 12])
    body[17] = ord("a")  # lower case is not a product code character
    body += hmac.new(KEY.secret, bytes(body), hashlib.sha256).digest()[:12]
    assert verify_token(_recrc(bytes(body)), KEYS, now=DURING).status is TokenStatus.MALFORMED


def test_unused_bits_of_the_last_character_are_checked():
    """A twin token differing only in base32's unused last bits is refused as ALTERED."""
    unused = (8 * len(_raw(TOKEN))) % 5 and 5 - (8 * len(_raw(TOKEN))) % 5
    assert unused, "this token length leaves no unused bits; pick another product code"
    last = B32.index(TOKEN[-1])
    twin = TOKEN[:-1] + B32[last ^ 1]  # flip the lowest (unused) bit
    assert _raw(twin) == _raw(TOKEN)
    assert verify_token(twin, KEYS, now=DURING).status is TokenStatus.ALTERED
    assert verify_token(TOKEN + "======", KEYS, now=DURING).status is TokenStatus.VALID


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_any_altered_character_is_refused(data):
    """Replacing any one character with another base32 character never yields a valid ticket."""
    i = data.draw(st.integers(0, len(TOKEN) - 1), label="position")
    c = data.draw(st.sampled_from([x for x in B32 if x != TOKEN[i]]), label="char")
    altered = TOKEN[:i] + c + TOKEN[i + 1 :]
    check = verify_token(altered, KEYS, now=DURING)
    assert not check.accepted
    assert check.status in (
        TokenStatus.ALTERED,
        TokenStatus.MALFORMED,
        TokenStatus.FORGED,
        TokenStatus.WRONG_KEY,
    )


@settings(max_examples=60, deadline=None)
@given(
    flips=st.lists(st.integers(0, 8 * len(_raw(TOKEN)) - 1), min_size=1, max_size=6, unique=True)
)
def test_random_bit_flips_are_refused(flips):
    """Flipping any set of bits in the token bytes never yields a valid ticket."""
    raw = bytearray(_raw(TOKEN))
    for bit in flips:
        raw[bit // 8] ^= 1 << (bit % 8)
    assert not verify_token(_encode(bytes(raw)), KEYS, now=DURING).accepted


def test_typed_token_is_read_leniently():
    """Lower case, spaces, dashes and 0/1/8 typed for O/I/B still verify."""
    typed = "-".join(TOKEN[i : i + 4] for i in range(0, len(TOKEN), 4)).lower()
    typed = typed.replace("o", "0").replace("i", "1").replace("b", "8")
    assert verify_token(typed, KEYS, now=DURING).status is TokenStatus.VALID


def test_replay_is_refused_as_used():
    """The first admission passes and marks the ticket; a second scan is USED."""
    used = InMemoryUsedTickets()
    assert admit(TOKEN, KEYS, used, now=DURING).status is TokenStatus.VALID
    again = admit(TOKEN, KEYS, used, now=DURING + timedelta(minutes=1))
    assert again.status is TokenStatus.USED and not again.accepted
    assert used.used == {123456: DURING}


def test_refused_token_is_not_marked_used():
    """An expired token does not consume the ticket."""
    used = InMemoryUsedTickets()
    assert admit(TOKEN, KEYS, used, now=END).status is TokenStatus.EXPIRED
    assert used.used == {}


def test_file_registry_survives_a_restart(tmp_path):
    """A used ticket stays used for a new registry instance over the same file."""
    path = tmp_path / "used.tsv"
    assert FileUsedTickets(path).mark_used(5, DURING)
    assert not FileUsedTickets(path).mark_used(5, DURING)
    assert FileUsedTickets(path).mark_used(55, DURING)


BAD_TICKETS = [
    ("negative-id", dict(ticket_id=-1)),
    ("id-too-big", dict(ticket_id=2**48)),
    ("lower-case-product", dict(product="adult")),
    ("long-product", dict(product="A" * 13)),
    ("empty-window", dict(valid_until=START)),
    ("naive-time", dict(valid_from=datetime(2026, 1, 1))),
]


@pytest.mark.parametrize("change", [b[1] for b in BAD_TICKETS], ids=[b[0] for b in BAD_TICKETS])
def test_bad_ticket_fields_are_refused(change):
    """Ticket fields that cannot be encoded raise TicketError (ticket.invalid)."""
    fields = dict(ticket_id=1, product="ADULT", valid_from=START, valid_until=END) | change
    with pytest.raises(TicketError) as info:
        Ticket(**fields)
    assert info.value.code == "ticket.invalid"


KEY_FILES = [
    ("no-secret", "7\n"),
    ("short-secret", "7 00112233\n"),
    ("bad-hex", "7 zz" + "00" * 16 + "\n"),
    ("id-too-big", "300 " + "00" * 16 + "\n"),
    ("only-comments", "# nothing\n"),
]


@pytest.mark.parametrize("text", [k[1] for k in KEY_FILES], ids=[k[0] for k in KEY_FILES])
def test_bad_key_file_is_a_config_error(tmp_path, text):
    """A broken key file is a ConfigError naming the problem, never a crash."""
    path = tmp_path / "keys"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_keys(path)
    assert info.value.code == "config.ticket_keys"


def test_gate_verify_command(tmp_path, capsys):
    """`kiosk gate verify` exits 0 for a valid token and 1 for used, forged and expired ones."""
    keys = tmp_path / "keys"
    keys.write_text(f"# gate keys\n7 {KEY.secret.hex()}\n")
    used = tmp_path / "used"
    at = DURING.isoformat()
    base = ["gate", "verify", "--key-file", str(keys), "--used-file", str(used), "--at", at]
    assert cli.main([*base, TOKEN]) == 0
    assert cli.main([*base, TOKEN]) == 1
    forged = issue_token(TICKET, TicketKey(7, b"\x02" * 32))
    assert cli.main([*base, forged]) == 1
    assert (
        cli.main([*base[:-1], END.isoformat(), issue_token(Ticket(9, "CHILD", START, END), KEY)])
        == 1
    )
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out] == ["valid", "used", "forged", "expired"]


def test_gate_verify_reports_a_missing_key_file(tmp_path, capsys):
    """A key file that does not exist is a one-line error with exit 2."""
    assert cli.main(["gate", "verify", "X", "--key-file", str(tmp_path / "none")]) == 2
    assert "config.ticket_keys" in capsys.readouterr().err


def test_naive_now_is_refused():
    """Verifying at a naive time is a typed error, never a comparison crash."""
    with pytest.raises(TicketError) as info:
        verify_token(TOKEN, KEYS, now=datetime(2026, 11, 27, 9))
    assert info.value.code == "ticket.naive_time"
