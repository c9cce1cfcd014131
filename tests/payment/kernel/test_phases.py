"""The decision phases one at a time, table-driven: processing restrictions, CVM,
terminal risk management and terminal action analysis (EMV 4.3 Book 3 §10.4-§10.7)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest

from kiosk.payment.cardsim.scripted import ScriptedCard
from kiosk.payment.host.base import AuthorizationRequest, AuthorizationResponse
from kiosk.payment.kernel import AidEntry, TerminalConfig, TransactionParams
from kiosk.payment.kernel.action import AcType, terminal_action_analysis
from kiosk.payment.kernel.context import TransactionContext, Tsi, Tvr
from kiosk.payment.kernel.cvm import cardholder_verification
from kiosk.payment.kernel.online import completion, online_processing
from kiosk.payment.kernel.pan import pan_token
from kiosk.payment.kernel.restrictions import processing_restrictions
from kiosk.payment.kernel.risk import terminal_risk_management
from kiosk.payment.kernel.types import OnlinePolicy
from kiosk.payment.procedures import CardChannel
from kiosk.payment.reader import Interface
from kiosk.payment.reader.sim import SimReader
from tests.payment.kernel.conftest import WHEN, never_random

PAN = bytes.fromhex("6212340000000019")
SNA, FLOOR = Tvr.SERVICE_NOT_ALLOWED, Tvr.FLOOR_LIMIT_EXCEEDED
LOW, UP = Tvr.LOWER_OFFLINE_LIMIT_EXCEEDED, Tvr.UPPER_OFFLINE_LIMIT_EXCEEDED
NO_PAD = Tvr.CVM_NOT_SUCCESSFUL | Tvr.PIN_PAD_NOT_PRESENT
AUTO = OnlinePolicy.AUTO


def make_ctx(
    values: dict[int, str],
    *,
    card: ScriptedCard | None = None,
    config: TerminalConfig | None = None,
    amount: int = 1000,
    aip: str = "7C00",
    rng: Callable[[int], bytes] = never_random,
    **params: object,
) -> TransactionContext:
    """A context as after reading records: ``values`` tag -> hex, a scripted card behind."""
    reader = SimReader(card or ScriptedCard([]))
    reader.wait_for_card(1)
    ctx = TransactionContext(
        config or TerminalConfig(),
        TransactionParams(amount_fen=amount, when=WHEN, **params),  # type: ignore[arg-type]
        Interface.CONTACT,
        CardChannel(reader),
        rng,
    )
    ctx.card.values = {0x5A: PAN} | {tag: bytes.fromhex(v) for tag, v in values.items()}
    ctx.card.aip = bytes.fromhex(aip)
    ctx.card.terminal_aid = ctx.config.aids[0]
    ctx.online_capable = True
    return ctx


# --- processing restrictions ------------------------------------------------------------

GOOD_DATES = {0x5F25: "240101", 0x5F24: "301231"}
RESTRICTIONS = [
    ("all-fine", GOOD_DATES | {0x9F08: "0030", 0x9F07: "FF00", 0x5F28: "0156"}, Tvr(0)),
    ("version-mismatch", GOOD_DATES | {0x9F08: "0020"}, Tvr.VERSION_MISMATCH),
    ("expired", {0x5F24: "261126"}, Tvr.EXPIRED),
    ("expires-today-is-valid", {0x5F24: "261127"}, Tvr(0)),
    ("not-yet-effective", {0x5F25: "261128", 0x5F24: "301231"}, Tvr.NOT_YET_EFFECTIVE),
    ("bad-expiry-bcd", {0x5F24: "30AB31"}, Tvr.EXPIRED),
    ("atm-only", GOOD_DATES | {0x9F07: "0200"}, Tvr.SERVICE_NOT_ALLOWED),
    ("international-no-goods", GOOD_DATES | {0x9F07: "C301", 0x5F28: "0840"}, SNA),
    ("international-goods", GOOD_DATES | {0x9F07: "1100", 0x5F28: "0840"}, Tvr(0)),
    ("domestic-services-only", GOOD_DATES | {0x9F07: "0900", 0x5F28: "0156"}, Tvr(0)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("values", "tvr"), [r[1:] for r in RESTRICTIONS], ids=[r[0] for r in RESTRICTIONS]
)
def test_processing_restrictions(values: dict[int, str], tvr: Tvr) -> None:
    """Version, usage control and dates set exactly the expected TVR bits."""
    ctx = make_ctx(values)
    processing_restrictions(ctx)
    assert ctx.terminal.tvr == tvr


# --- cardholder verification -------------------------------------------------------------

XY = "0000000000000000"
CVM = [
    # id, CVM list (after X Y), attended, expected 9F34, expected TVR
    ("no-cvm", "1F00", False, "1F0002", Tvr(0)),
    ("skip-signature-unattended", "5E031F00", False, "1F0002", Tvr(0)),
    ("signature-attended", "5E031F00", True, "5E0300", Tvr(0)),
    ("online-pin-if-supported-skipped", "42031F00", False, "1F0002", Tvr(0)),
    ("online-pin-always-no-pad", "0200", False, "020001", NO_PAD),
    ("online-pin-then-no-cvm", "42001F00", False, "1F0002", Tvr.PIN_PAD_NOT_PRESENT),
    ("fail-cvm", "0000", False, "000001", Tvr.CVM_NOT_SUCCESSFUL),
    ("unrecognised", "2A00", False, "2A0001", Tvr.CVM_NOT_SUCCESSFUL | Tvr.UNRECOGNISED_CVM),
    ("no-rule-applies", "1F05", False, "3F0001", Tvr.CVM_NOT_SUCCESSFUL),
]  # fmt: skip


@pytest.mark.parametrize(
    ("rules", "attended", "results", "tvr"), [c[1:] for c in CVM], ids=[c[0] for c in CVM]
)
def test_cvm_list(rules: str, attended: bool, results: str, tvr: Tvr) -> None:
    """CVM list processing gives the expected CVM results and TVR bits."""
    ctx = make_ctx({0x8E: XY + rules}, config=TerminalConfig(attended=attended))
    cardholder_verification(ctx)
    assert (ctx.terminal.cvm_results.hex().upper(), ctx.terminal.tvr) == (results, tvr)
    assert Tsi.CVM_PERFORMED in ctx.terminal.tsi


@pytest.mark.parametrize(
    ("amount", "results"),
    [(999, "5F0602"), (1000, "1E0300"), (1001, "1E0300")],
    ids=["under-x", "at-x", "over-x"],
)
def test_cvm_amount_condition(amount: int, results: str) -> None:
    """Condition 06 (under X, in the application currency): no CVM below ¥10.00."""
    rules = "000003E800000000" + "5F06" + "1E03"
    ctx = make_ctx(
        {0x8E: rules, 0x9F42: "0156"}, amount=amount, config=TerminalConfig(attended=True)
    )
    cardholder_verification(ctx)
    assert ctx.terminal.cvm_results.hex().upper() == results


def test_cvm_missing_list_and_not_supported() -> None:
    """No 8E: 'ICC data missing'; AIP without CVM support: nothing is done."""
    ctx = make_ctx({})
    cardholder_verification(ctx)
    assert Tvr.ICC_DATA_MISSING in ctx.terminal.tvr
    ctx = make_ctx({0x8E: XY + "1F00"}, aip="6C00")
    cardholder_verification(ctx)
    assert (ctx.terminal.cvm_results, ctx.terminal.tsi) == (b"\x3f\x00\x00", Tsi(0))


# --- terminal risk management --------------------------------------------------------------


def _get_data(tag: str, value: str | None) -> tuple[str, str]:
    command = f"80CA{tag}00"
    return (command, f"{tag}02{value}9000" if value is not None else "6A88")


VELOCITY = [
    # id, ATC, last online ATC, 9F14, 9F23, TVR
    ("within-limits", "0005", "0003", "05", "0A", Tvr(0)),
    ("lower-exceeded", "0009", "0003", "05", "0A", Tvr.LOWER_OFFLINE_LIMIT_EXCEEDED),
    ("both-exceeded", "0020", "0003", "05", "0A", LOW | UP),
    ("new-card", "0001", "0000", "05", "0A", Tvr.NEW_CARD),
    ("no-last-online-atc", "0005", None, "05", "0A", LOW | UP),
    ("atc-equals-last-online", "0003", "0003", "05", "0A", LOW | UP),  # Book 3 §10.6.3: ≤
    ("atc-below-last-online", "0002", "0003", "05", "0A", LOW | UP),
]  # fmt: skip


@pytest.mark.parametrize(
    ("atc", "last", "lower", "upper", "tvr"),
    [v[1:] for v in VELOCITY],
    ids=[v[0] for v in VELOCITY],
)
def test_velocity(atc: str, last: str | None, lower: str, upper: str, tvr: Tvr) -> None:
    """Velocity checking reads 9F36 and 9F13 with GET DATA and compares with 9F14/9F23."""
    card = ScriptedCard([_get_data("9F36", atc), _get_data("9F13", last)])
    ctx = make_ctx({0x9F14: lower, 0x9F23: upper}, card=card)
    terminal_risk_management(ctx)
    assert ctx.terminal.tvr == tvr
    assert Tsi.TERMINAL_RISK_MANAGEMENT_PERFORMED in ctx.terminal.tsi
    card.assert_done()


@pytest.mark.parametrize(
    ("amount", "draw", "selected"),
    [(1000, 20, True), (1000, 21, False), (35000, 35, True), (35000, 36, False), (50000, 1, False)],
    ids=["low-amount-hit", "low-amount-miss", "biased-hit", "biased-miss", "over-floor-never"],
)
def test_random_selection(amount: int, draw: int, selected: bool) -> None:
    """Book 3 §10.6.2: 20 % below ¥200, rising to 50 % at the ¥500 floor limit."""
    ctx = make_ctx({}, amount=amount, rng=lambda n: (draw - 1).to_bytes(n, "big"))
    terminal_risk_management(ctx)
    assert (Tvr.RANDOM_ONLINE in ctx.terminal.tvr) is selected
    assert (Tvr.FLOOR_LIMIT_EXCEEDED in ctx.terminal.tvr) is (amount >= 50000)


class History:
    def __init__(self, amounts: dict[str, int]) -> None:
        self.amounts = amounts

    def recent_amount_fen(self, pan_token: str) -> int:
        return self.amounts.get(pan_token, 0)


def test_split_sale_and_exception_file() -> None:
    """Recent approvals of the same card count against the floor limit; a token on the
    exception file sets its TVR bit."""
    token = pan_token(TerminalConfig().pan_token_key, {0x5A: PAN})
    config = TerminalConfig(exception_file=frozenset({token}))
    ctx = make_ctx({}, config=config, amount=30000)
    terminal_risk_management(ctx, History({token: 25000}))
    assert ctx.terminal.tvr == Tvr.CARD_ON_EXCEPTION_FILE | Tvr.FLOOR_LIMIT_EXCEEDED


# --- terminal action analysis ----------------------------------------------------------------

IAC = {0x9F0D: "D8609CA800", 0x9F0E: "0010000000", 0x9F0F: "D8689CF800"}
TAA = [
    # id, TVR, online capable, policy, IACs, expected
    ("clean-offline-tc", Tvr(0), True, OnlinePolicy.AUTO, IAC, AcType.TC),
    ("service-not-allowed-denied", SNA, True, AUTO, IAC, AcType.AAC),
    ("floor-limit-online", Tvr.FLOOR_LIMIT_EXCEEDED, True, OnlinePolicy.AUTO, IAC, AcType.ARQC),
    ("floor-limit-offline-default", FLOOR, False, AUTO, IAC, AcType.AAC),
    ("new-card-offline-ok", Tvr.NEW_CARD, False, OnlinePolicy.AUTO, IAC, AcType.TC),
    ("forced-online", Tvr(0), True, OnlinePolicy.ALWAYS, IAC, AcType.ARQC),
    ("no-iac-online-means-all", Tvr.NEW_CARD, True, OnlinePolicy.AUTO, {}, AcType.ARQC),
    ("no-iac-offline-declines", Tvr.NEW_CARD, False, OnlinePolicy.AUTO, {}, AcType.AAC),
]  # fmt: skip


@pytest.mark.parametrize(
    ("tvr", "capable", "policy", "iac", "expected"), [t[1:] for t in TAA], ids=[t[0] for t in TAA]
)
def test_terminal_action_analysis(
    tvr: Tvr, capable: bool, policy: OnlinePolicy, iac: dict[int, str], expected: AcType
) -> None:
    """TVR against TAC/IAC denial, online and default gives the expected request."""
    ctx = make_ctx(iac, config=TerminalConfig(online=policy))
    ctx.online_capable = capable
    ctx.terminal.tvr = tvr
    assert terminal_action_analysis(ctx) is expected


def test_dates_follow_the_clock_argument() -> None:
    """The same card is valid or expired depending only on the ``when`` passed in."""
    ctx = make_ctx({0x5F24: "261231"})
    ctx.params = dataclasses.replace(ctx.params, when=dt.datetime(2027, 1, 1))
    processing_restrictions(ctx)
    assert ctx.terminal.tvr == Tvr.EXPIRED


@pytest.mark.parametrize(
    ("pending", "exceeded"), [(1_990_000, False), (1_999_001, True)], ids=["under", "over"]
)
def test_offline_ceiling(pending: int, exceeded: bool) -> None:
    """Offline approvals not yet uploaded plus this amount above the ceiling (¥20000.00):
    the terminal treats it as the floor limit exceeded."""
    ctx = make_ctx({}, amount=1000, offline_total_fen=pending)
    terminal_risk_management(ctx)
    assert (Tvr.FLOOR_LIMIT_EXCEEDED in ctx.terminal.tvr) is exceeded


@pytest.mark.parametrize(
    ("tvr", "arc", "p1", "cid"),
    [(Tvr(0), "Y3", "40", "40"), (FLOOR, "Z3", "00", "00")],
    ids=["default-codes-pass-y3", "default-codes-deny-z3"],
)
def test_completion_unable_to_go_online(tvr: Tvr, arc: str, p1: str, cid: str) -> None:
    """No host answer: the default action codes choose TC (Y3) or AAC (Z3) for the second
    GENERATE AC, whose CDOL2 data carries that response code (Book 3 §10.11)."""
    answer = f"800B{cid}0002" + "1122334455667788" + "9000"
    card = ScriptedCard([(f"80AE{p1}0002{arc.encode().hex().upper()}00", answer)])
    ctx = make_ctx({0x8D: "8A02", 0x9F0D: "0000000000", 0x9F0F: "FFFFFFFFFF"}, card=card)
    ctx.config = dataclasses.replace(
        ctx.config, aids=(AidEntry("A000000333010101", tac_default="0000008000"),)
    )
    ctx.card.terminal_aid = ctx.config.aids[0]
    ctx.terminal.tvr = tvr
    final = completion(ctx, None)
    assert (final, ctx.terminal.arc.decode()) == (AcType(int(cid, 16)), arc)
    card.assert_done()


class FixedAnswerHost:
    """A host whose answer is given: approval with issuer authentication data 91."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def authorize(self, request: AuthorizationRequest) -> AuthorizationResponse:
        return AuthorizationResponse("00", self.data)

    def reverse(self, request: AuthorizationRequest, *, reason: str) -> None:
        raise AssertionError("no reversal expected")


ARPC = "1122334455667788" + "3030"
ISSUER_AUTH = [
    # id, CDOL2, the card's script: EXTERNAL AUTHENTICATE (if any) then 2nd GENERATE AC
    ("external-authenticate", "8A02", [("008200000A" + ARPC, "9000"), ("80AE400002303000", None)]),
    ("arpc-in-cdol2", "8A02910A", [("80AE40000C3030" + ARPC + "00", None)]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("cdol2", "script"), [c[1:] for c in ISSUER_AUTH], ids=[c[0] for c in ISSUER_AUTH]
)
def test_issuer_authentication_route(cdol2: str, script: list[tuple[str, str | None]]) -> None:
    """The ARPC goes by EXTERNAL AUTHENTICATE, or inside the CDOL2 data when the card's
    CDOL2 lists 91 (Book 3 §10.9); then the second GENERATE AC asks for a TC."""
    answer = "800B40000211223344556677889000"
    card = ScriptedCard([(c, r or answer) for c, r in script])
    ctx = make_ctx({0x8D: cdol2}, card=card)
    response = online_processing(ctx, FixedAnswerHost(bytes.fromhex(ARPC)))
    assert completion(ctx, response) is AcType.TC
    assert Tsi.ISSUER_AUTHENTICATION_PERFORMED in ctx.terminal.tsi
    assert Tvr.ISSUER_AUTHENTICATION_FAILED not in ctx.terminal.tvr
    card.assert_done()
