"""The hub over HTTPS: a terminal with the hub's CA bundle enrols and uploads; one without
it refuses the connection; the operator's cookie is sent over HTTPS only."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import ssl
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kiosk.sync.protocol import canonical_json, sign_request, unb64
from tests.support.hub import chain, kiosk_hub, running_hub


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kiosk hub test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "hub.crt", directory / "hub.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def test_a_terminal_talks_to_the_hub_over_tls(tmp_path: Path):
    cert, key = _self_signed(tmp_path)
    db = f"sqlite:///{tmp_path / 'hub.db'}"
    with running_hub(tmp_path, db, tls=(cert, key)) as hub:
        assert hub.url.startswith("https://")
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{hub.url}/healthz")  # the system's CAs do not know this hub
        code = kiosk_hub(tmp_path, db, "enroll", "TLS1").stdout.splitlines()[-1]
        with httpx.Client(
            base_url=hub.url, verify=ssl.create_default_context(cafile=cert), timeout=30
        ) as client:
            answer = client.post("/api/v1/enroll", json={"terminal_id": "TLS1", "code": code})
            assert answer.status_code == 200, answer.text
            assert answer.json()["hub_url"] == hub.url
            terminal_key = unb64(answer.json()["terminal_key"], what="key", size=32)
            path = "/api/v1/terminals/TLS1/entries"
            body = canonical_json({"entries": chain("TLS1", 3)})
            signing = sign_request(terminal_key, "TLS1", "POST", path, body, now=_now())
            uploaded = client.post(path, content=body, headers=signing)
            assert uploaded.json()["acked_seq"] == 3
            login = client.get("/operator/login")
            assert re.search(r";\s*secure", login.headers["set-cookie"], re.IGNORECASE)


def _now() -> float:
    return dt.datetime.now(dt.UTC).timestamp()
