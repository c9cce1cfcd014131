"""Parameter bundles on the terminal: verified with the pinned key, kept, journalled; a
refused bundle leaves the one in effect alone; a sale keeps the prices it started with."""

from __future__ import annotations

import base64
import json
import tomllib
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from kiosk.config import Settings, load_settings
from kiosk.journal.store import JournalStore
from kiosk.sales.tickets import DEMO_CATALOG
from kiosk.sync.client import Credentials, HubClient
from kiosk.sync.params import ParamsHolder, load_saved
from kiosk.sync.protocol import sign_bundle
from kiosk.sync.service import SyncService
from kiosk.sync.state import SyncStateStore
from tests.sync.test_uploader import KEY

HUB = Ed25519PrivateKey.generate()
HUB_KEY = HUB.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
TID = "TEST0001"


def catalog(adult_fen: int) -> dict[str, Any]:
    data = tomllib.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    for product in data["product"]:
        if product["code"] == "ADULT":
            product["price_fen"] = adult_fen
    return data


def bundle(version: int, adult_fen: int = 9900, **extra: Any) -> dict[str, Any]:
    return {
        "format": 1,
        "version": version,
        "issued_at": "2026-12-05T10:00:00Z",
        "terminals": [TID],
        "catalog": catalog(adult_fen),
        "blocklist": ["ab" * 32],
        "market": {"items": [{"sku": "EGG", "price_fen": 120}]},
        **extra,
    }


class BundleHub:
    """Answers GET bundle?after=N with the answer set last (204 when not newer)."""

    def __init__(self) -> None:
        self.answer: dict[str, Any] | None = None
        self.asked: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.asked.append(request.url.raw_path.decode())
        after = int(request.url.params["after"])
        if self.answer is None or int(self.answer.get("version", 0)) <= after:
            return httpx.Response(204)
        return httpx.Response(200, json=self.answer)


@pytest.fixture
def service(tmp_path: Path, store: JournalStore) -> tuple[SyncService, BundleHub]:
    settings: Settings = load_settings(environ={"KIOSK_DATA_DIR": str(tmp_path)})
    hub = BundleHub()
    client = HubClient("http://hub.test", Credentials(TID, KEY), transport=httpx.MockTransport(hub))
    return SyncService(settings, store, SyncStateStore(store), client, HUB_KEY), hub


def _events(store: JournalStore, prefix: str) -> list[dict[str, Any]]:
    return [e.payload for e in store.entries() if e.event.startswith(prefix)]


def test_a_new_bundle_is_kept_journalled_and_in_effect_from_the_next_sale(
    service: tuple[SyncService, BundleHub], tmp_path: Path
) -> None:
    """Version 1 then 2: each staged, journalled with its hash, kept on disk; the holder
    gives a sale the newest, and after a restart the kept one verifies again."""
    sync, hub = service
    hub.answer = sign_bundle(HUB, bundle(1, 9900))
    first = sync.poller.poll()
    assert first is not None and first.catalog is not None
    assert sync.params.for_sale() is first
    hub.answer = sign_bundle(HUB, bundle(2, 12000))
    second = sync.poller.poll()
    assert second is not None and second.catalog is not None
    assert sync.params.current is first  # the sale already started keeps version 1
    assert sync.params.for_sale() is second
    assert second.catalog.by_code["ADULT"].price_fen == 12000
    assert second.blocklist == frozenset({"ab" * 32})
    assert second.section("market")["items"][0]["sku"] == "EGG"
    assert second.section("parking") == {}
    assert hub.asked[-1].endswith("/bundle?after=1")
    applied = _events(sync.store, "params.")
    assert applied == [
        {"version": 1, "sha256": first.sha256},
        {"version": 2, "sha256": second.sha256},
    ]
    assert sync.state.status().params_version == 2
    assert sync.poller.poll() is None  # nothing newer: 204
    saved = load_saved(tmp_path / "sync", HUB_KEY, TID)
    assert saved is not None and saved.sha256 == second.sha256


def _tampered(answer: dict[str, Any]) -> dict[str, Any]:
    body = bytearray(base64.b64decode(answer["body"]))
    body[body.index(b"9900")] = ord("1")  # the price, one digit changed
    return {**answer, "body": base64.b64encode(bytes(body)).decode()}


REFUSED = {
    "wrong-key": (
        lambda: sign_bundle(Ed25519PrivateKey.generate(), bundle(2)),
        "sync.bundle_signature",
    ),
    "tampered": (lambda: _tampered(sign_bundle(HUB, bundle(2))), "sync.bundle_signature"),
    "not-base64": (lambda: {"version": 2, "body": "%%%", "signature": "x"}, "sync.encoding"),
    "other-terminal": (
        lambda: sign_bundle(HUB, {**bundle(2), "terminals": ["OTHER001"]}),
        "sync.bundle_other",
    ),
    "bad-catalog": (
        lambda: sign_bundle(HUB, {**bundle(2), "catalog": {"product": "none"}}),
        "sync.bundle_invalid",
    ),
    "bad-revocation": (
        lambda: sign_bundle(HUB, bundle(2, ca_revocations=["nonsense"])),
        "sync.bundle_invalid",
    ),
}


@pytest.mark.parametrize("case", list(REFUSED), ids=list(REFUSED))
def test_a_refused_bundle_is_journalled_and_the_old_one_stays(
    service: tuple[SyncService, BundleHub], tmp_path: Path, case: str
) -> None:
    """Version 1 in effect; a bad version 2 is refused once (journalled with its reason),
    the files on disk and the parameters in effect stay version 1."""
    sync, hub = service
    hub.answer = sign_bundle(HUB, bundle(1))
    sync.poller.poll()
    kept = (tmp_path / "sync" / "bundle.json").read_bytes()
    make, code = REFUSED[case]
    hub.answer = make()
    assert sync.poller.poll() is None
    assert sync.poller.poll() is None  # asked again, not journalled again
    rejected = _events(sync.store, "params.rejected")
    assert len(rejected) == 1 and rejected[0]["reason"] == code
    assert sync.params.for_sale() is not None and sync.params.version == 1
    assert (tmp_path / "sync" / "bundle.json").read_bytes() == kept
    assert sync.state.status().params_version == 1


def test_an_older_bundle_is_refused(service: tuple[SyncService, BundleHub]) -> None:
    """A hub answering with a version not newer than ours (a confused hub) is refused."""
    sync, hub = service
    hub.answer = sign_bundle(HUB, bundle(3))
    sync.poller.poll()
    stale = sign_bundle(HUB, bundle(2))
    sync.poller.client = HubClient(
        "http://hub.test",
        Credentials(TID, KEY),
        transport=httpx.MockTransport(lambda _r: httpx.Response(200, json=stale)),
    )
    assert sync.poller.poll() is None
    assert _events(sync.store, "params.rejected")[0]["reason"] == "sync.bundle_old"
    assert sync.params.version == 3


def test_kept_bundle_with_a_foreign_signature_is_not_used(
    service: tuple[SyncService, BundleHub], tmp_path: Path
) -> None:
    """A bundle.json swapped on disk does not verify with the pinned key at start-up."""
    sync, hub = service
    hub.answer = sign_bundle(HUB, bundle(1))
    sync.poller.poll()
    forged = sign_bundle(Ed25519PrivateKey.generate(), bundle(5, 1))
    (tmp_path / "sync" / "bundle.json").write_bytes(base64.b64decode(forged["body"]))
    assert load_saved(tmp_path / "sync", HUB_KEY, TID) is None
    assert json.loads((tmp_path / "sync" / "bundle.json").read_bytes())["version"] == 5
    assert ParamsHolder(None).version == 0


def test_a_sale_keeps_the_price_it_was_shown(tmp_path: Path) -> None:
    """Through the checkout facade: a price published while a sale is shown is not charged
    to that sale; the next sale is priced by it."""
    from kiosk.checkout.terminal import build_services
    from kiosk.journal.models import PaymentState
    from kiosk.sales.tickets import today_in_china
    from kiosk.sync.link import SyncLink
    from tests.checkout.conftest import kiosk_settings

    services = build_services(kiosk_settings(tmp_path))
    try:
        hub = BundleHub()
        client = HubClient(
            "http://hub.test", Credentials(TID, KEY), transport=httpx.MockTransport(hub)
        )
        sync = SyncService(
            services.settings, services.store, SyncStateStore(services.store), client, HUB_KEY
        )
        services.sync = SyncLink(services.store, sync, "")
        hub.answer = sign_bundle(HUB, bundle(1, adult_fen=5000, terminals="*"))
        sync.poller.poll()

        def sale_at(price_check: int) -> None:
            day = today_in_china(services.clock())
            draft = services.catalog.order({"ADULT": 1}, visit_day=day, slot={}, sold={})
            assert draft.subtotal_fen == price_check  # what the screen shows
            hub.answer = sign_bundle(
                HUB, bundle(sync.params.version + 1, adult_fen=price_check + 700, terminals="*")
            )
            assert sync.poller.poll() is not None  # published and fetched mid-sale
            result = services.pay(draft, progress=lambda _s: None, cancelled=lambda: False)
            assert result.state is PaymentState.APPROVED
            assert (result.draft or draft).subtotal_fen == price_check  # charged as shown

        services.begin_sale()
        sale_at(5000)
        services.begin_sale()
        sale_at(5700)
        assert services.sync_view().state == "ok"
        assert services.sync_view().status.params_version == 3  # type: ignore[union-attr]
    finally:
        services.dispose()


def test_params_show_prints_the_kept_bundle(tmp_path: Path) -> None:
    """`kiosk params show --json`: the kept bundle, verified with the pinned key."""
    from kiosk.sync.enrolment import enroll
    from kiosk.sync.protocol import b64
    from tests.test_cli import kiosk

    settings = load_settings(environ={"KIOSK_DATA_DIR": str(tmp_path)})
    answer = {"terminal_id": "DEMO0001", "terminal_key": b64(KEY), "hub_key": b64(HUB_KEY)}
    enroll(
        settings,
        "http://hub.test",
        "ABCD-EFGH-JKMN-PQRS",
        transport=httpx.MockTransport(lambda _r: httpx.Response(200, json=answer)),
    )
    signed = sign_bundle(HUB, bundle(4, 7700, terminals="*"))
    (tmp_path / "sync" / "bundle.json").write_bytes(base64.b64decode(signed["body"]))
    (tmp_path / "sync" / "bundle.json.sig").write_text(signed["signature"])
    out = kiosk("params", "show", "--json", cwd=tmp_path, env={"KIOSK_DATA_DIR": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    shown = json.loads(out.stdout)
    assert shown["version"] == 4 and shown["catalog"]["ADULT"] == 7700
    assert shown["blocklist"] == 1 and shown["market"]["items"][0]["sku"] == "EGG"
