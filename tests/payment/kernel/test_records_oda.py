"""Reading records and authenticating them: duplicates, templates, revocation, inputs the
operator or caller got wrong."""

from __future__ import annotations

import pytest

from kiosk.errors import ConfigError, UsageError
from kiosk.payment.capk import CaKeyStore
from kiosk.payment.cardsim.keys import load_issuer
from kiosk.payment.cardsim.profiles import load_card
from kiosk.payment.cardsim.scripted import ScriptedCard
from kiosk.payment.kernel import (
    AidEntry,
    Outcome,
    TerminalConfig,
    TransactionParams,
    run_transaction,
)
from kiosk.payment.kernel.context import Tvr
from kiosk.payment.procedures import CardChannel, RecordSet, read_afl_records
from kiosk.payment.reader.sim import SimReader
from tests.payment.kernel.cards import Rewriting, patch
from tests.payment.kernel.conftest import WHEN, transact


def test_duplicate_tag_in_records_ends(capk: CaKeyStore) -> None:
    """A primitive tag met twice in the records ends the transaction (Book 3 §10.2)."""
    card = Rewriting(load_card("debit-ec"), [patch("00B2020C", "9F42020156", "5F30020156")])
    result, _ = transact(card, capk)
    assert (result.outcome, result.reason, result.committed) == (
        Outcome.END_APPLICATION,
        "card.duplicate_data",
        False,
    )


def test_record_that_is_not_a_70_template_ends(capk: CaKeyStore) -> None:
    """SFI 1-10 records must be 70 templates."""

    def retag(apdu: bytes, answer: bytes) -> bytes | None:
        return b"\x77" + answer[1:] if apdu.startswith(bytes.fromhex("00B20214")) else None

    result, _ = transact(Rewriting(load_card("debit-ec"), [retag]), capk)
    assert (result.outcome, result.reason) == (Outcome.END_APPLICATION, "card.record")


def test_revoked_issuer_certificate_fails_dda(capk: CaKeyStore) -> None:
    """An issuer certificate on the revocation list fails ODA ('DDA failed')."""
    serial = load_issuer().certificate_serial.hex().upper()
    config = TerminalConfig(revocation_list=frozenset({f"A000000333/F7/{serial}"}))
    result, _ = transact(load_card("debit-ec"), capk, config=config)
    assert result.oda.failure == "issuer_certificate:revoked"
    assert Tvr.DDA_FAILED in Tvr.from_hex(result.tvr)


def test_production_store_refuses_the_test_ca(capk: CaKeyStore) -> None:
    """With production keys only, the simulator's test CA is refused: DDA fails, nothing
    crashes, and the reason names the CA key."""
    production = CaKeyStore.load(allow_test_keys=False)
    result, _ = transact(load_card("debit-ec"), production)
    assert result.oda.failure == "ca_key:capk.test_key_refused"


def test_no_ca_key_store_is_a_config_error() -> None:
    """No CA key store is the operator's error, raised before any APDU."""
    reader = SimReader(load_card("debit-ec"))
    presence = reader.wait_for_card(1)
    with pytest.raises(ConfigError) as info:
        run_transaction(reader, presence, TransactionParams(1, WHEN), TerminalConfig(), capk=None)
    assert info.value.code == "config.capk_missing"
    assert reader.trace.entries == []


def test_unpredictable_number_must_be_four_bytes(capk: CaKeyStore) -> None:
    """A caller passing a 3-byte 9F37 gets a UsageError, not a strange card answer."""
    reader = SimReader(load_card("debit-ec"))
    presence = reader.wait_for_card(1)
    params = TransactionParams(1, WHEN, unpredictable_number=b"\x01\x02\x03")
    with pytest.raises(UsageError):
        run_transaction(reader, presence, params, TerminalConfig(), capk=capk)


@pytest.mark.parametrize(
    ("config", "code"),
    [
        (TerminalConfig(country_code="01X6"), "config.terminal"),
        (TerminalConfig(terminal_capabilities="E008"), "config.terminal"),
        (TerminalConfig(ttq=""), "config.terminal"),
        (TerminalConfig(aids=()), "config.terminal"),
        (TerminalConfig(aids=(AidEntry("A000000333010101", tac_online="D84004F8"),)), "config.tac"),
        (TerminalConfig(aids=(AidEntry("A0000003"),)), "config.terminal"),
    ],
    ids=["country", "capabilities", "ttq", "no-aids", "tac", "short-aid"],
)
def test_bad_terminal_config(config: TerminalConfig, code: str, capk: CaKeyStore) -> None:
    """A malformed configuration value is a ConfigError naming it, before any APDU."""
    reader = SimReader(load_card("debit-ec"))
    presence = reader.wait_for_card(1)
    with pytest.raises(ConfigError) as info:
        run_transaction(reader, presence, TransactionParams(1, WHEN), config, capk=capk)
    assert info.value.code == code
    assert reader.trace.entries == []


def _records(afl: str, answers: dict[str, str]) -> tuple[RecordSet, ScriptedCard]:
    """read_afl_records over a scripted card: ``answers`` READ RECORD P1P2 -> answer hex."""
    card = ScriptedCard([(f"00B2{p1p2}00", answer + "9000") for p1p2, answer in answers.items()])
    reader = SimReader(card)
    reader.wait_for_card(1)
    return read_afl_records(CardChannel(reader), bytes.fromhex(afl)), card


def test_proprietary_record_in_sfi_11_to_30_is_not_parsed() -> None:
    """A non-TLV record of SFI 11 (issuer-proprietary, outside EMV) is read and left alone;
    it used to end the transaction as malformed TLV (Book 3 §10.2)."""
    records, card = _records(
        "08010100" "58010100",
        {"010C": "70035A0162", "015C": "DEADBEEF0102"},
    )  # fmt: skip
    card.assert_done()
    assert records.objects == [(0x5A, b"\x62")]
    assert (records.oda_data, records.oda_invalid) == (b"", False)


def test_oda_record_in_sfi_11_to_30_goes_in_whole() -> None:
    """An SFI 11-30 record marked for ODA enters the static data with its 70 tag and length;
    one that is not a 70 template (here not even TLV) makes ODA fail, not the transaction."""
    records, _ = _records("58010101", {"015C": "70035A0162"})
    assert (records.oda_data, records.oda_invalid) == (bytes.fromhex("70035A0162"), False)
    assert records.objects == [(0x5A, b"\x62")]
    records, _ = _records("58010101", {"015C": "DEADBEEF"})
    assert (records.oda_data, records.oda_invalid) == (bytes.fromhex("DEADBEEF"), True)
