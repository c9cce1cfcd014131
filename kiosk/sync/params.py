"""Parameter bundles from the hub: verified, kept, and put in effect between sales.

A bundle (``docs/sync.md`` "Parameter bundles") is verified with the hub key pinned at
enrolment, must name this terminal and be newer than the one in effect. Its sections are
read here into what checkout uses (:class:`Params`); a section it omits stays as configured
locally. :class:`ParamsHolder` keeps the parameters in effect and the next ones: checkout
takes them once at the start of each sale (:meth:`ParamsHolder.for_sale`), so a sale keeps
the prices it was shown. :class:`ParamsPoller` fetches, checks, keeps the file
(``data_dir/sync/bundle.json`` and ``.sig``), journals ``params.applied`` or
``params.rejected``; a refused bundle leaves the one in effect alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.errors import ConfigError
from kiosk.files import replace_file
from kiosk.journal.store import JournalStore
from kiosk.payment.capk import CaPublicKey
from kiosk.payment.settings import revocation_entries
from kiosk.sales.tickets import Catalog, parse_catalog
from kiosk.sync.client import HubClient
from kiosk.sync.protocol import BundleError, b64, bundle_names, open_bundle
from kiosk.sync.state import SyncStateStore

log = logging.getLogger(__name__)

BUNDLE_FILE = "bundle.json"
SIGNATURE_FILE = "bundle.json.sig"
#: A bundle larger than this is not read from disk (a hub's bundle is kilobytes).
MAX_BUNDLE_BYTES = 4 << 20


@dataclass(frozen=True)
class Params:
    """One verified bundle, its sections read; None for a section the bundle omits."""

    version: int
    sha256: str
    bundle: Mapping[str, Any] = field(repr=False)
    catalog: Catalog | None = None
    ca_keys: tuple[CaPublicKey, ...] | None = None
    ca_revocations: frozenset[str] | None = None
    #: PAN tokens of cards to decline (the kernel's exception file).
    blocklist: frozenset[str] | None = None

    def section(self, name: str) -> dict[str, Any]:
        """A section carried for other modes (``market``, ``parking``, ``settings``): a
        plain dict, empty when the bundle has none."""
        value = self.bundle.get(name)
        return dict(value) if isinstance(value, Mapping) else {}

    def summary(self) -> dict[str, Any]:
        """What ``kiosk params show`` prints."""
        out: dict[str, Any] = {"version": self.version, "sha256": self.sha256}
        out["issued_at"] = self.bundle.get("issued_at")
        if self.catalog is not None:
            out["catalog"] = {p.code: p.price_fen for p in self.catalog.products}
            out["card_discounts"] = len(self.catalog.discounts)
        if self.ca_keys is not None:
            out["ca_keys"] = [k.name for k in self.ca_keys]
        for name in ("ca_revocations", "blocklist"):
            value = getattr(self, name)
            if value is not None:
                out[name] = len(value)
        for name in ("market", "parking", "settings"):
            if name in self.bundle:
                out[name] = self.section(name)
        return out


def _invalid(why: str) -> BundleError:
    return BundleError(f"the bundle is not usable: {why}", code="sync.bundle_invalid")


def _catalog(bundle: Mapping[str, Any]) -> Catalog | None:
    if "catalog" not in bundle and "card_discounts" not in bundle:
        return None
    data = bundle.get("catalog")
    if not isinstance(data, Mapping):
        raise _invalid("card_discounts without a catalog")
    data = dict(data)
    if "card_discounts" in bundle:
        data["discount"] = bundle["card_discounts"]
    return parse_catalog(data)


def _ca_key(entry: Any) -> CaPublicKey:
    """``{"rid", "index", "modulus", "exponent", "expiry"}`` in hex (expiry YYYYMMDD or
    null); the bundle's signature vouches for it, so there is no per-key checksum."""
    if not isinstance(entry, Mapping):
        raise _invalid("a CA key is not an object")
    try:
        rid = bytes.fromhex(entry["rid"])
        index = bytes.fromhex(entry["index"])
        modulus = int(entry["modulus"], 16)
        exponent = int(entry["exponent"], 16)
        expiry = entry.get("expiry")
        when = None if expiry is None else dt.datetime.strptime(expiry, "%Y%m%d").date()
    except (KeyError, TypeError, ValueError) as exc:
        raise _invalid(f"CA key {entry.get('rid')}/{entry.get('index')}: {exc}") from None
    if len(rid) != 5 or len(index) != 1 or modulus <= 0 or exponent not in (3, 0x10001):
        raise _invalid(f"CA key {entry.get('rid')}/{entry.get('index')}: outside EMV")
    return CaPublicKey(rid, index[0], modulus, exponent, when, is_test=False)


def _strings(bundle: Mapping[str, Any], name: str) -> list[str] | None:
    if name not in bundle:
        return None
    value = bundle[name]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _invalid(f"{name} is not a list of strings")
    return value


def read_params(bundle: Mapping[str, Any], body: bytes) -> Params:
    """The sections of a verified bundle; BundleError ``sync.bundle_invalid`` when one
    cannot be used (nothing of it is then applied)."""
    try:
        catalog = _catalog(bundle)
        keys = bundle.get("ca_keys")
        if keys is not None and not isinstance(keys, list):
            raise _invalid("ca_keys is not a list")
        revocations = _strings(bundle, "ca_revocations")
        blocklist = _strings(bundle, "blocklist")
        for name in ("market", "parking", "settings"):
            if name in bundle and not isinstance(bundle[name], Mapping):
                raise _invalid(f"{name} is not an object")
        return Params(
            version=int(bundle["version"]),
            sha256=hashlib.sha256(body).hexdigest(),
            bundle=bundle,
            catalog=catalog,
            ca_keys=None if keys is None else tuple(_ca_key(k) for k in keys),
            ca_revocations=None
            if revocations is None
            else revocation_entries(revocations, key="ca_revocations"),
            blocklist=None if blocklist is None else frozenset(blocklist),
        )
    except ConfigError as exc:
        raise _invalid(str(exc)) from exc


class ParamsHolder:
    """The parameters in effect and the next ones, swapped whole between sales."""

    def __init__(self, current: Params | None = None) -> None:
        self._lock = threading.Lock()
        self._current, self._next = current, current

    @property
    def version(self) -> int:
        """The newest version received (in effect from the next sale on); 0 for none."""
        with self._lock:
            return 0 if self._next is None else self._next.version

    def stage(self, params: Params) -> None:
        with self._lock:
            self._next = params

    def for_sale(self) -> Params | None:
        """The parameters for the sale starting now: the newest received."""
        with self._lock:
            self._current = self._next
            return self._current

    @property
    def current(self) -> Params | None:
        """The parameters the last sale started with (``kiosk params show``, status)."""
        with self._lock:
            return self._current


def load_saved(directory: Path, hub_key: bytes, terminal_id: str) -> Params | None:
    """The bundle kept under ``directory``, verified again with the pinned key; None when
    there is none or it does not verify (then the local configuration is in effect)."""
    body_path, sig_path = directory / BUNDLE_FILE, directory / SIGNATURE_FILE
    if not body_path.exists() or not sig_path.exists():
        return None
    try:
        body = body_path.read_bytes()[: MAX_BUNDLE_BYTES + 1]
        signature = sig_path.read_text(encoding="ascii").strip()
        version = json.loads(body).get("version")
        bundle, body = open_bundle(
            hub_key, {"version": version, "body": b64(body), "signature": signature}
        )
        if not bundle_names(bundle, terminal_id) or len(body) > MAX_BUNDLE_BYTES:
            raise _invalid("not for this terminal, or too large")
        return read_params(bundle, body)
    except (OSError, ValueError, AttributeError, BundleError) as exc:
        log.warning("kept parameter bundle not used: %s", exc)
        return None


@dataclass
class ParamsPoller:
    """Fetches the newest bundle for this terminal and stages it (see the module doc)."""

    client: HubClient
    hub_key: bytes
    store: JournalStore
    state: SyncStateStore
    holder: ParamsHolder
    directory: Path
    #: The last version refused: not journalled again at every poll.
    rejected: int = field(default=0, init=False)

    def poll(self) -> Params | None:
        """The bundle staged now, or None (nothing newer, or refused and journalled)."""
        answer = self.client.bundle_after(self.holder.version)
        if answer is None:
            return None
        version = answer.get("version")
        try:
            bundle, body = open_bundle(self.hub_key, answer)
            if not bundle_names(bundle, self.store.terminal_id):
                raise BundleError(
                    "the bundle does not name this terminal", code="sync.bundle_other"
                )
            if bundle["version"] <= self.holder.version:
                raise BundleError(
                    "the bundle is not newer than the one in effect", code="sync.bundle_old"
                )
            params = read_params(bundle, body)
        except BundleError as exc:
            if version != self.rejected:
                self.rejected = version if isinstance(version, int) else -1
                self.store.record(
                    "params.rejected",
                    {
                        "version": version if isinstance(version, int) else None,
                        "reason": exc.code,
                        "detail": str(exc)[:200],
                    },
                    actor="sync",
                )
            log.warning("parameter bundle refused: %s", exc)
            return None
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        replace_file(self.directory / SIGNATURE_FILE, str(answer["signature"]).encode())
        replace_file(self.directory / BUNDLE_FILE, body)
        self.store.record(
            "params.applied", {"version": params.version, "sha256": params.sha256}, actor="sync"
        )
        self.state.set_params_version(params.version)
        self.holder.stage(params)
        return params


__all__ = [
    "Params",
    "ParamsHolder",
    "ParamsPoller",
    "load_saved",
    "read_params",
]
