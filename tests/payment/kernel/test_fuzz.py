"""Fuzz: one card response mutated (truncated, wrong tag, wrong length, a value cut short,
bad status word, random byte) at any point of a transaction — the kernel returns a
result, never raises."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.payment import tlv
from kiosk.payment.capk import CaKeyStore
from kiosk.payment.cardsim.profiles import load_card
from kiosk.payment.errors import TlvError
from kiosk.payment.kernel import Outcome, TransactionResult
from kiosk.payment.reader import Interface
from tests.payment.kernel.conftest import IssuerHost, transact

Mutation = Callable[[bytes, int, int], bytes]


def _truncate(answer: bytes, pos: int, _: int) -> bytes:
    return answer[: pos % max(len(answer) - 2, 1)] + answer[-2:]


def _wrong_tag(answer: bytes, pos: int, byte: int) -> bytes:
    return bytes([byte]) + answer[1:] if len(answer) > 2 else answer


def _wrong_length(answer: bytes, pos: int, byte: int) -> bytes:
    if len(answer) < 4:
        return answer
    at = 1 + pos % (len(answer) - 3)
    return answer[:at] + bytes([byte]) + answer[at + 1 :]


def _bad_sw(answer: bytes, pos: int, byte: int) -> bytes:
    return answer[:-2] + bytes([0x60 | (byte & 0x0F), pos & 0xFF])


def _flip(answer: bytes, pos: int, byte: int) -> bytes:
    if len(answer) <= 2:
        return answer
    at = pos % (len(answer) - 2)
    return answer[:at] + bytes([answer[at] ^ (byte or 1)]) + answer[at + 1 :]


def _shorten_value(answer: bytes, pos: int, byte: int) -> bytes:
    """Well-formed TLV, but one primitive object's value cut short (down to empty)."""
    try:
        items = tlv.decode(answer[:-2])
    except TlvError:
        return answer
    primitives = [t for t in items.walk() if not t.constructed]
    if not primitives:
        return answer
    target = primitives[pos % len(primitives)]
    short = target.value[: byte % (len(target.value) + 1)]

    def rebuild(level: tlv.TlvList) -> bytes:
        out = b""
        for item in level:
            if item is target:
                out += tlv.encode(item.tag, short)
            elif item.constructed:
                out += tlv.encode(item.tag, rebuild(item.children))
            else:
                out += item.encode()
        return out

    return rebuild(items) + answer[-2:]


MUTATIONS: dict[str, Mutation] = {
    "shorten_value": _shorten_value,
    "truncate": _truncate,
    "wrong_tag": _wrong_tag,
    "wrong_length": _wrong_length,
    "bad_sw": _bad_sw,
    "flip": _flip,
}
PROFILES = {
    "debit-ec": Interface.CONTACT,
    "credit": Interface.CONTACT,
    "qpboc-debit-ec": Interface.CONTACTLESS,
    "multi-app": Interface.CONTACT,
}


@dataclasses.dataclass
class MutatingCard:
    """Passes commands to ``card`` and mutates the ``target``-th answer."""

    card: object
    target: int
    mutation: Mutation
    pos: int
    byte: int
    seen: int = 0

    def power_on(self) -> bytes:
        return self.card.power_on()  # type: ignore[attr-defined, no-any-return]

    def power_off(self) -> None:
        self.card.power_off()  # type: ignore[attr-defined]

    def process(self, apdu: bytes) -> bytes:
        answer: bytes = self.card.process(apdu)  # type: ignore[attr-defined]
        self.seen += 1
        if self.seen == self.target:
            answer = self.mutation(answer, self.pos, self.byte)
        return answer


def _sane(result: TransactionResult) -> None:
    assert isinstance(result.outcome, Outcome)
    approved = result.outcome in (Outcome.APPROVED_OFFLINE, Outcome.APPROVED_ONLINE)
    if approved:
        assert result.committed and len(result.cryptogram) == 16
    if not result.committed:
        assert result.outcome is not Outcome.APPROVED_ONLINE
    assert "6212340000000019" not in repr(result) and "6212340000000027" not in repr(result)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    profile=st.sampled_from(sorted(PROFILES)),
    target=st.integers(min_value=1, max_value=22),
    mutation=st.sampled_from(sorted(MUTATIONS)),
    pos=st.integers(min_value=0, max_value=255),
    byte=st.integers(min_value=0, max_value=255),
    online=st.booleans(),
)
def test_mutated_card_answers(
    capk: CaKeyStore, *, profile: str, target: int, mutation: str, pos: int, byte: int, online: bool
) -> None:
    """Whatever one answer becomes, the kernel ends with a result (typed reasons only)."""
    card = MutatingCard(load_card(profile), target, MUTATIONS[mutation], pos, byte)
    result, _ = transact(
        card,  # type: ignore[arg-type]
        capk,
        interface=PROFILES[profile],
        host=IssuerHost() if online else None,
        force_online=online,
    )
    _sane(result)
    if result.outcome in (Outcome.END_APPLICATION, Outcome.TRY_AGAIN):
        assert result.reason and "." in result.reason
