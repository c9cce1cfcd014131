"""The tag dictionary: EMV 4.3 Book 3 Annex A1 plus PBOC 3.0 (JR/T 0025) additions.

Each :class:`Tag` member *is* its int value (``Tag.AMOUNT_AUTHORISED == 0x9F02``), so
it can be passed anywhere a tag is expected, and carries its data format, the template
it lives in and its name. :func:`info` looks up a raw int, known or not.

Formats (Book 3 §4.3): ``n`` BCD right-justified, ``cn`` BCD left-justified padded with
``F``, ``an``/``ans`` ASCII, ``b`` binary. The format drives DOL padding (Book 3 §5.4).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, IntEnum

__all__ = ["Format", "Tag", "TagInfo", "info"]


class Format(Enum):
    """EMV data element formats (Book 3 §4.3)."""

    N = "n"
    CN = "cn"
    AN = "an"
    ANS = "ans"
    B = "b"


_N, _CN, _AN, _ANS, _B = Format.N, Format.CN, Format.AN, Format.ANS, Format.B
#: Where a tag is found: in a record (70), FCI (6F/A5/BF0C), GPO/GENERATE AC response
#: (77/80), a directory entry (61), or on the terminal side (``None``).
_REC, _FCI, _RSP, _DIR, _TERM = 0x70, 0xA5, 0x77, 0x61, None


class Tag(IntEnum):
    """Named EMV/PBOC tags. Each member carries ``fmt``, ``template`` and ``title``."""

    fmt: Format
    template: int | None
    title: str

    def __new__(cls, value: int, fmt: Format, template: int | None, title: str) -> Tag:
        obj = int.__new__(cls, value)
        obj._value_ = value
        obj.fmt = fmt
        obj.template = template
        obj.title = title
        return obj

    # Templates and FCI (Book 1 §11-12)
    FCI_TEMPLATE = (0x6F, _B, None, "File Control Information (FCI) Template")
    FCI_PROPRIETARY = (0xA5, _B, 0x6F, "FCI Proprietary Template")
    FCI_ISSUER_DISCRETIONARY = (0xBF0C, _B, 0xA5, "FCI Issuer Discretionary Data")
    DF_NAME = (0x84, _B, 0x6F, "Dedicated File (DF) Name")
    SFI_OF_DIRECTORY = (0x88, _B, 0xA5, "Short File Identifier (SFI) of the directory EF")
    APPLICATION_TEMPLATE = (0x61, _B, 0x70, "Application Template")
    READ_RECORD_TEMPLATE = (0x70, _B, None, "READ RECORD Response Message Template")
    RESPONSE_FORMAT_1 = (0x80, _B, None, "Response Message Template Format 1")
    RESPONSE_FORMAT_2 = (0x77, _B, None, "Response Message Template Format 2")
    AID = (0x4F, _B, _DIR, "Application Identifier (AID) - card")
    APPLICATION_LABEL = (0x50, _ANS, _DIR, "Application Label")
    APPLICATION_PRIORITY = (0x87, _B, _DIR, "Application Priority Indicator")
    PREFERRED_NAME = (0x9F12, _ANS, _DIR, "Application Preferred Name")
    ISSUER_CODE_TABLE_INDEX = (0x9F11, _N, _FCI, "Issuer Code Table Index")
    LANGUAGE_PREFERENCE = (0x5F2D, _AN, _FCI, "Language Preference")
    PDOL = (0x9F38, _B, _FCI, "Processing Options Data Object List (PDOL)")
    KERNEL_IDENTIFIER = (0x9F2A, _B, _DIR, "Kernel Identifier")
    COMMAND_TEMPLATE = (0x83, _B, None, "Command Template")
    # Application data (records)
    PAN = (0x5A, _CN, _REC, "Application Primary Account Number (PAN)")
    PAN_SEQUENCE_NUMBER = (0x5F34, _N, _REC, "Application PAN Sequence Number")
    TRACK2_EQUIVALENT = (0x57, _B, _REC, "Track 2 Equivalent Data")
    CARDHOLDER_NAME = (0x5F20, _ANS, _REC, "Cardholder Name")
    CARDHOLDER_NAME_EXTENDED = (0x9F0B, _ANS, _REC, "Cardholder Name Extended")
    TRACK1_DISCRETIONARY = (0x9F1F, _ANS, _REC, "Track 1 Discretionary Data")
    TRACK2_DISCRETIONARY = (0x9F20, _CN, _REC, "Track 2 Discretionary Data")
    DATA_AUTHENTICATION_CODE = (0x9F45, _B, None, "Data Authentication Code")
    EXPIRATION_DATE = (0x5F24, _N, _REC, "Application Expiration Date")
    EFFECTIVE_DATE = (0x5F25, _N, _REC, "Application Effective Date")
    ISSUER_COUNTRY_CODE = (0x5F28, _N, _REC, "Issuer Country Code")
    SERVICE_CODE = (0x5F30, _N, _REC, "Service Code")
    APPLICATION_CURRENCY_CODE = (0x9F42, _N, _REC, "Application Currency Code")
    APPLICATION_CURRENCY_EXPONENT = (0x9F44, _N, _REC, "Application Currency Exponent")
    APPLICATION_VERSION_NUMBER = (0x9F08, _B, _REC, "Application Version Number - card")
    APPLICATION_USAGE_CONTROL = (0x9F07, _B, _REC, "Application Usage Control")
    CVM_LIST = (0x8E, _B, _REC, "Cardholder Verification Method (CVM) List")
    CDOL1 = (0x8C, _B, _REC, "Card Risk Management Data Object List 1 (CDOL1)")
    CDOL2 = (0x8D, _B, _REC, "Card Risk Management Data Object List 2 (CDOL2)")
    DDOL = (0x9F49, _B, _REC, "Dynamic Data Authentication Data Object List (DDOL)")
    TDOL = (0x97, _B, _REC, "Transaction Certificate Data Object List (TDOL)")
    IAC_DEFAULT = (0x9F0D, _B, _REC, "Issuer Action Code - Default")
    IAC_DENIAL = (0x9F0E, _B, _REC, "Issuer Action Code - Denial")
    IAC_ONLINE = (0x9F0F, _B, _REC, "Issuer Action Code - Online")
    LOWER_CONSECUTIVE_OFFLINE_LIMIT = (0x9F14, _B, _REC, "Lower Consecutive Offline Limit")
    UPPER_CONSECUTIVE_OFFLINE_LIMIT = (0x9F23, _B, _REC, "Upper Consecutive Offline Limit")
    SDA_TAG_LIST = (0x9F4A, _B, _REC, "Static Data Authentication Tag List")
    CA_PUBLIC_KEY_INDEX = (0x8F, _B, _REC, "Certification Authority Public Key Index")
    ISSUER_PK_CERTIFICATE = (0x90, _B, _REC, "Issuer Public Key Certificate")
    ISSUER_PK_REMAINDER = (0x92, _B, _REC, "Issuer Public Key Remainder")
    ISSUER_PK_EXPONENT = (0x9F32, _B, _REC, "Issuer Public Key Exponent")
    SIGNED_STATIC_DATA = (0x93, _B, _REC, "Signed Static Application Data")
    ICC_PK_CERTIFICATE = (0x9F46, _B, _REC, "ICC Public Key Certificate")
    ICC_PK_EXPONENT = (0x9F47, _B, _REC, "ICC Public Key Exponent")
    ICC_PK_REMAINDER = (0x9F48, _B, _REC, "ICC Public Key Remainder")
    LOG_ENTRY = (0x9F4D, _B, _FCI, "Log Entry (SFI, number of records)")
    LOG_FORMAT = (0x9F4F, _B, None, "Log Format")
    # Processing (GPO, GENERATE AC, INTERNAL AUTHENTICATE responses)
    AIP = (0x82, _B, _RSP, "Application Interchange Profile")
    AFL = (0x94, _B, _RSP, "Application File Locator")
    ATC = (0x9F36, _B, _RSP, "Application Transaction Counter")
    LAST_ONLINE_ATC = (0x9F13, _B, None, "Last Online ATC Register")
    PIN_TRY_COUNTER = (0x9F17, _B, None, "PIN Try Counter")
    CID = (0x9F27, _B, _RSP, "Cryptogram Information Data")
    APPLICATION_CRYPTOGRAM = (0x9F26, _B, _RSP, "Application Cryptogram")
    ISSUER_APPLICATION_DATA = (0x9F10, _B, _RSP, "Issuer Application Data")
    SIGNED_DYNAMIC_DATA = (0x9F4B, _B, _RSP, "Signed Dynamic Application Data")
    ICC_DYNAMIC_NUMBER = (0x9F4C, _B, None, "ICC Dynamic Number")
    # Terminal and transaction data (Book 3 Annex A1)
    AMOUNT_AUTHORISED = (0x9F02, _N, _TERM, "Amount, Authorised (Numeric)")
    AMOUNT_OTHER = (0x9F03, _N, _TERM, "Amount, Other (Numeric)")
    TERMINAL_COUNTRY_CODE = (0x9F1A, _N, _TERM, "Terminal Country Code")
    TVR = (0x95, _B, _TERM, "Terminal Verification Results")
    TRANSACTION_CURRENCY_CODE = (0x5F2A, _N, _TERM, "Transaction Currency Code")
    TRANSACTION_CURRENCY_EXPONENT = (0x5F36, _N, _TERM, "Transaction Currency Exponent")
    TRANSACTION_DATE = (0x9A, _N, _TERM, "Transaction Date")
    TRANSACTION_TIME = (0x9F21, _N, _TERM, "Transaction Time")
    TRANSACTION_TYPE = (0x9C, _N, _TERM, "Transaction Type")
    UNPREDICTABLE_NUMBER = (0x9F37, _B, _TERM, "Unpredictable Number")
    TSI = (0x9B, _B, _TERM, "Transaction Status Information")
    CVM_RESULTS = (0x9F34, _B, _TERM, "Cardholder Verification Method (CVM) Results")
    TERMINAL_TYPE = (0x9F35, _N, _TERM, "Terminal Type")
    TERMINAL_CAPABILITIES = (0x9F33, _B, _TERM, "Terminal Capabilities")
    ADDITIONAL_TERMINAL_CAPABILITIES = (0x9F40, _B, _TERM, "Additional Terminal Capabilities")
    TERMINAL_ID = (0x9F1C, _AN, _TERM, "Terminal Identification")
    MERCHANT_NAME_AND_LOCATION = (0x9F4E, _ANS, _TERM, "Merchant Name and Location")
    ACQUIRER_ID = (0x9F01, _N, _TERM, "Acquirer Identifier")
    MERCHANT_CATEGORY_CODE = (0x9F15, _N, _TERM, "Merchant Category Code")
    MERCHANT_ID = (0x9F16, _ANS, _TERM, "Merchant Identifier")
    IFD_SERIAL_NUMBER = (0x9F1E, _AN, _TERM, "Interface Device (IFD) Serial Number")
    AUTHORISATION_RESPONSE_CODE = (0x8A, _AN, _TERM, "Authorisation Response Code")
    ISSUER_AUTHENTICATION_DATA = (0x91, _B, _TERM, "Issuer Authentication Data")
    TERMINAL_AID = (0x9F06, _B, _TERM, "Application Identifier (AID) - terminal")
    TC_HASH = (0x98, _B, _TERM, "Transaction Certificate (TC) Hash Value")
    ISSUER_SCRIPT_TEMPLATE_1 = (0x71, _B, None, "Issuer Script Template 1")
    ISSUER_SCRIPT_TEMPLATE_2 = (0x72, _B, None, "Issuer Script Template 2")
    ISSUER_SCRIPT_IDENTIFIER = (0x9F18, _B, 0x71, "Issuer Script Identifier")
    ISSUER_SCRIPT_RESULTS = (0x9F5B, _B, _TERM, "Issuer Script Results")
    PBOC_SCRIPT_RESULTS = (0xDF31, _B, _TERM, "Issuer Script Results (UnionPay)")
    # PBOC 3.0 electronic cash (JR/T 0025.13) and qPBOC (JR/T 0025.12)
    EC_ISSUER_AUTHORISATION_CODE = (0x9F74, _AN, _REC, "EC Issuer Authorisation Code")
    EC_BALANCE = (0x9F79, _N, None, "EC Balance")
    EC_BALANCE_LIMIT = (0x9F77, _N, None, "EC Balance Limit")
    EC_SINGLE_TRANSACTION_LIMIT = (0x9F78, _N, None, "EC Single Transaction Limit")
    EC_RESET_THRESHOLD = (0x9F6D, _N, None, "EC Reset Threshold")
    EC_TERMINAL_SUPPORT_INDICATOR = (0x9F7A, _B, _TERM, "EC Terminal Support Indicator")
    EC_TERMINAL_TRANSACTION_LIMIT = (0x9F7B, _N, _TERM, "EC Terminal Transaction Limit")
    APPLICATION_CURRENCY_CODE_PBOC = (0x9F51, _N, None, "Application Currency Code (PBOC)")
    AVAILABLE_OFFLINE_AMOUNT = (0x9F5D, _N, _RSP, "Available Offline Spending Amount")
    TTQ = (0x9F66, _B, _TERM, "Terminal Transaction Qualifiers")
    CTQ = (0x9F6C, _B, _RSP, "Card Transaction Qualifiers")
    CARD_AUTH_RELATED_DATA = (0x9F69, _B, _REC, "Card Authentication Related Data")
    SM_ALGORITHM_SUPPORT = (0xDF69, _B, _FCI, "SM Algorithm Support Indicator")
    CARDHOLDER_ID_NUMBER = (0x9F61, _AN, _REC, "Cardholder ID Number (PBOC)")
    CARDHOLDER_ID_TYPE = (0x9F62, _B, _REC, "Cardholder ID Type (PBOC)")
    CARD_PRODUCT_ID = (0x9F63, _B, _REC, "Card Product Identification Information (PBOC)")
    EC_LOG_ENTRY = (0xDF4D, _B, _FCI, "EC Load Log Entry")
    EC_LOG_FORMAT = (0xDF4F, _B, None, "EC Load Log Format")


@dataclass(frozen=True, slots=True)
class TagInfo:
    """What the dictionary knows of a tag; unknown tags get format ``b`` and no name."""

    tag: int
    fmt: Format
    template: int | None
    title: str
    known: bool


_BY_VALUE: dict[int, Tag] = {t.value: t for t in Tag}


def info(tag: int) -> TagInfo:
    """Dictionary entry for ``tag``; unknown tags are binary with a hex title (never raises)."""
    member = _BY_VALUE.get(tag)
    if member is None:
        return TagInfo(tag, Format.B, None, f"Unknown tag {tag:X}", known=False)
    return TagInfo(tag, member.fmt, member.template, member.title, known=True)
