"""Request signing and signed bundles, as both the terminal and the hub use them."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given
from hypothesis import strategies as st

from kiosk.sync.protocol import (
    MAX_SKEW_S,
    AuthError,
    BundleError,
    SignedRequest,
    b64,
    bundle_names,
    canonical_json,
    canonical_request,
    open_bundle,
    sign_bundle,
    sign_request,
)

KEY = bytes(range(32))
NOW = 1_796_000_000.0
BODY = b'{"entries":[]}'
TARGET = "/api/v1/terminals/T1/entries"


def _signed(**overrides: object) -> dict[str, str]:
    args = {"key": KEY, "terminal": "T1", "method": "POST", "target": TARGET, "body": BODY}
    args.update(overrides)
    return sign_request(now=NOW, nonce="0" * 32, **args)  # type: ignore[arg-type]


def test_signature_is_hmac_sha256_over_the_documented_canonical_string() -> None:
    """Worked by hand from docs/sync.md, so a second implementation can check itself."""
    canonical = "\n".join(
        ["POST", TARGET, "1796000000", "0" * 32, "T1", hashlib.sha256(BODY).hexdigest()]
    ).encode()
    assert (
        canonical_request(
            "post", TARGET, timestamp="1796000000", nonce="0" * 32, terminal="T1", body=BODY
        )
        == canonical
    )
    expected = hmac.new(KEY, canonical, hashlib.sha256).hexdigest()
    assert _signed()["X-Kiosk-Signature"] == expected


def test_a_signed_request_checks() -> None:
    SignedRequest.from_headers(_signed()).check(KEY, "POST", TARGET, BODY, now=NOW + 5)


@pytest.mark.parametrize(
    "case",
    [
        ("POST", TARGET, BODY + b" ", KEY, NOW, "auth.signature"),  # body tampered
        ("GET", TARGET, BODY, KEY, NOW, "auth.signature"),  # method changed
        ("POST", TARGET.replace("T1", "T2"), BODY, KEY, NOW, "auth.signature"),  # path changed
        ("POST", TARGET, BODY, bytes(32), NOW, "auth.signature"),  # another terminal's key
        ("POST", TARGET, BODY, KEY, NOW + MAX_SKEW_S + 1, "auth.expired"),
        ("POST", TARGET, BODY, KEY, NOW - MAX_SKEW_S - 1, "auth.expired"),
    ],
    ids=["body", "method", "path", "key", "late", "early"],
)
def test_what_does_not_check_is_refused(case: tuple[str, str, bytes, bytes, float, str]) -> None:
    method, target, body, key, now, code = case
    with pytest.raises(AuthError) as raised:
        SignedRequest.from_headers(_signed()).check(key, method, target, body, now=now)
    assert raised.value.code == code and raised.value.status == 401


@given(
    st.dictionaries(
        st.sampled_from(
            ["X-Kiosk-Terminal", "X-Kiosk-Timestamp", "X-Kiosk-Nonce", "X-Kiosk-Signature", "Other"]
        ),
        st.text(max_size=80),
    )
)
def test_malformed_headers_are_an_auth_error_never_a_crash(headers: dict[str, str]) -> None:
    try:
        request = SignedRequest.from_headers(headers)
    except AuthError as exc:
        assert exc.code == "auth.signature"
    else:  # only well-formed values get through, and they still must check
        with pytest.raises(AuthError):
            request.check(KEY, "POST", TARGET, BODY, now=NOW)


def _hub() -> tuple[Ed25519PrivateKey, bytes]:
    private = Ed25519PrivateKey.generate()
    return private, private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


BUNDLE = {"format": 1, "version": 3, "terminals": "*", "catalog": {"名": "成人票"}}


def test_a_bundle_opens_with_the_pinned_key() -> None:
    private, public = _hub()
    answer = sign_bundle(private, BUNDLE)
    bundle, body = open_bundle(public, answer)
    assert bundle == BUNDLE and body == canonical_json(BUNDLE)


def test_a_bundle_signed_by_another_hub_or_changed_is_refused() -> None:
    private, _ = _hub()
    _, other = _hub()
    answer = sign_bundle(private, BUNDLE)
    with pytest.raises(BundleError) as raised:
        open_bundle(other, answer)
    assert raised.value.code == "sync.bundle_signature"
    changed = dict(answer, body=b64(canonical_json({**BUNDLE, "version": 4})))
    with pytest.raises(BundleError) as raised:
        open_bundle(_hub()[1], changed)
    assert raised.value.code == "sync.bundle_signature"


@pytest.mark.parametrize(
    "bundle",
    [{"format": 2, "version": 3}, {"format": 1, "version": 0}, {"format": 1, "version": True}],
)
def test_a_signed_bundle_we_cannot_read_is_refused(bundle: dict[str, object]) -> None:
    private, public = _hub()
    with pytest.raises(BundleError) as raised:
        open_bundle(public, {**sign_bundle(private, bundle), "version": bundle["version"]})
    assert raised.value.code == "sync.bundle_invalid"


@given(st.binary(max_size=200), st.text(max_size=100))
def test_garbage_answers_are_a_bundle_error(body: bytes, signature: str) -> None:
    _, public = _hub()
    answer = {"version": 1, "body": base64.b64encode(body).decode(), "signature": signature}
    with pytest.raises(BundleError):
        open_bundle(public, answer)


def test_bundle_names_its_terminals() -> None:
    assert bundle_names({"terminals": "*"}, "T1")
    assert bundle_names({"terminals": ["T1", "T2"]}, "T1")
    assert not bundle_names({"terminals": ["T2"]}, "T1")
    assert not bundle_names({"terminals": "T1"}, "T1")
