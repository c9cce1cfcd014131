"""Who works the market counter: cashiers and supervisors, each with a PIN.

Plain Python (no Qt), like :mod:`kiosk.ui.operator_access`, whose PIN hashes it uses.
Staff come from ``<data_dir>/market-staff.json``: ``{"staff": [{"id": "C01", "role":
"cashier" | "supervisor", "pin_hash": "pbkdf2_sha256$…"}]}`` (hashes as ``kiosk admin
set-pin`` writes them, ``"active": false`` for one disabled). Without that file the demo
has cashier ``C01`` (PIN 111111) and supervisor ``S01`` (PIN 999999); production has
nobody, so nothing opens.

A supervisor manages the staff from the counter (:meth:`Staff.change`): ``+C02:123456``
adds cashier C02 (``+S02:…`` a supervisor, by the id's first letter), ``-C02`` disables
C02, ``C02=654321`` gives C02 a new PIN. The file is rewritten whole (a crash leaves the
old one or the new one), PINs only as hashes; the screen journals each change with who.
"""

from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

from kiosk.config import Settings
from kiosk.errors import ConfigError, KioskError
from kiosk.files import replace_file
from kiosk.sales.market import Role
from kiosk.ui.operator_access import hash_pin, pin_matches

__all__ = [
    "DEMO_STAFF",
    "Staff",
    "StaffChange",
    "StaffError",
    "StaffMember",
    "load_staff",
    "save_staff",
]

_ADD = re.compile(r"\+([CS]\d{2,4}):(\d{6})")
_DISABLE = re.compile(r"-([CS]\d{2,4})")
_NEW_PIN = re.compile(r"([CS]\d{2,4})=(\d{6})")


class StaffError(KioskError):
    """A staff change that cannot be made (bad command, unknown or duplicate id …)."""

    code = "staff.invalid"


STAFF_FILE = "market-staff.json"


@dataclass(frozen=True)
class StaffMember:
    id: str
    role: Role
    #: The PIN's hash; a demo member keeps its plain PIN in ``demo_pin`` instead.
    pin_hash: str = ""
    demo_pin: str = ""
    active: bool = True

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
            if not member.active:
                continue
            if role is Role.SUPERVISOR and member.role is not Role.SUPERVISOR:
                continue
            if member.pin_is(pin):
                return member
        return None

    def change(self, command: str) -> tuple[Staff, StaffChange]:
        """The staff after ``command`` (see the module docstring) and what changed.

        Raises StaffError ``staff.command``, ``staff.exists``, ``staff.unknown``,
        ``staff.last_supervisor`` (the counter would have nobody to approve)."""
        ids = {m.id: m for m in self.members}
        if match := _ADD.fullmatch(command):
            new, pin = match.groups()
            if new in ids:
                raise StaffError(f"{new} exists already", code="staff.exists")
            role = Role.SUPERVISOR if new.startswith("S") else Role.CASHIER
            member = StaffMember(new, role, pin_hash=hash_pin(pin))
            return Staff((*self.members, member)), StaffChange("staff.added", new, role)
        match = _DISABLE.fullmatch(command) or _NEW_PIN.fullmatch(command)
        if match is None:
            raise StaffError("not a staff command", code="staff.command")
        old = ids.get(match.group(1))
        if old is None or not old.active:
            raise StaffError(f"no active {match.group(1)}", code="staff.unknown")
        if match.re is _DISABLE:
            active_supervisors = [m for m in self.members if m.active and m.role is Role.SUPERVISOR]
            if old.role is Role.SUPERVISOR and len(active_supervisors) == 1:
                raise StaffError("the last supervisor stays", code="staff.last_supervisor")
            after = replace(old, active=False)
            change = StaffChange("staff.disabled", old.id, old.role)
        else:
            after = replace(old, pin_hash=hash_pin(match.group(2)), demo_pin="")
            change = StaffChange("staff.pin_changed", old.id, old.role)
        return Staff(tuple(after if m is old else m for m in self.members)), change


@dataclass(frozen=True)
class StaffChange:
    """What a staff command did, for the journal (never the PIN or its hash)."""

    event: str
    member: str
    role: Role


def save_staff(settings: Settings, staff: Staff) -> None:
    """Write ``staff`` to ``<data_dir>/market-staff.json`` (0600); a demo member's PIN is
    written as its hash."""
    rows = [
        {
            "id": m.id,
            "role": m.role.value,
            "pin_hash": m.pin_hash or hash_pin(m.demo_pin),
            "active": m.active,
        }
        for m in staff.members
    ]
    data = json.dumps({"staff": rows}, indent=1).encode("utf-8")
    replace_file(Path(settings.data_dir) / STAFF_FILE, data)


def load_staff(settings: Settings) -> Staff:
    """The counter's staff (see the module docstring); ConfigError for a bad file."""
    path = Path(settings.data_dir) / STAFF_FILE
    if not path.exists():
        return Staff(DEMO_STAFF if settings.demo else ())
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        members = tuple(
            StaffMember(
                str(m["id"]),
                Role(m["role"]),
                pin_hash=str(m["pin_hash"]),
                active=bool(m.get("active", True)),
            )
            for m in raw["staff"]
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: not a staff list: {exc}", code="config.value") from exc
    return Staff(members)
