"""Two hub processes on one PostgreSQL database: a terminal may use either, even at once."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.hub.conftest import LiveHub, new_database
from tests.support.hub import Terminal, chain, running_hub

pytestmark = pytest.mark.postgres

BATCH = 100


@pytest.fixture(scope="module")
def two_hubs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[LiveHub, LiveHub]]:
    data_dir: Path = tmp_path_factory.mktemp("hubs")
    db = new_database(request, "postgres", data_dir)
    with ExitStack() as stack:
        first, second = (stack.enter_context(running_hub(data_dir, db)) for _ in range(2))
        yield LiveHub(first, db, data_dir), LiveHub(second, db, data_dir)


def _batches(entries: list[dict]) -> list[list[dict]]:
    return [entries[i : i + BATCH] for i in range(0, len(entries), BATCH)]


def test_a_terminal_switching_hubs_mid_backlog_delivers_every_entry_once(two_hubs):
    one, two = two_hubs
    terminal = one.terminal()
    via_two = terminal.at(two.url)
    entries = chain(terminal.id, 2000)
    batches = _batches(entries)
    acked = 0
    for number, batch in enumerate(batches):
        # the first half through one hub; then it goes down for this terminal and the rest,
        # with the last batch sent to the first hub resent, go through the other
        sender = terminal if number < len(batches) // 2 else via_two
        if number == len(batches) // 2:
            assert via_two.post_entries(batches[number - 1]).json()["acked_seq"] == acked
        answer = sender.post_entries(batch)
        assert answer.status_code == 200, answer.text
        acked = answer.json()["acked_seq"]
        assert acked == batch[-1]["seq"]
    assert one.seqs(terminal.id) == list(range(1, 2001))


def test_the_same_backlog_sent_to_both_hubs_at_once_is_stored_once(two_hubs):
    one, two = two_hubs
    terminal = one.terminal()
    senders = [
        terminal,
        terminal.at(two.url),
        terminal,
        terminal.at(two.url),
    ]
    batches = _batches(chain(terminal.id, 1500))

    def send_all(sender: Terminal) -> list[int]:
        statuses = []
        for batch in batches:
            answer = sender.post_entries(batch)
            statuses.append(answer.status_code)
            assert answer.status_code != 200 or answer.json()["acked_seq"] >= batch[-1]["seq"]
        return statuses

    with ThreadPoolExecutor(len(senders)) as pool:
        results = list(pool.map(send_all, senders))
    assert all(status == 200 for statuses in results for status in statuses), results
    assert one.seqs(terminal.id) == list(range(1, 1501))
