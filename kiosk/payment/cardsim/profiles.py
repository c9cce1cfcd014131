"""The catalogue of card profiles and the factory the reader layer and ``card-sim`` use.

Interface shared with the reader/``card-sim`` side (keep it stable):
:func:`list_profiles` and :func:`load_card`.
"""

from __future__ import annotations

import functools
import json
import pathlib
from dataclasses import dataclass

from kiosk.errors import ConfigError
from kiosk.payment.cardsim.base import VirtualCard
from kiosk.payment.cardsim.card import PbocCard
from kiosk.payment.cardsim.personalise import Personalised, personalise
from kiosk.payment.cardsim.profile import PROFILES_DIR, load_profile
from kiosk.payment.cardsim.state import CardState, StateStore

__all__ = ["ProfileInfo", "list_profiles", "load_card"]


@dataclass(frozen=True, slots=True)
class ProfileInfo:
    """A profile's name (its file name) and one-line description."""

    name: str
    description: str


def list_profiles() -> list[ProfileInfo]:
    """Every profile under ``assets/cards/``, sorted by name."""
    out = []
    for path in PROFILES_DIR.glob("*.json"):
        try:
            description = str(json.loads(path.read_text(encoding="utf-8"))["description"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(
                f"card profile {path.name} has no readable description",
                code="cardsim.bad_profile",
                profile=path.stem,
            ) from exc
        out.append(ProfileInfo(path.stem, description))
    return sorted(out, key=lambda info: info.name)


@functools.lru_cache(maxsize=32)
def _image(name: str) -> Personalised:
    # Personalisation signs certificates; do it once per profile and process.
    return personalise(load_profile(name))


def load_card(name: str, *, state_dir: pathlib.Path | None = None) -> VirtualCard:
    """A fresh card personalised from profile ``name``.

    With ``state_dir`` its ATC, EC balance, PIN tries and log persist in
    ``state_dir/<name>.json`` across loads; without, every load starts from the profile.
    Raises ConfigError ``cardsim.unknown_profile`` for an unknown name and
    ``cardsim.bad_profile`` for a broken file.
    """
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ConfigError(f"no card profile named {name!r}", code="cardsim.unknown_profile")
    image = _image(name)
    p = image.profile
    initial = CardState(
        atc=p.atc, ec_balance=p.ec.balance if p.ec else 0, pin_tries=p.pin_try_limit
    )
    path = None if state_dir is None else pathlib.Path(state_dir) / f"{name}.json"
    return PbocCard(image, StateStore(path, initial))
