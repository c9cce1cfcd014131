"""Is the acquirer link usable? What ``kiosk doctor`` reports for ``payment.host``.

Three things an installer can check without making a transaction:

- the terminal master key file is there, private and well-formed (:func:`.keys.load_tmk`;
  a ConfigError otherwise);
- the acquirer accepts a TCP connection within a short timeout (connect and close: no
  message is sent, so nothing reaches the acquirer's books);
- the link signed on before: when, in which batch, and the working keys' check values
  (the first 6 hex digits, as ANSI X9.24 allows a check value to be shown), which the
  acquirer's help desk can compare with its own without either side revealing a key.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

from kiosk.config import Settings
from kiosk.payment.host.acquirer import parse_address
from kiosk.payment.host.keys import load_tmk
from kiosk.payment.host.link_state import SignOn, last_sign_on

__all__ = ["LinkHealth", "acquirer_paths", "link_health"]

#: Check-value digits shown: 24 bits at most (ANSI X9.24-1, PCI PIN requirement 15-1).
_KCV_SHOWN = 6


def acquirer_paths(settings: Settings) -> tuple[Path, Path]:
    """The TMK file (``payment.tmk_file``, else ``<data_dir>/acquirer/tmk``) and the
    directory of the link's own files (its link key, the last sign-on)."""
    state_dir = settings.data_dir / "acquirer"
    return Path(settings.payment.tmk_file or state_dir / "tmk"), state_dir


@dataclass(frozen=True)
class LinkHealth:
    """The answers of :func:`link_health`."""

    url: str
    #: "" when the acquirer accepted a connection, else why not (``host.unreachable``).
    error: str
    sign_on: SignOn | None

    @property
    def reachable(self) -> bool:
        return not self.error

    def describe(self) -> str:
        """One line for the doctor."""
        if not self.reachable:
            return f"{self.url}: cannot be reached ({self.error})"
        if self.sign_on is None:
            return f"{self.url}: reachable; never signed on (the first sale signs on)"
        s = self.sign_on
        return (
            f"{self.url}: reachable; signed on {s.at:%Y-%m-%d %H:%M} UTC, batch {s.batch:06d}, "
            f"MAK KCV {s.mak_kcv[:_KCV_SHOWN]}, PIK KCV {s.pik_kcv[:_KCV_SHOWN]}"
        )


def _connect_error(address: tuple[str, int], timeout_s: float) -> str:
    try:
        with socket.create_connection(address, timeout=timeout_s):
            return ""
    except TimeoutError:
        return f"host.unreachable: no answer in {timeout_s:g} s"
    except OSError as exc:
        return f"host.unreachable: {exc.strerror or exc}"


def link_health(settings: Settings, *, timeout_s: float = 2.0) -> LinkHealth | None:
    """The link's health, or None when ``payment.host`` is not an ``iso8583://`` acquirer.
    Raises ConfigError for a bad URL or TMK file."""
    url = settings.payment.host
    if not url.startswith("iso8583://"):
        return None
    address = parse_address(url)
    tmk_file, state_dir = acquirer_paths(settings)
    load_tmk(tmk_file)
    return LinkHealth(url, _connect_error(address, timeout_s), last_sign_on(state_dir))
