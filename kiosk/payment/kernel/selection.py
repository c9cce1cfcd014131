"""Application selection (EMV 4.3 Book 1 §12; PBOC JR/T 0025.12 PPSE for contactless).

Build the candidate list — from the PSE directory (contact, ``1PAY.SYS.DDF01``), from the
PPSE FCI (contactless, ``2PAY.SYS.DDF01``), or by the list of AIDs with partial selection
(contact fallback) — then choose the highest priority candidate and SELECT it. The kernel
never asks the cardholder: an unattended terminal leaves out applications that need
confirmation (87 b8), an attended one keeps them in priority order (Book 1 §12.4).
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.payment import tlv
from kiosk.payment.errors import CardError
from kiosk.payment.kernel.context import Termination, TransactionContext
from kiosk.payment.kernel.types import AidEntry, Outcome
from kiosk.payment.procedures import (
    DirectoryEntry,
    decode_template,
    directory_entries,
    read_directory,
)
from kiosk.payment.reader import Interface
from kiosk.payment.tags import Tag

__all__ = ["Candidate", "build_candidate_list", "select_application"]

PSE = b"1PAY.SYS.DDF01"
PPSE = b"2PAY.SYS.DDF01"
SW_CARD_BLOCKED = 0x6A81  # Book 1 §12.3.2 / §12.3.3: card blocked or SELECT not supported
SW_APP_BLOCKED = 0x6283  # Book 1 §12.3.3: selected file invalidated (application blocked)
#: Partial selection loops at most this often per terminal AID (a card answering the same
#: AID forever must not hold the terminal).
MAX_OCCURRENCES = 16


@dataclass(frozen=True)
class Candidate:
    """An application both card and terminal support."""

    entry: DirectoryEntry
    terminal: AidEntry


def _matching_terminal_aid(aid: bytes, aids: tuple[AidEntry, ...]) -> AidEntry | None:
    """Book 1 §12.3.1: exact match, or the card's AID extends a terminal AID that allows
    partial selection."""
    for entry in aids:
        terminal = bytes.fromhex(entry.aid)
        if aid == terminal or (entry.partial_selection and aid.startswith(terminal)):
            return entry
    return None


def _from_entries(entries: list[DirectoryEntry], ctx: TransactionContext) -> list[Candidate]:
    out = []
    for entry in entries:
        match = _matching_terminal_aid(entry.aid, ctx.config.aids)
        if match is None:
            continue
        if entry.needs_confirmation and not ctx.config.attended:
            continue  # Book 1 §12.4: no cardholder confirmation possible here
        out.append(Candidate(entry, match))
    return out


def _fci_children(data: bytes) -> tlv.TlvList:
    return decode_template(data, Tag.FCI_TEMPLATE, "FCI")


def _directory_method(ctx: TransactionContext) -> list[Candidate] | None:
    """PSE (contact) or PPSE (contactless); None when the card has no usable directory."""
    channel = ctx.channel
    name = PPSE if ctx.interface is Interface.CONTACTLESS else PSE
    response = channel.select(name)
    if response.sw == SW_CARD_BLOCKED:
        raise Termination(Outcome.END_APPLICATION, "card.blocked")
    if not response.ok:
        return None
    try:
        fci = _fci_children(response.data)
        if name == PPSE:
            return _from_entries(directory_entries(fci), ctx)
        sfi = fci.first(Tag.SFI_OF_DIRECTORY)
        if sfi is None or len(sfi) != 1 or not 1 <= sfi[0] <= 10:
            return None
        return _from_entries(read_directory(channel, sfi[0]), ctx)
    except CardError:
        return None  # Book 1 §12.3.2: a faulty directory -> list of AIDs


def _list_of_aids(ctx: TransactionContext) -> list[Candidate]:
    """Book 1 §12.3.3: SELECT each terminal AID, following partial matches (P2 = 02)."""
    channel = ctx.channel
    found: list[Candidate] = []
    for terminal in ctx.config.aids:
        name = bytes.fromhex(terminal.aid)
        next_occurrence = False
        for _ in range(MAX_OCCURRENCES):
            response = channel.select(name, next_occurrence=next_occurrence)
            if response.sw == SW_CARD_BLOCKED and not next_occurrence:
                raise Termination(Outcome.END_APPLICATION, "card.blocked")
            if not response.ok and response.sw != SW_APP_BLOCKED:
                break
            try:
                fci = _fci_children(response.data)
            except CardError:
                break
            df_name = fci.first(Tag.DF_NAME) or b""
            partial = terminal.partial_selection and df_name.startswith(name)
            if response.ok and (df_name == name or partial) and _new(df_name, found):
                found.append(Candidate(_entry_from_fci(df_name, fci), terminal))
            if df_name == name or not terminal.partial_selection:
                break
            next_occurrence = True
    return [c for c in found if not (c.entry.needs_confirmation and not ctx.config.attended)]


def _new(aid: bytes, found: list[Candidate]) -> bool:
    return all(c.entry.aid != aid for c in found)


def _entry_from_fci(df_name: bytes, fci: tlv.TlvList) -> DirectoryEntry:
    label = (fci.first(Tag.APPLICATION_LABEL) or b"").decode("ascii", "replace")
    priority = fci.first(Tag.APPLICATION_PRIORITY) or b"\x00"
    return DirectoryEntry(df_name, label, priority[0], fci.first(Tag.PREFERRED_NAME) or b"")


def build_candidate_list(ctx: TransactionContext) -> list[Candidate]:
    """The candidates in the order they are tried (Book 1 §12.3, §12.4).

    Contact: PSE first, the list of AIDs when the PSE is absent or gives nothing.
    Contactless: the PPSE only (JR/T 0025.12); no PPSE ends the transaction.
    Raises ``Termination`` ``card.blocked`` on 6A81 to the first SELECT.
    """
    candidates = _directory_method(ctx)
    if not candidates and ctx.interface is Interface.CONTACT:
        candidates = _list_of_aids(ctx)
    return sorted(candidates or [], key=lambda c: c.entry.rank)


def select_application(ctx: TransactionContext, candidates: list[Candidate]) -> list[Candidate]:
    """Final selection (Book 1 §12.4): SELECT the first candidate that answers with a
    valid FCI; fills ``ctx.card`` (AID, label, FCI tags). Returns the candidates left to
    try after it (GPO 6985 goes back here, Book 3 §10.1).

    Raises ``Termination`` ``card.no_application`` when none is left.
    """
    remaining = list(candidates)
    while remaining:
        candidate = remaining.pop(0)
        response = ctx.channel.select(candidate.entry.aid)
        if not response.ok:
            continue  # 6283 (blocked) or any other refusal: next candidate
        try:
            fci = _fci_children(response.data)
        except CardError:
            continue
        df_name = fci.first(Tag.DF_NAME)
        if df_name is None or fci.find(Tag.FCI_PROPRIETARY) is None:
            continue  # Book 1 §12.4: FCI without 84/A5 is not a selectable application
        ctx.card.aid = df_name
        ctx.card.fci = fci.to_dict()
        ctx.card.label = candidate.entry.label or (fci.first(Tag.APPLICATION_LABEL) or b"").decode(
            "ascii", "replace"
        )
        ctx.card.terminal_aid = candidate.terminal
        return remaining
    raise Termination(Outcome.END_APPLICATION, "card.no_application")
