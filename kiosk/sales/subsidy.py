"""Subsidy promotions (补贴促销) of a market: money off for paying by card, decided before the
card is asked to approve, with a per-card daily limit and a daily budget. No I/O.

A rule gives a fixed amount or a percentage off a sale of at least ``min_total_fen``,
for cards matching its conditions (paying from electronic cash, a BIN prefix such as a
city's co-branded card). ``per_card_daily`` limits grants per card per day (by the keyed
PAN token, never the PAN); ``daily_budget_fen`` is what the promotion may give away in a
day: a grant never exceeds what is left, and a spent budget stops the rule. One sale
gets at most one subsidy (the largest); they do not stack.

Taps (qPBOC, JR/T 0025.12) and what is known before the card commits. A contactless card
decides in GPO: its answer is already the cryptogram (an offline approval has spent the
electronic cash by then), and the PAN, the BIN and the EC facts are in the records read
after it. A "first tap that only reads the card" is not available either: the records
cannot be read before GPO (it returns the AFL), and a GPO that asked for an online
cryptogram only to read the PAN would spend an ATC and leave an ARQC the issuer never
sees. So a rule applies to a tap only when it depends on nothing but what SELECT gives:
the AID (``aids``), with no BIN, no e-cash condition and no per-card daily limit (a limit
cannot be counted without the PAN token). A card-specific promotion needs the card
inserted: the contact kernel reads the records before the first GENERATE AC and restarts
with the subsidised amount (:mod:`kiosk.payment.kernel.reprice`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from kiosk.errors import ConfigError
from kiosk.money import MoneyError, check_fen, percent_of
from kiosk.sales.order import OrderDraft
from kiosk.sales.tickets import CardFacts

__all__ = [
    "SubsidyGrant",
    "SubsidyKind",
    "SubsidyRule",
    "budget_left",
    "decide",
    "parse_subsidies",
    "subsidised",
]


class SubsidyKind(enum.StrEnum):
    FIXED = "fixed"  # value: fen off the sale
    PERCENT = "percent"  # value: basis points, 500 = 5 % off


@dataclass(frozen=True)
class SubsidyRule:
    code: str
    name_zh: str
    name_en: str
    kind: SubsidyKind
    value: int
    min_total_fen: int = 0
    electronic_cash_only: bool = False
    bin_prefixes: tuple[str, ...] = ()
    #: Most grants to one card (PAN token) per day; None: no limit.
    per_card_daily: int | None = None
    #: Most fen granted per day over all cards; None: no budget.
    daily_budget_fen: int | None = None
    #: Most fen off one sale; None: no cap.
    cap_fen: int | None = None
    #: Applications (AIDs, upper-case hex) the rule is for; empty: any.
    aids: tuple[str, ...] = ()

    def matches(self, card: CardFacts) -> bool:
        if self.aids and card.aid.upper() not in self.aids:
            return False
        if self.electronic_cash_only and not card.electronic_cash:
            return False
        if self.bin_prefixes and not any(card.bin.startswith(p) for p in self.bin_prefixes):
            return False
        return self.per_card_daily is None or bool(card.pan_token)


@dataclass(frozen=True)
class SubsidyGrant:
    """A subsidy given today (from the journal): which rule, which card, how much."""

    rule: str
    pan_token: str
    fen: int


def budget_left(rule: SubsidyRule, granted: Iterable[SubsidyGrant]) -> int | None:
    """Fen the rule may still give today (never below zero); None: no budget."""
    if rule.daily_budget_fen is None:
        return None
    spent = sum(g.fen for g in granted if g.rule == rule.code)
    return max(rule.daily_budget_fen - spent, 0)


def _offer(
    rule: SubsidyRule, draft: OrderDraft, card: CardFacts, granted: Sequence[SubsidyGrant]
) -> int:
    total = draft.total_fen
    if total < max(rule.min_total_fen, 2) or not rule.matches(card):
        return 0
    if rule.per_card_daily is not None:
        used = sum(1 for g in granted if g.rule == rule.code and g.pan_token == card.pan_token)
        if used >= rule.per_card_daily:
            return 0
    off = rule.value if rule.kind is SubsidyKind.FIXED else percent_of(total, rule.value)
    if rule.cap_fen is not None:
        off = min(off, rule.cap_fen)
    left = budget_left(rule, granted)
    if left is not None:
        off = min(off, left)
    # A card is never asked for nothing (the kernel takes only 1 .. amount - 1).
    return max(min(off, total - 1), 0)


def decide(
    rules: Sequence[SubsidyRule],
    draft: OrderDraft,
    card: CardFacts,
    granted: Sequence[SubsidyGrant],
) -> tuple[SubsidyRule, int] | None:
    """The rule giving ``draft`` the largest subsidy for ``card`` today and that amount;
    None when none applies or the sale already has one (never twice for one sale)."""
    if draft.discount_fen or "discount" in draft.meta:
        return None
    offers = [(rule, _offer(rule, draft, card, granted)) for rule in rules]
    offers = [(rule, fen) for rule, fen in offers if fen > 0]
    return max(offers, key=lambda o: o[1]) if offers else None


def subsidised(draft: OrderDraft, rule: SubsidyRule, fen: int, pan_token: str) -> OrderDraft:
    """``draft`` with the subsidy applied, recorded in its meta for the journal and receipt
    (the PAN token lets the day's grants be counted per card)."""
    meta = dict(
        draft.meta,
        discount={
            "code": rule.code,
            "name_zh": rule.name_zh,
            "name_en": rule.name_en,
            "saving_fen": fen,
            "subsidy": True,
            "pan_token": pan_token,
        },
    )
    return OrderDraft(draft.mode, draft.lines, discount_fen=fen, meta=meta)


# -- loading ---------------------------------------------------------------------------------


def parse_subsidies(raw: Any) -> tuple[SubsidyRule, ...]:
    """The ``"subsidies"`` list of a market bundle -> rules; ConfigError names a bad entry."""
    if not isinstance(raw, list):
        raise ConfigError("market: subsidies must be a list", code="config.type", key="subsidies")
    rules = tuple(_rule(entry, f"subsidies[{i}]") for i, entry in enumerate(raw))
    if len({r.code for r in rules}) != len(rules):
        raise ConfigError("two subsidies share a code", code="config.value", key="subsidies")
    return rules


def _rule(entry: Any, where: str) -> SubsidyRule:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: must be an object", code="config.type", key=where)

    def bad(key: str, why: str) -> ConfigError:
        return ConfigError(f"{where}.{key}: {why}", code="config.value", key=f"{where}.{key}")

    def amount(key: str, *, optional: bool = True) -> int | None:
        value: Any = entry.get(key)
        if value is None and optional:
            return None
        try:
            return check_fen(value, allow_zero=key == "min_total_fen")
        except MoneyError as exc:
            raise bad(key, str(exc)) from exc

    texts = {}
    for key in ("code", "name_zh", "name_en"):
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip():
            raise bad(key, "expected text")
        texts[key] = value.strip()
    try:
        kind = SubsidyKind(str(entry.get("kind")))
    except ValueError as exc:
        raise bad("kind", "fixed or percent") from exc
    value = amount("value", optional=False)
    assert value is not None
    if kind is SubsidyKind.PERCENT and value > 10_000:
        raise bad("value", "at most 10000 basis points")
    limit = entry.get("per_card_daily")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise bad("per_card_daily", "a whole number of at least 1")
    prefixes = entry.get("bin_prefixes", [])
    if not isinstance(prefixes, list) or not all(
        isinstance(p, str) and p.isdigit() for p in prefixes
    ):
        raise bad("bin_prefixes", "a list of digit strings")
    aids = entry.get("aids", [])
    if not isinstance(aids, list) or not all(
        isinstance(a, str) and len(a) in range(10, 33, 2) and _is_hex(a) for a in aids
    ):
        raise bad("aids", "a list of AIDs in hex (5-16 bytes)")
    ec_only = entry.get("electronic_cash_only", False)
    if not isinstance(ec_only, bool):
        raise bad("electronic_cash_only", "true or false")
    return SubsidyRule(
        texts["code"],
        texts["name_zh"],
        texts["name_en"],
        kind,
        value,
        min_total_fen=amount("min_total_fen") or 0,
        electronic_cash_only=ec_only,
        bin_prefixes=tuple(prefixes),
        per_card_daily=limit,
        daily_budget_fen=amount("daily_budget_fen"),
        cap_fen=amount("cap_fen"),
        aids=tuple(a.upper() for a in aids),
    )


def _is_hex(text: str) -> bool:
    try:
        bytes.fromhex(text)
    except ValueError:
        return False
    return True
