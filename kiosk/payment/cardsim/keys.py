"""The simulator's key material: the project test CA, the test issuer, ICC keys, IMKs.

Keys are generated once by :func:`generate` (``python -m kiosk.payment.cardsim.keys``)
and stored under ``assets/cards/keys/`` so that tests never generate RSA keys. The
public half of the test CA is also written to ``assets/capk/test.json`` in the shape of
the UnionPay CA key list (rid, index, modulus, exponent, sha1, expiry) with
``"test": true``. None of these keys protects anything: they exist only so the
software card computes genuine certificates, signatures and cryptograms.

Raw RSA (no padding) is done with ``pow`` because EMV signs its own block layout and
``cryptography`` offers no raw private-key operation; ``cryptography`` generates keys.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from kiosk.errors import ConfigError
from kiosk.payment.crypto import RsaPublicKey

__all__ = [
    "KEYS_DIR",
    "TEST_CA_INDEX",
    "TEST_RID",
    "IssuerSecrets",
    "RsaPrivateKey",
    "generate",
    "load_ca",
    "load_icc_key",
    "load_issuer",
]

ASSETS = Path(__file__).resolve().parents[3] / "assets"
KEYS_DIR = ASSETS / "cards" / "keys"
CAPK_TEST = ASSETS / "capk" / "test.json"
TEST_RID = bytes.fromhex("A000000333")
#: Production UnionPay CA indices are 01-04 and 08-0C; F7 is in the range no scheme
#: publishes, so a test certificate can never be mistaken for a production one.
TEST_CA_INDEX = 0xF7
TEST_CA_EXPIRY = "20351231"


@dataclass(frozen=True, slots=True)
class RsaPrivateKey:
    """An RSA key pair with CRT parts, for raw EMV signing."""

    modulus: int
    exponent: int
    d: int
    p: int
    q: int

    @property
    def size(self) -> int:
        return RsaPublicKey(self.modulus, self.exponent).size

    def sign_raw(self, block: bytes) -> bytes:
        """Raw RSA private operation on a ``size``-byte block (CRT for speed)."""
        if len(block) != self.size:
            raise ValueError(f"block is {len(block)} bytes, key is {self.size}")
        m = int.from_bytes(block, "big")
        m1 = pow(m, self.d % (self.p - 1), self.p)
        m2 = pow(m, self.d % (self.q - 1), self.q)
        h = (pow(self.q, -1, self.p) * (m1 - m2)) % self.p
        return (m2 + h * self.q).to_bytes(self.size, "big")

    def to_json(self) -> dict[str, str]:
        return {k: f"{getattr(self, k):X}" for k in ("modulus", "exponent", "d", "p", "q")}

    @classmethod
    def from_json(cls, data: dict[str, str], *, source: Path) -> RsaPrivateKey:
        try:
            return cls(**{k: int(data[k], 16) for k in ("modulus", "exponent", "d", "p", "q")})
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(
                f"bad RSA key in {source.name}", code="cardsim.bad_key", path=str(source)
            ) from exc


@dataclass(frozen=True, slots=True)
class IssuerSecrets:
    """The test issuer: its RSA key, identifier, certificate data and master keys."""

    rsa: RsaPrivateKey
    issuer_id: bytes
    certificate_expiry: bytes
    certificate_serial: bytes
    imk_ac: bytes
    imk_smi: bytes


def _read(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"cannot read key file {path.name}", code="cardsim.bad_key", path=str(path)
        ) from exc
    if not isinstance(data, dict):
        raise ConfigError(f"bad key file {path.name}", code="cardsim.bad_key", path=str(path))
    return data


def load_ca(keys_dir: Path = KEYS_DIR) -> RsaPrivateKey:
    """The project test CA's private key."""
    path = keys_dir / "test-ca.json"
    return RsaPrivateKey.from_json(_read(path)["rsa"], source=path)  # type: ignore[arg-type]


def load_issuer(keys_dir: Path = KEYS_DIR) -> IssuerSecrets:
    """The test issuer's RSA key and master keys."""
    path = keys_dir / "issuer.json"
    data = _read(path)
    try:
        return IssuerSecrets(
            rsa=RsaPrivateKey.from_json(data["rsa"], source=path),  # type: ignore[arg-type]
            issuer_id=bytes.fromhex(str(data["issuer_id"])),
            certificate_expiry=bytes.fromhex(str(data["certificate_expiry"])),
            certificate_serial=bytes.fromhex(str(data["certificate_serial"])),
            imk_ac=bytes.fromhex(str(data["imk_ac"])),
            imk_smi=bytes.fromhex(str(data["imk_smi"])),
        )
    except (KeyError, ValueError) as exc:
        raise ConfigError("bad issuer key file", code="cardsim.bad_key", path=str(path)) from exc


def load_icc_key(name: str, keys_dir: Path = KEYS_DIR) -> RsaPrivateKey:
    """An ICC key pair by name (``icc-1`` ...), shared by profiles that name it."""
    path = keys_dir / f"{name}.json"
    if not path.is_file():
        raise ConfigError(f"no ICC key {name!r}", code="cardsim.bad_key", path=str(path))
    return RsaPrivateKey.from_json(_read(path)["rsa"], source=path)  # type: ignore[arg-type]


def capk_entry(ca: RsaPrivateKey) -> dict[str, object]:
    """The CA public key in the UnionPay CA key list shape, with its SHA-1 check value."""
    modulus = ca.modulus.to_bytes(ca.size, "big")
    exponent = ca.exponent.to_bytes((ca.exponent.bit_length() + 7) // 8, "big")
    # EMV defines the CA key check value as SHA-1 over RID, index, modulus and exponent.
    checked = TEST_RID + bytes([TEST_CA_INDEX]) + modulus + exponent
    digest = hashlib.sha1(checked).hexdigest()  # noqa: S324
    return {
        "rid": TEST_RID.hex().upper(),
        "index": f"{TEST_CA_INDEX:02X}",
        "modulus": modulus.hex().upper(),
        "exponent": exponent.hex().upper(),
        "sha1": digest.upper(),
        "modulus_bits": ca.modulus.bit_length(),
        "expiry": TEST_CA_EXPIRY,
        "test": True,
        "source": "kiosk project test CA (python -m kiosk.payment.cardsim.keys)",
    }


def _new_rsa(bits: int, exponent: int) -> RsaPrivateKey:
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=exponent, key_size=bits)
    n = key.private_numbers()
    return RsaPrivateKey(n.public_numbers.n, n.public_numbers.e, n.d, n.p, n.q)


def generate(keys_dir: Path = KEYS_DIR, capk_path: Path = CAPK_TEST) -> None:
    """Create every key file anew (run once; the results are committed as test assets).

    Sizes make both certificate remainders non-empty: CA 1408 bits (176 bytes) certifies
    a 144-byte issuer key (4-byte remainder), which certifies 128-byte ICC keys.
    """
    import secrets

    keys_dir.mkdir(parents=True, exist_ok=True)
    ca = _new_rsa(1408, 3)
    issuer = _new_rsa(1152, 3)
    files: dict[str, dict[str, object]] = {
        "test-ca": {"note": "project TEST CA private key - simulator only", "rsa": ca.to_json()},
        "issuer": {
            "note": "test issuer - simulator only",
            "rsa": issuer.to_json(),
            "issuer_id": "621234FF",
            "certificate_expiry": "1235",
            "certificate_serial": "000001",
            "imk_ac": secrets.token_hex(16).upper(),
            "imk_smi": secrets.token_hex(16).upper(),
        },
        "icc-1": {"note": "ICC key - simulator only", "rsa": _new_rsa(1024, 65537).to_json()},
        "icc-2": {"note": "ICC key - simulator only", "rsa": _new_rsa(1024, 3).to_json()},
    }
    for name, content in files.items():
        (keys_dir / f"{name}.json").write_text(json.dumps(content, indent=1) + "\n")
    capk_path.parent.mkdir(parents=True, exist_ok=True)
    capk_path.write_text(json.dumps([capk_entry(ca)], indent=1) + "\n")


def main() -> None:  # pragma: no cover - run by hand once
    parser = argparse.ArgumentParser(description="Generate the card simulator's test keys.")
    parser.add_argument("--keys-dir", type=Path, default=KEYS_DIR)
    parser.add_argument("--capk", type=Path, default=CAPK_TEST)
    args = parser.parse_args()
    generate(args.keys_dir, args.capk)


if __name__ == "__main__":  # pragma: no cover
    main()
