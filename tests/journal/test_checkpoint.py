"""The shift slip's journal checkpoint: paper that a journal rewritten with the terminal's own
key (which sits on the same disk) no longer matches."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.checkout.terminal import build_services
from kiosk.cli import main
from kiosk.journal.anchor import Head, HeadFile
from kiosk.journal.chain import Checkpoint
from kiosk.journal.models import JournalEntry, Terminal
from kiosk.journal.store import JournalStore
from kiosk.journal.verify import verify_journal
from kiosk.printing.printer import PreviewPrinter
from tests.checkout.conftest import ScriptedProvider, kiosk_settings
from tests.journal.forge import rechain
from tests.journal.test_tamper import DRAFT


@pytest.mark.parametrize(
    ("text", "seq", "digest"),
    [
        ("#1234 3F2A 91C0 77D4 0B1E", 1234, "3f2a91c077d40b1e"),
        ("1234:3f2a91c077d40b1e", 1234, "3f2a91c077d40b1e"),
        ("  7 : abcd-ef01  ", 7, "abcdef01"),
    ],
)
def test_checkpoint_is_read_as_printed_or_typed(text: str, seq: int, digest: str) -> None:
    checkpoint = Checkpoint.parse(text)
    assert (checkpoint.seq, checkpoint.digest) == (seq, digest)
    assert Checkpoint.parse(checkpoint.printed()) == checkpoint == Checkpoint.parse(str(checkpoint))


@pytest.mark.parametrize(
    "text", ["", "1234", "1234:abc", "x:3f2a91c0", "12:3f2a91cz", "1:" + "a" * 65]
)
def test_a_checkpoint_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a checkpoint"):
        Checkpoint.parse(text)


def _close_shift_with_sales(tmp_path: Path) -> tuple[str, Checkpoint]:
    """Two sales and a shift close on the demo terminal: the slip's text and the checkpoint
    of its ``shift.closed`` entry, as the journal has it."""
    settings = kiosk_settings(tmp_path)
    services = build_services(settings)
    services.checkout.provider = ScriptedProvider()
    for _ in range(2):
        services.checkout.pay(DRAFT, actor="kiosk")
    assert services.printer is not None
    preview = services.printer.service
    assert isinstance(preview, PreviewPrinter)
    services.close_shift()
    slip = preview.documents[-1].preview_text()
    with services.store.read() as session:
        closed = session.scalars(
            select(JournalEntry).where(JournalEntry.event == "shift.closed")
        ).one()
        checkpoint = Checkpoint.of(closed.seq, closed.hash)
    services.dispose()
    return slip, checkpoint


def _config(data: Path) -> str:
    path = data / "kiosk.toml"
    path.write_text(f'data_dir = "{data}"\n', encoding="utf-8")
    return str(path)


def _rechain_with_key(store: JournalStore) -> None:
    """A forger who has the disk, key included: an entry's actor changed, every link and
    both heads (database and head file) recomputed, so the chain alone looks intact."""
    key = store.chain_key
    assert key is not None
    with store.read() as session:
        keyed_from = session.get_one(Terminal, store.terminal_id).keyed_from

        def edit(entry: JournalEntry) -> None:
            if entry.seq == 1:
                entry.actor = "someone else"

        last_seq, prev = rechain(session, edit, key=key, keyed_from=keyed_from)
        session.commit()
    assert store.key_dir is not None
    HeadFile(store.key_dir, store.terminal_id, key).write(
        Head(last_seq, prev, keyed_from), durable=True
    )


def test_shift_slip_carries_the_checkpoint_that_catches_a_keyed_rewrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    slip, checkpoint = _close_shift_with_sales(tmp_path)
    assert checkpoint.printed() in slip
    config = _config(tmp_path)
    verify = ["--config", config, "journal", "verify", "--checkpoint"]
    assert main([*verify, checkpoint.printed()]) == 0

    store = JournalStore(f"sqlite:///{tmp_path / 'journal.db'}", "DEMO0001")
    _rechain_with_key(store)
    assert verify_journal(store).ok, "with the key, a rewrite passes the chain and head checks"
    report = verify_journal(store, checkpoints=[checkpoint])
    assert report.problems == [
        f"entry {checkpoint.seq} is not the one the shift slip recorded"
        f" ({checkpoint.printed()}): the journal was rewritten"
    ]
    store.dispose()
    capsys.readouterr()
    assert main([*verify, str(checkpoint)]) == 1
    assert "the journal was rewritten" in capsys.readouterr().out


def test_a_checkpoint_past_the_end_of_the_journal_is_reported(tmp_path: Path) -> None:
    _, checkpoint = _close_shift_with_sales(tmp_path)
    store = JournalStore(f"sqlite:///{tmp_path / 'journal.db'}", "DEMO0001")
    later = dataclasses.replace(checkpoint, seq=checkpoint.seq + 1000)
    assert verify_journal(store, checkpoints=[later]).problems == [
        f"entry {later.seq} of the shift slip's checkpoint is not in the journal"
    ]
    store.dispose()


def test_verify_refuses_a_mistyped_checkpoint_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _close_shift_with_sales(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main(["--config", _config(tmp_path), "journal", "verify", "--checkpoint", "12:zz"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "not a checkpoint" in err and len(err.strip().splitlines()) == 1
