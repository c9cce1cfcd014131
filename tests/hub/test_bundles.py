"""Parameter bundles: published on the hub, signed with its key, fetched by the terminals
they name, verified against the key pinned at enrolment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.sync.protocol import BundleError, open_bundle
from tests.hub.conftest import LiveHub
from tests.support.hub import Terminal, kiosk_hub


def _publish(live_hub: LiveHub, tmp_path: Path, sections: object, *args: str):
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(sections), encoding="utf-8")
    return kiosk_hub(live_hub.data_dir, live_hub.db, "publish", str(path), *args)


def _fetch(terminal: Terminal, after: int):
    return terminal.request("GET", f"/api/v1/terminals/{terminal.id}/bundle?after={after}")


def _heartbeat_version(terminal: Terminal) -> int:
    answer = terminal.request(
        "POST", f"/api/v1/terminals/{terminal.id}/heartbeat", b'{"backlog": 0}'
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["bundle_version"]


def test_a_published_bundle_reaches_the_terminals_it_names(live_hub: LiveHub, tmp_path: Path):
    named, other = live_hub.terminal(), live_hub.terminal()
    before = _heartbeat_version(named)
    everyone = _publish(live_hub, tmp_path, {"catalog": {"A": {"price_fen": 1000}}})
    assert everyone.returncode == 0, everyone.stderr
    general = before + 1
    assert everyone.stdout.split()[-1] == str(general)
    only = _publish(
        live_hub, tmp_path, {"catalog": {"A": {"price_fen": 1200}}}, "--terminals", named.id
    )
    assert only.returncode == 0, only.stderr

    answer = _fetch(named, 0)
    assert answer.status_code == 200
    bundle, _body = open_bundle(named.hub_key, answer.json())
    assert bundle["version"] == general + 1
    assert bundle["catalog"] == {"A": {"price_fen": 1200}}
    assert bundle["terminals"] == [named.id]
    assert _heartbeat_version(named) == general + 1

    theirs, _body = open_bundle(other.hub_key, _fetch(other, 0).json())
    assert (theirs["version"], theirs["terminals"]) == (general, "*")
    assert _heartbeat_version(other) == general
    assert _fetch(other, general).status_code == 204
    assert _fetch(named, general + 1).status_code == 204


def test_a_bundle_altered_on_the_way_does_not_open(live_hub: LiveHub, tmp_path: Path):
    terminal = live_hub.terminal()
    assert _publish(live_hub, tmp_path, {"settings": {"x": 1}}).returncode == 0
    answer = _fetch(terminal, 0).json()
    forged = {**answer, "body": answer["body"][:-4] + "AAA="}
    with pytest.raises(BundleError) as refused:
        open_bundle(terminal.hub_key, forged)
    assert refused.value.code in ("sync.bundle_signature", "sync.encoding")


@pytest.mark.parametrize(
    ("sections", "args"),
    [
        ([1, 2], ()),
        ({"version": 99}, ()),
        ({"catalog": {}}, ("--terminals", "bad id!")),
    ],
)
def test_a_bad_bundle_file_is_refused(live_hub: LiveHub, tmp_path: Path, sections, args):
    done = _publish(live_hub, tmp_path, sections, *args)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip()
