"""Card wrappers for kernel tests: change what a real simulated card answers, by rule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from kiosk.payment import tlv
from kiosk.payment.cardsim.base import VirtualCard

Rule = Callable[[bytes, bytes], bytes | None]


@dataclass
class Rewriting:
    """A :class:`VirtualCard` passing each command to ``card`` and letting ``rules`` replace
    the answer (a rule returns the new answer, or None to leave it); ``sent`` logs commands,
    ``command`` may change them on the way to the card."""

    card: VirtualCard
    rules: list[Rule]
    sent: list[bytes] = field(default_factory=list)
    #: Changes a command before the card sees it (``sent`` keeps what the kernel sent).
    command: Callable[[bytes], bytes] = bytes

    def power_on(self) -> bytes:
        return self.card.power_on()

    def power_off(self) -> None:
        self.card.power_off()

    def process(self, apdu: bytes) -> bytes:
        self.sent.append(bytes(apdu))
        answer = self.card.process(self.command(bytes(apdu)))
        for rule in self.rules:
            replaced = rule(bytes(apdu), answer)
            if replaced is not None:
                answer = replaced
        return answer


def refuse(prefix: str, sw: str, *, times: int | None = None) -> Rule:
    """Answer ``sw`` to commands starting with ``prefix`` (hex), at most ``times`` times."""
    head, left = bytes.fromhex(prefix), [times]

    def rule(apdu: bytes, answer: bytes) -> bytes | None:
        if not apdu.startswith(head) or left[0] == 0:
            return None
        if left[0] is not None:
            left[0] -= 1
        return bytes.fromhex(sw)

    return rule


def patch(prefix: str, old: str, new: str) -> Rule:
    """Replace bytes ``old`` by ``new`` in answers to commands starting with ``prefix``."""
    head, before, after = bytes.fromhex(prefix), bytes.fromhex(old), bytes.fromhex(new)
    return lambda apdu, answer: answer.replace(before, after) if apdu.startswith(head) else None


def set_value(prefix: str, tag: int, value: bytes) -> Rule:
    """Give ``tag`` the value ``value`` in answers to commands starting with ``prefix``,
    keeping the TLV well formed (templates re-encoded around it)."""
    head = bytes.fromhex(prefix)

    def rebuild(level: tlv.TlvList) -> bytes:
        out = b""
        for item in level:
            if item.tag == tag:
                out += tlv.encode(tag, value)
            elif item.constructed:
                out += tlv.encode(item.tag, rebuild(item.children))
            else:
                out += item.encode()
        return out

    def rule(apdu: bytes, answer: bytes) -> bytes | None:
        if not apdu.startswith(head) or answer[-2:] != b"\x90\x00":
            return None
        return rebuild(tlv.decode(answer[:-2])) + answer[-2:]

    return rule


@dataclass
class ByHeader:
    """Answers each command with the next recorded answer of the same CLA INS: a recording
    replayed whatever the terminal's data (amount, TTQ, date) is."""

    pairs: list[tuple[bytes, bytes]]
    atr: bytes = bytes.fromhex("3B8880010000000000718100F9")
    used: int = 0

    def power_on(self) -> bytes:
        return self.atr

    def power_off(self) -> None:
        pass

    def process(self, apdu: bytes) -> bytes:
        for index in range(self.used, len(self.pairs)):
            command, response = self.pairs[index]
            if command[:2] == apdu[:2]:
                self.used = index + 1
                return response
        return bytes.fromhex("6D00")
