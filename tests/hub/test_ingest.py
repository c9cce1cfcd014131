"""Journal upload against a real hub: idempotent, contiguous, chained, projected."""

from __future__ import annotations

import gzip

from kiosk.hub.models import ChainAlert, HubEntry, HubPayment
from kiosk.sync.protocol import canonical_json
from tests.hub.conftest import LiveHub
from tests.support.hub import Terminal, chain


def test_entries_are_stored_once_and_acked_contiguously(live_hub: LiveHub, terminal: Terminal):
    entries = chain(terminal.id, 10)
    first = terminal.post_entries(entries[:6])
    assert first.status_code == 200, first.text
    assert first.json() == {"acked_seq": 6, "alerts": []}
    overlapping = terminal.post_entries(entries[3:])
    assert overlapping.json()["acked_seq"] == 10
    again = terminal.post_entries(entries)
    assert again.status_code == 200
    assert again.json()["acked_seq"] == 10
    assert live_hub.seqs(terminal.id) == list(range(1, 11))
    with live_hub.session() as session:
        held = session.get(HubEntry, (terminal.id, 7))
    assert held is not None
    assert (held.hash, held.payload, held.ts) == (
        entries[6]["hash"],
        entries[6]["payload"],
        entries[6]["ts"],
    )


def test_a_gap_is_refused_with_the_mark_to_resend_from(live_hub: LiveHub, terminal: Terminal):
    entries = chain(terminal.id, 8)
    assert terminal.post_entries(entries[:3]).json()["acked_seq"] == 3
    gap = terminal.post_entries(entries[4:])
    assert gap.status_code == 409
    assert gap.json()["error"] == "ingest.gap"
    assert gap.json()["acked_seq"] == 3
    assert live_hub.seqs(terminal.id) == [1, 2, 3]


def test_a_chain_break_keeps_what_was_held_and_raises_an_alert(
    live_hub: LiveHub, terminal: Terminal
):
    entries = chain(terminal.id, 6)
    assert terminal.post_entries(entries[:4]).json()["acked_seq"] == 4
    forged = chain(terminal.id, 3, start=5, prev="f" * 64)
    broken = terminal.post_entries(forged)
    assert broken.status_code == 409
    assert broken.json()["error"] == "ingest.chain"
    assert broken.json()["acked_seq"] == 4
    rewritten = [{**entries[2], "payload": {"n": "changed"}, "hash": "e" * 64}, *entries[3:]]
    conflict = terminal.post_entries(rewritten)
    assert conflict.status_code == 409
    assert conflict.json()["error"] == "ingest.chain"
    assert live_hub.seqs(terminal.id) == [1, 2, 3, 4]
    assert live_hub.count(ChainAlert, terminal_id=terminal.id) == 2
    assert terminal.post_entries(forged).status_code == 409  # resent: one alert still
    assert live_hub.count(ChainAlert, terminal_id=terminal.id) == 2
    # the good entries before a break in the same batch are kept
    tail = [*entries[4:], *chain(terminal.id, 1, start=7, prev="d" * 64)]
    partial = terminal.post_entries(tail)
    assert partial.status_code == 409
    assert partial.json()["acked_seq"] == 6


def test_gzip_bodies_are_accepted(live_hub: LiveHub, terminal: Terminal):
    body = gzip.compress(canonical_json({"entries": chain(terminal.id, 50)}))
    answer = terminal.request(
        "POST",
        f"/api/v1/terminals/{terminal.id}/entries",
        body,
        headers={"Content-Encoding": "gzip"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["acked_seq"] == 50
    assert live_hub.seqs(terminal.id) == list(range(1, 51))


def test_sales_and_payments_are_projected(live_hub: LiveHub, terminal: Terminal):
    events = [
        ("order.created", {"order": 7, "total_fen": 3000, "lines": []}),
        ("payment.pending", {"payment": 9, "order": 7, "amount_fen": 3000}),
        ("payment.approved", {"payment": 9, "path": "ec_offline", "amount_fen": 3000}),
    ]
    entries = chain(terminal.id, len(events))
    for entry, (event, payload) in zip(entries, events, strict=True):
        entry.update(event=event, payload=payload)
    assert terminal.post_entries(entries).json()["acked_seq"] == 3
    with live_hub.session() as session:
        payment = session.get(HubPayment, (terminal.id, 9))
    assert payment is not None
    assert (payment.state, payment.amount_fen, payment.order_id, payment.path) == (
        "approved",
        3000,
        7,
        "ec_offline",
    )
