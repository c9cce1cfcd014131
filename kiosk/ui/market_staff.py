"""Who works the market counter: cashiers and supervisors, each with a PIN.

Plain Python (no Qt), like :mod:`kiosk.ui.operator_access`, whose PIN hashes it uses.
Staff come from ``<data_dir>/market-staff.json``: ``{"staff": [{"id": "C01", "role":
"cashier" | "supervisor", "pin_hash": "pbkdf2_sha256$…"}]}`` (hashes as ``kiosk admin
set-pin`` writes them). Without that file the demo has cashier ``C01`` (PIN 111111) and
supervisor ``S01`` (PIN 999999); production has nobody, so nothing opens.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from pathlib import Path

from kiosk.config import Settings
from kiosk.errors import ConfigError
from kiosk.sales.market import Role
from kiosk.ui.operator_access import pin_matches

__all__ = ["DEMO_STAFF", "Staff", "StaffMember", "load_staff"]

STAFF_FILE = "market-staff.json"


@dataclass(frozen=True)
class StaffMember:
    id: str
    role: Role
    #: The PIN's hash; a demo member keeps its plain PIN in ``demo_pin`` instead.
    pin_hash: str = ""
    demo_pin: str = ""

    def pin_is(self, pin: str) -> bool:
        if self.demo_pin:
            return hmac.compare_digest(pin.encode(), self.demo_pin.encode())
        return pin_matches(pin, self.pin_hash, demo=False)


DEMO_STAFF = (
    StaffMember("C01", Role.CASHIER, demo_pin="111111"),
    StaffMember("S01", Role.SUPERVISOR, demo_pin="999999"),
)


@dataclass(frozen=True)
class Staff:
    members: tuple[StaffMember, ...]

    def who(self, pin: str, *, role: Role | None = None) -> StaffMember | None:
        """The member whose PIN this is (a supervisor also when ``role`` is cashier)."""
        for member in self.members:
            if role is Role.SUPERVISOR and member.role is not Role.SUPERVISOR:
                continue
            if member.pin_is(pin):
                return member
        return None


def load_staff(settings: Settings) -> Staff:
    """The counter's staff (see the module docstring); ConfigError for a bad file."""
    path = Path(settings.data_dir) / STAFF_FILE
    if not path.exists():
        return Staff(DEMO_STAFF if settings.demo else ())
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        members = tuple(
            StaffMember(str(m["id"]), Role(m["role"]), pin_hash=str(m["pin_hash"]))
            for m in raw["staff"]
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: not a staff list: {exc}", code="config.value") from exc
    return Staff(members)
