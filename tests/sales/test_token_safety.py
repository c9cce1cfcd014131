"""Tickets that must never let anyone in: test printouts, tokens signed with the published
demo key at a production gate, and replays through a shared used-ticket file."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.config import load_settings
from kiosk.errors import ConfigError
from kiosk.sales.gate import GateVerdict, check_ticket, gate_keys
from kiosk.sales.tokens import (
    DEMO_KEY,
    InMemoryUsedTickets,
    Ticket,
    TicketKey,
    TokenStatus,
    issue_token,
    verify_token,
)
from tests.conftest import REPO

START = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
DURING = START + timedelta(hours=1)
KEY = TicketKey(7, bytes(range(32)))


def _ticket(*, test: bool = False) -> Ticket:
    return Ticket(4242, "ADULT", START, START + timedelta(hours=8), test=test)


def _flip_test_bit(token: str) -> str:
    """The token with bit 7 of byte 0 flipped and the CRC made right again."""
    raw = bytearray(base64.b32decode(token + "=" * (-len(token) % 8)))
    raw[0] ^= 0x80
    body = bytes(raw[:-2])
    raw = body + binascii.crc_hqx(body, 0).to_bytes(2, "big")
    return base64.b32encode(raw).decode().rstrip("=")


def test_a_test_ticket_is_recognised_and_never_admitted() -> None:
    """A test ticket verifies as TEST (signature checked), the gate says so and marks
    nothing used; a real ticket of the same key still verifies VALID."""
    test_token = issue_token(_ticket(test=True), KEY)
    check = verify_token(test_token, {7: KEY.secret}, now=DURING)
    assert check.status is TokenStatus.TEST and not check.accepted
    assert check.ticket is not None and check.ticket.test
    used = InMemoryUsedTickets()
    decision = check_ticket(test_token, {7: KEY.secret}, used, now=DURING)
    assert decision.verdict is GateVerdict.TEST_TICKET and not decision.admitted
    assert not used.used
    real = verify_token(issue_token(_ticket(), KEY), {7: KEY.secret}, now=DURING)
    assert real.status is TokenStatus.VALID and real.ticket is not None and not real.ticket.test


def test_the_test_flag_is_signed() -> None:
    """Flipping the flag either way (with the CRC fixed) makes the token FORGED: a test
    ticket cannot be turned into a real one."""
    for test in (True, False):
        token = _flip_test_bit(issue_token(_ticket(test=test), KEY))
        assert verify_token(token, {7: KEY.secret}, now=DURING).status is TokenStatus.FORGED


def test_version_1_tokens_keep_their_bytes() -> None:
    """A real ticket's first byte is still 0x01, so tokens printed before stay valid."""
    token = issue_token(_ticket(), KEY)
    assert base64.b32decode(token + "=" * (-len(token) % 8))[0] == 0x01


def _keys_file(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "ticket.keys"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_production_gate_refuses_the_demo_key(tmp_path: Path) -> None:
    """Outside demo mode the demo key is dropped from a key file (by id and by secret), a
    demo-signed token is refused, and a file with only the demo key is a ConfigError."""
    demo_hex = DEMO_KEY.secret.hex()
    path = _keys_file(tmp_path, f"0 {demo_hex}", f"9 {demo_hex}", f"7 {KEY.secret.hex()}")
    settings = dataclasses.replace(load_settings(environ={}), demo=False)
    keys = gate_keys(settings, path)
    assert keys == {7: KEY.secret}
    demo_token = issue_token(_ticket(), DEMO_KEY)
    decision = check_ticket(demo_token, keys, InMemoryUsedTickets(), now=DURING)
    assert decision.verdict is GateVerdict.UNKNOWN_ISSUER
    assert 0 in gate_keys(dataclasses.replace(settings, demo=True), path)
    with pytest.raises(ConfigError):
        gate_keys(settings, _keys_file(tmp_path, f"0 {demo_hex}"))
    with pytest.raises(ConfigError):
        gate_keys(settings)  # no key file at all


_MARKER = """
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from kiosk.sales.tokens import FileUsedTickets

used = FileUsedTickets(Path(sys.argv[1]))
now = datetime.now(UTC)
while time.time() < float(sys.argv[3]):  # both gates start together
    time.sleep(0.001)
print(sum(used.mark_used(i, now) for i in range(int(sys.argv[2]))))
"""


def test_used_file_admits_each_ticket_once_across_processes(tmp_path: Path) -> None:
    """Two gate processes sharing one used-ticket file, racing over the same 300 tickets:
    each ticket is admitted exactly once in all (the file is locked per check)."""
    path, count, start = tmp_path / "used.txt", 300, time.time() + 2
    gates = [
        subprocess.Popen(
            [sys.executable, "-c", _MARKER, str(path), str(count), str(start)],
            env={"PYTHONPATH": str(REPO)},
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    admitted = [int(gate.communicate(timeout=120)[0]) for gate in gates]
    assert sum(admitted) == count, admitted
    assert len(path.read_text().splitlines()) == count
