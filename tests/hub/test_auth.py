"""Signed requests against a real hub: every forgery refused, and nothing stored from it."""

from __future__ import annotations

import base64
import secrets
import time

import httpx
import pytest
from sqlalchemy import select, update

from kiosk.hub.models import EnrolCode, HubEntry, SeenNonce
from kiosk.sync.protocol import NONCE_TTL_S, canonical_json
from tests.hub.conftest import LiveHub
from tests.support.hub import Terminal, chain, kiosk_hub


def _stored(live_hub: LiveHub, terminal_id: str) -> tuple[int, int]:
    return (
        live_hub.count(SeenNonce, terminal_id=terminal_id),
        live_hub.count(HubEntry, terminal_id=terminal_id),
    )


def _body(terminal: Terminal) -> bytes:
    return canonical_json({"entries": chain(terminal.id, 2)})


def _path(terminal: Terminal) -> str:
    return f"/api/v1/terminals/{terminal.id}/entries"


CASES = {
    "unsigned": lambda t, other: httpx.post(t.hub_url + _path(t), content=_body(t)),
    "tampered body": lambda t, other: t.request(
        "POST", _path(t), _body(t), send=_body(t).replace(b'"n":1', b'"n":2')
    ),
    "tampered target": lambda t, other: t.request(
        "POST", _path(t), _body(t), sign_target=_path(t) + "?x=1"
    ),
    "expired": lambda t, other: t.request("POST", _path(t), _body(t), now=time.time() - 301),
    "from the future": lambda t, other: t.request(
        "POST", _path(t), _body(t), now=time.time() + 400
    ),
    "unknown terminal": lambda t, other: Terminal(
        "NOBODY", secrets.token_bytes(32), t.hub_url
    ).request("POST", _path(t), _body(t), sign_as="NOBODY"),
    "wrong key": lambda t, other: Terminal(t.id, secrets.token_bytes(32), t.hub_url).request(
        "POST", _path(t), _body(t)
    ),
    "another terminal's path": lambda t, other: other.request("POST", _path(t), _body(t)),
}
EXPECTED = {
    "unsigned": (401, "auth.signature"),
    "tampered body": (401, "auth.signature"),
    "tampered target": (401, "auth.signature"),
    "expired": (401, "auth.expired"),
    "from the future": (401, "auth.expired"),
    "unknown terminal": (401, "auth.signature"),
    "wrong key": (401, "auth.signature"),
    "another terminal's path": (403, "auth.terminal"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_forged_request_is_refused_and_nothing_is_stored(live_hub: LiveHub, case: str):
    victim, other = live_hub.terminal(), live_hub.terminal()
    answer = CASES[case](victim, other)
    assert (answer.status_code, answer.json()["error"]) == EXPECTED[case]
    assert answer.json()["reason"]
    assert _stored(live_hub, victim.id) == (0, 0)
    assert _stored(live_hub, other.id) == (0, 0)


def test_a_replayed_request_is_refused(live_hub: LiveHub, terminal: Terminal):
    nonce = secrets.token_hex(16)
    first = terminal.request("POST", _path(terminal), _body(terminal), nonce=nonce)
    assert first.status_code == 200
    assert _stored(live_hub, terminal.id) == (1, 2)
    replay = terminal.request("POST", _path(terminal), _body(terminal), nonce=nonce)
    assert (replay.status_code, replay.json()["error"]) == (401, "auth.replayed")
    assert _stored(live_hub, terminal.id) == (1, 2)


def test_a_revoked_terminal_is_refused(live_hub: LiveHub, terminal: Terminal):
    done = kiosk_hub(live_hub.data_dir, live_hub.db, "revoke", terminal.id)
    assert done.returncode == 0, done.stderr
    answer = terminal.post_entries(chain(terminal.id, 1))
    assert (answer.status_code, answer.json()["error"]) == (403, "auth.revoked")
    assert _stored(live_hub, terminal.id) == (0, 0)


def _code(live_hub: LiveHub, terminal_id: str) -> str:
    done = kiosk_hub(live_hub.data_dir, live_hub.db, "enroll", terminal_id)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def _redeem(live_hub: LiveHub, terminal_id: str, code: str) -> httpx.Response:
    return httpx.post(
        f"{live_hub.url}/api/v1/enroll", json={"terminal_id": terminal_id, "code": code}
    )


def test_an_enrolment_code_works_once_for_its_terminal(live_hub: LiveHub):
    code = _code(live_hub, "E1")
    assert len(code) == 19
    assert code.count("-") == 3
    wrong_terminal = _redeem(live_hub, "E2", code)
    assert (wrong_terminal.status_code, wrong_terminal.json()["error"]) == (401, "enrol.code")
    first = _redeem(live_hub, "E1", code.lower())
    assert first.status_code == 200
    assert first.json()["terminal_id"] == "E1"
    assert first.json()["hub_url"] == live_hub.url
    again = _redeem(live_hub, "E1", code)
    assert (again.status_code, again.json()["error"]) == (401, "enrol.code")


def test_an_expired_code_is_refused(live_hub: LiveHub):
    code = _code(live_hub, "E3")
    with live_hub.session() as session:
        session.execute(update(EnrolCode).values(expires_at=time.time() - 1))
        session.commit()
    answer = _redeem(live_hub, "E3", code)
    assert (answer.status_code, answer.json()["error"]) == (401, "enrol.code")


def test_enrolling_again_replaces_the_key(live_hub: LiveHub):
    old = live_hub.terminal("E4")
    new = live_hub.terminal("E4")
    assert old.key != new.key
    assert old.post_entries(chain("E4", 1)).status_code == 401
    assert new.post_entries(chain("E4", 1)).json()["acked_seq"] == 1


def test_nonces_are_forgotten_after_their_window(live_hub: LiveHub, terminal: Terminal):
    old = time.time() - NONCE_TTL_S - 1
    with live_hub.session() as session:
        session.add(SeenNonce(terminal_id=terminal.id, nonce="a" * 32, seen_at=old))
        session.commit()
    assert live_hub.count(SeenNonce, terminal_id=terminal.id) == 1
    assert terminal.post_entries(chain(terminal.id, 1)).status_code == 200
    with live_hub.session() as session:
        kept = session.scalars(select(SeenNonce.nonce).where(SeenNonce.terminal_id == terminal.id))
        assert "a" * 32 not in list(kept)


def test_keys_are_never_logged(live_hub: LiveHub, terminal: Terminal):
    terminal.post_entries(chain(terminal.id, 1))
    Terminal(terminal.id, secrets.token_bytes(32), terminal.hub_url).post_entries([])
    output = live_hub.process.output()
    assert f"/api/v1/terminals/{terminal.id}/entries" in output  # the log is the hub's
    for form in (terminal.key.hex(), base64.b64encode(terminal.key).decode()):
        assert form not in output
    hub_key = (live_hub.data_dir / "hub.key").read_bytes()
    assert (live_hub.data_dir / "hub.key").stat().st_mode & 0o777 == 0o600
    assert hub_key.hex() not in output
    assert base64.b64encode(hub_key).decode() not in output
