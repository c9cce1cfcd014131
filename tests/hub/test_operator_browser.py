"""The operator page in headless Chromium (Debian's ``chromium``, driven by Playwright) on a
real hub: sign in, see a terminal that sends, publish a bundle, and fit a phone's screen.

``KIOSK_UPDATE_SCREENSHOTS=1`` writes the page's screenshot to ``docs/screenshots/``."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.sync.protocol import open_bundle
from tests.support.hub import (
    KIOSK,
    HubProcess,
    Terminal,
    enrol,
    hub_env,
    running_hub,
    upload_card_sale,
)

playwright = pytest.importorskip("playwright.sync_api")

#: Debian's browser (no browser can be downloaded here, so Playwright is pointed at it).
CHROMIUM = shutil.which("chromium") or ""
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "correct horse battery"
PHONE = {"width": 390, "height": 844}

pytestmark = pytest.mark.skipif(
    not CHROMIUM, reason="Debian's chromium is not installed (apt-get install chromium)"
)


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[HubProcess, Path, str]]:
    """A hub on SQLite with operator ``alice``."""
    data_dir = tmp_path_factory.mktemp("hub")
    db = f"sqlite:///{data_dir / 'hub.db'}"
    added = subprocess.run(
        [KIOSK, "hub", "--db", db, "operator", "alice", "--password-stdin"],
        input=PASSWORD + "\n",
        env=hub_env(data_dir),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert added.returncode == 0, added.stderr
    with running_hub(data_dir, db) as process:
        yield process, data_dir, db


@pytest.fixture(scope="module")
def browser() -> Iterator[playwright.Browser]:
    with playwright.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


def _sending_terminal(hub: tuple[HubProcess, Path, str]) -> Terminal:
    """An enrolled terminal that has uploaded an approved ¥30.50 qPBOC sale and a heartbeat."""
    process, data_dir, db = hub
    terminal = enrol(data_dir, db, process.url, "GATE-EAST")
    beat = b'{"version": "0.4.0", "backlog": 0, "printer": "ok", "mode": "ticket"}'
    upload_card_sale(terminal, "qpboc_offline", beat)
    return terminal


def _sign_in(page: playwright.Page, url: str) -> None:
    page.goto(f"{url}/operator")
    assert page.url.endswith("/operator/login")
    page.fill("input[name=name]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/operator")


def test_sign_in_see_the_fleet_and_publish(
    hub: tuple[HubProcess, Path, str], browser: playwright.Browser, tmp_path: Path
) -> None:
    """A signed-in operator sees the sending terminal online with its takings, and a bundle
    published from the form reaches that terminal signed by the hub."""
    process, _data_dir, _db = hub
    terminal = _sending_terminal(hub)
    page = browser.new_page(viewport={"width": 1024, "height": 900})
    _sign_in(page, process.url)
    row = page.locator("#terminals tr", has_text=terminal.id)
    playwright.expect(row).to_contain_text("在线 online")
    playwright.expect(row).to_contain_text("0.4.0")
    playwright.expect(page.locator("#takings-path")).to_contain_text("qpboc_offline")
    playwright.expect(page.locator("#takings-terminal")).to_contain_text("30.50")

    page.fill("textarea[name=bundle]", '{"settings": {"receipt_footer": "谢谢 Thanks"}}')
    page.fill("input[name=terminals]", terminal.id)
    page.click("form[action='/operator/publish'] button")
    notice = page.locator("#published")
    playwright.expect(notice).to_contain_text("Published bundle version")
    version = int(notice.inner_text().split()[-1])
    answer = terminal.request("GET", f"/api/v1/terminals/{terminal.id}/bundle?after=0")
    bundle, _body = open_bundle(terminal.hub_key, answer.json())
    assert bundle["version"] == version
    assert bundle["settings"] == {"receipt_footer": "谢谢 Thanks"}

    shots = DOCS if os.environ.get("KIOSK_UPDATE_SCREENSHOTS") == "1" else tmp_path
    page.goto(f"{process.url}/operator")
    page.screenshot(path=str(shots / "22-hub-operator.png"), full_page=True)
    page.close()


def test_the_page_fits_a_phone(
    hub: tuple[HubProcess, Path, str], browser: playwright.Browser
) -> None:
    """On a 390 px wide screen nothing but the tables' own scroll areas is wider than the
    screen, and the forms' buttons are on screen and usable."""
    process, _data_dir, _db = hub
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    _sign_in(page, process.url)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide on a {PHONE['width']} px phone"
    for button in page.locator("button").all():
        box = button.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE["width"]
    page.fill("input[name=terminal_id]", "PHONE1")
    page.tap("form[action='/operator/enrol'] button")
    playwright.expect(page.locator("#enrol-code")).to_have_text(
        re.compile(r"^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$")
    )
    context.close()
