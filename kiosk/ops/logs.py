"""Log files a terminal keeps for months unattended: JSON lines, rotated, card data masked.

The application logs masked data already (traces, the kernel, the journal); the filter here
is the last line of defence: any run of 13 to 19 digits that passes the Luhn check is shown
as a masked PAN, and anything shaped like Track 2 equivalent data is replaced whole, in every
record that reaches a handler this module installs.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from kiosk import __version__
from kiosk.cardnumber import luhn_ok, mask_pan

#: One file of this size, and this many older ones: a month of a busy terminal's warnings.
MAX_BYTES = 5 * 1024 * 1024
BACKUPS = 5

_TRACK2 = re.compile(r"(?<![0-9A-Fa-f])\d{12,19}[D=]\d{4,}[0-9F]*", re.IGNORECASE)
_DIGITS = re.compile(r"(?<!\d)\d{13,19}(?!\d)")


def mask_card_data(text: str) -> str:
    """``text`` with Track 2 equivalent data removed and PAN-like numbers masked (6+4)."""
    text = _TRACK2.sub("[track2 removed]", text)
    return _DIGITS.sub(lambda m: mask_pan(m[0]) if luhn_ok(m[0]) else m[0], text)


class CardDataFilter(logging.Filter):
    """Masks card data in the final message of every record (see :func:`mask_card_data`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_card_data(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        return True


class JsonLines(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, process and version;
    the traceback, when there is one, as a string field."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
            "version": __version__,
        }
        if record.exc_info:
            entry["exc"] = mask_card_data(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class _PrivateRotatingFile(logging.handlers.RotatingFileHandler):
    """A rotating file whose every generation is readable by its owner only."""

    def _open(self):  # type: ignore[no-untyped-def]  # (typeshed: returns a text stream)
        stream = super()._open()
        os.chmod(self.baseFilename, 0o600)
        return stream


@contextmanager
def log_to_files(directory: Path, *, level: int = logging.INFO) -> Iterator[logging.Handler]:
    """While inside, the root logger's records at ``level`` and above also go to
    ``directory/kiosk.log`` as JSON lines, rotated at :data:`MAX_BYTES` with :data:`BACKUPS`
    old files (directory 0700, files 0600)."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / "kiosk.log"
    handler = _PrivateRotatingFile(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    handler.set_name("kiosk.files")
    handler.setLevel(level)
    handler.setFormatter(JsonLines())
    handler.addFilter(CardDataFilter())
    root = logging.getLogger()
    before = root.level
    # The file takes ``level`` and up; the other handlers keep showing what they showed.
    others = [(h, h.level) for h in root.handlers]
    for other, old_level in others:
        other.setLevel(max(old_level, before))
    root.addHandler(handler)
    root.setLevel(min(before, level))
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(before)
        for other, old_level in others:
            other.setLevel(old_level)
        handler.close()
