"""Enrolment on the terminal: the key and the pinned hub key under data_dir/sync, private."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import httpx
import pytest

from kiosk.config import Settings, load_settings
from kiosk.sync.client import SyncError
from kiosk.sync.enrolment import EnrolmentError, enroll, load
from tests.test_cli import kiosk

TERMINAL_KEY = bytes(range(32))
HUB_KEY = bytes(range(32, 64))


def _settings(tmp_path: Path) -> Settings:
    return load_settings(environ={"KIOSK_DATA_DIR": str(tmp_path)})


def _hub(answer: dict[str, object], status: int = 200) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/enroll"
        sent = json.loads(request.content)
        assert sent == {"terminal_id": "DEMO0001", "code": "ABCD-EFGH-JKMN-PQRS"}
        return httpx.Response(status, json=answer)

    return httpx.MockTransport(handle)


GOOD = {
    "terminal_id": "DEMO0001",
    "terminal_key": base64.b64encode(TERMINAL_KEY).decode(),
    "hub_key": base64.b64encode(HUB_KEY).decode(),
    "hub_url": "http://elsewhere.invalid",
}


def test_enrolment_writes_private_files_and_pins_the_hub_key(tmp_path: Path) -> None:
    """0700 directory, 0600 files; the key and the hub key read back as sent."""
    settings = _settings(tmp_path)
    enroll(settings, "http://hub.test/", "ABCD-EFGH-JKMN-PQRS", transport=_hub(GOOD))
    directory = tmp_path / "sync"
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    for name in ("terminal.key", "enrolment.json"):
        assert stat.S_IMODE((directory / name).stat().st_mode) == 0o600
    assert not [p for p in os.listdir(directory) if p.startswith(".")]  # no temporary left
    enrolled, key = load(settings)
    assert key == TERMINAL_KEY and enrolled.hub_key_bytes == HUB_KEY
    assert enrolled.hub_url == "http://hub.test"  # the address that answered


@pytest.mark.parametrize(
    ("answer", "status", "code"),
    [
        ({"error": "enroll.code", "reason": "unknown or used code"}, 403, "enroll.code"),
        ({**GOOD, "terminal_key": "c2hvcnQ="}, 200, "sync.bad_answer"),
        ({**GOOD, "terminal_id": "OTHER001"}, 200, "sync.bad_answer"),
    ],
    ids=["refused", "short-key", "other-terminal"],
)
def test_a_failed_enrolment_writes_nothing(
    tmp_path: Path, answer: dict[str, object], status: int, code: str
) -> None:
    """Refused or unusable answers raise SyncError and leave the terminal unenrolled."""
    settings = _settings(tmp_path)
    with pytest.raises(SyncError) as err:
        enroll(settings, "http://hub.test", "ABCD-EFGH-JKMN-PQRS", transport=_hub(answer, status))
    assert err.value.code == code
    with pytest.raises(EnrolmentError):
        load(settings)


def test_a_damaged_key_file_is_one_clear_error(tmp_path: Path) -> None:
    """A truncated key is refused as sync.enrolment, not used."""
    settings = _settings(tmp_path)
    enroll(settings, "http://hub.test", "ABCD-EFGH-JKMN-PQRS", transport=_hub(GOOD))
    (tmp_path / "sync" / "terminal.key").write_text("AAAA\n")
    with pytest.raises(EnrolmentError) as err:
        load(settings)
    assert err.value.code == "sync.enrolment"


def test_cli_status_and_once_without_enrolment(tmp_path: Path) -> None:
    """`sync status --json` reads the state; `sync --once` unenrolled fails in one line."""
    env = {"KIOSK_DATA_DIR": str(tmp_path)}
    assert (
        kiosk("sell", "--item", "ADULT:1", "--sim", "debit-ec", cwd=tmp_path, env=env).returncode
        == 0
    )
    out = kiosk("sync", "status", "--json", cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr
    status = json.loads(out.stdout)
    assert status["acked_seq"] == 0 and status["backlog"] == status["last_seq"] > 0
    assert status["offline_unacked_fen"] > 0  # the demo card pays offline on e-cash
    once = kiosk("sync", "--once", cwd=tmp_path, env=env)
    assert once.returncode == 2 and once.stderr.startswith("kiosk: sync.not_enrolled:")


def test_doctor_has_a_sync_line(tmp_path: Path) -> None:
    """Not enrolled in the demo: ok; enrolled with a failed upload: WARN naming the error."""
    from kiosk.doctor import Status, run_checks
    from kiosk.journal.store import JournalStore
    from kiosk.sync.state import SyncStateStore

    settings = _settings(tmp_path)

    def sync_line() -> tuple[Status, str]:
        check = next(c for c in run_checks(settings) if c.name == "sync")
        return check.status, check.detail

    assert sync_line() == (Status.OK, "not enrolled")
    enroll(settings, "http://hub.test", "ABCD-EFGH-JKMN-PQRS", transport=_hub(GOOD))
    store = JournalStore(settings.journal_url, "DEMO0001", key_dir=tmp_path)
    try:
        store.record("test.event", {}, actor="t")
        SyncStateStore(store).failed("sync.timeout")
    finally:
        store.dispose()
    status, detail = sync_line()
    assert status is Status.WARN and "backlog 1" in detail and "sync.timeout" in detail
