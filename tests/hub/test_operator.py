"""The operator page on a real hub: sign-in, the fleet at a glance, enrol and publish."""

from __future__ import annotations

import re
import subprocess

import httpx

from kiosk.hub.models import Bundle, Operator
from kiosk.sync.protocol import open_bundle
from tests.hub.conftest import LiveHub
from tests.support.hub import KIOSK, Terminal, hub_env, upload_card_sale

PASSWORD = "correct horse battery"


def _add_operator(live_hub: LiveHub, name: str) -> None:
    done = subprocess.run(
        [KIOSK, "hub", "--db", live_hub.db, "operator", name, "--password-stdin"],
        input=PASSWORD + "\n",
        env=hub_env(live_hub.data_dir),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]{32})"', page.text)
    assert found, page.text
    return found.group(1)


def _signed_in(live_hub: LiveHub, name: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=live_hub.url, timeout=30)
    token = _csrf(client.get("/operator/login"))
    answer = client.post(
        "/operator/login", data={"csrf": token, "name": name, "password": PASSWORD}
    )
    assert answer.status_code == 303, answer.text
    page = client.get("/operator")
    assert page.status_code == 200
    return client, _csrf(page)


def test_the_page_needs_a_password_a_session_and_the_csrf_token(live_hub: LiveHub):
    _add_operator(live_hub, "alice")
    with live_hub.session() as session:
        stored = session.get(Operator, "alice")
        assert stored is not None
        assert stored.password_hash.startswith("scrypt$")
        assert PASSWORD not in stored.password_hash
    with httpx.Client(base_url=live_hub.url, timeout=30) as client:
        assert client.get("/operator").status_code == 303
        token = _csrf(client.get("/operator/login"))
        wrong = client.post(
            "/operator/login", data={"csrf": token, "name": "alice", "password": "nope-nope"}
        )
        assert wrong.status_code == 401
        forged = client.post("/operator/login", data={"name": "alice", "password": PASSWORD})
        assert forged.status_code == 403
        assert client.get("/operator").status_code == 303
        right = client.post(
            "/operator/login", data={"csrf": token, "name": "alice", "password": PASSWORD}
        )
        assert right.status_code == 303
        assert "httponly" in right.headers["set-cookie"].lower()
        assert client.get("/operator").status_code == 200
        token = _csrf(client.get("/operator"))
        client.post("/operator/logout", data={"csrf": token})
        assert client.get("/operator").status_code == 303


def test_the_fleet_and_todays_takings_are_shown(live_hub: LiveHub, terminal: Terminal):
    _add_operator(live_hub, "bob")
    heartbeat = b'{"version": "0.4.0", "backlog": 7, "printer": "paper_low"}'
    upload_card_sale(terminal, "qpboc", heartbeat)
    client, _token = _signed_in(live_hub, "bob")
    page = client.get("/operator").text
    row = re.search(rf"<tr>\s*<td>{terminal.id}</td>(.*?)</tr>", page, re.S)
    assert row, page
    assert "在线 online" in row.group(1)
    for shown in ("paper_low", "0.4.0", ">7<"):
        assert shown in row.group(1)
    takings = re.search(r'<table id="takings-path">(.*?)</table>', page, re.S)
    assert takings
    assert "qpboc" in takings.group(1)
    assert "30.50" in takings.group(1)


def test_enrol_and_publish_from_the_page(live_hub: LiveHub, terminal: Terminal):
    _add_operator(live_hub, "carol")
    client, token = _signed_in(live_hub, "carol")
    enrolled = client.post("/operator/enrol", data={"csrf": token, "terminal_id": "PAGE1"})
    code = re.search(r'id="enrol-code">([0-9A-Z-]{19})<', enrolled.text)
    assert code, enrolled.text
    redeemed = httpx.post(
        f"{live_hub.url}/api/v1/enroll", json={"terminal_id": "PAGE1", "code": code.group(1)}
    )
    assert redeemed.status_code == 200

    before = live_hub.count(Bundle)
    refused = client.post("/operator/publish", data={"bundle": '{"settings": {}}'})
    assert refused.status_code == 403
    assert live_hub.count(Bundle) == before
    published = client.post(
        "/operator/publish",
        data={"csrf": token, "bundle": '{"settings": {"x": 1}}', "terminals": terminal.id},
    )
    version = re.search(r'id="published">[^<]*?(\d+)<', published.text)
    assert version, published.text
    answer = terminal.request("GET", f"/api/v1/terminals/{terminal.id}/bundle?after=0")
    bundle, _body = open_bundle(terminal.hub_key, answer.json())
    assert (bundle["version"], bundle["settings"]) == (int(version.group(1)), {"x": 1})
    bad = client.post("/operator/publish", data={"csrf": token, "bundle": "{"})
    assert bad.status_code == 400
    assert live_hub.count(Bundle) == before + 1
