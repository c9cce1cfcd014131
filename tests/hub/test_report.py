"""``kiosk hub report day``: the fleet's day in a PDF whose figures are the sales ingested."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from kiosk.money import format_fen
from tests.hub.conftest import LiveHub
from tests.support.hub import Terminal, chain, kiosk_hub

#: (payment path, amount in fen, the payment's last state) of each terminal's sales.
SALES = {
    "A": [
        ("ec_offline", 1250, "approved"),
        ("online", 3000, "approved"),
        ("qpboc_offline", 800, "approved"),
        ("online", 500, "declined"),
        ("ec_offline", 1200, "approved"),
    ],
    "B": [
        ("online", 4500, "approved"),
        ("qpboc_offline", 200, "approved"),
        ("online", 9900, "refunded"),
    ],
}


def _sales(terminal: Terminal, sales: list[tuple[str, int, str]], ts: str) -> list[dict[str, Any]]:
    """Each sale as the terminal journals it: order, pending payment, the payment's outcome."""
    entries = chain(terminal.id, 3 * len(sales))
    for n, (path, amount, state) in enumerate(sales, start=1):
        order, pending, outcome = entries[3 * n - 3 : 3 * n]
        order.update(event="order.created", ts=ts, payload={"order": n, "total_fen": amount})
        pending.update(
            event="payment.pending",
            ts=ts,
            payload={"payment": n, "order": n, "amount_fen": amount},
        )
        outcome.update(
            event=f"payment.{state}",
            ts=ts,
            payload={"payment": n, "path": path, "amount_fen": amount},
        )
    return entries


def _pdf_cells(path: Path) -> list[str]:
    """The PDF's text, one table cell or paragraph a line (as pypdf extracts it)."""
    reader = PdfReader(path)
    return [line.strip() for page in reader.pages for line in page.extract_text().splitlines()]


def _has_row(cells: list[str], *row: str) -> bool:
    return any(cells[i : i + len(row)] == list(row) for i in range(len(cells)))


def test_the_day_pdf_shows_the_ingested_sales(live_hub: LiveHub, tmp_path: Path):
    """Takings by terminal and path, counts, the chain alert and the silent terminal in the
    PDF are those of the entries the terminals uploaded; another day is empty."""
    now = datetime.now(UTC)
    ts = now.strftime("%Y-%m-%dT%H:%M:%S.000000Z")
    fleet = {name: live_hub.terminal() for name in SALES}
    for name, terminal in fleet.items():
        entries = _sales(terminal, SALES[name], ts)
        answer = terminal.post_entries(entries)
        assert answer.json()["acked_seq"] == len(entries), answer.text
    forged = chain(fleet["B"].id, 1, start=3 * len(SALES["B"]) + 1, prev="f" * 64)
    assert fleet["B"].post_entries(forged).status_code == 409
    silent = live_hub.terminal()

    by_terminal: dict[str, list[int]] = defaultdict(list)
    by_path: dict[str, list[int]] = defaultdict(list)
    for name, sales in SALES.items():
        for path, amount, state in sales:
            if state == "approved":
                by_terminal[fleet[name].id].append(amount)
                by_path[path].append(amount)
    paid = [a for amounts in by_terminal.values() for a in amounts]

    out = tmp_path / "day.pdf"
    done = kiosk_hub(
        live_hub.data_dir, live_hub.db, "report", "day", "--date", f"{now:%Y-%m-%d}",
        "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"{format_fen(sum(paid))} from {len(paid)} payments" in done.stdout
    lines = _pdf_cells(out)
    text = "\n".join(lines)

    def row(label: str, amounts: list[int]) -> bool:
        """Whether the PDF has the row: label, count, amount."""
        money = format_fen(sum(amounts), grouping=True)
        return _has_row(lines, label, str(len(amounts)), money)

    assert row("收款 Paid", paid), text
    states = Counter(state for sales in SALES.values() for _p, _a, state in sales)
    assert row("拒绝 Declined", [500]), text
    assert row("撤销/退款 Voided/refunded", [9900]), text
    assert _has_row(lines, "订单 Orders", str(sum(states.values()))), text
    for terminal_id, amounts in by_terminal.items():
        assert row(terminal_id, amounts), text
    names = {
        "ec_offline": "电子现金脱机 EC offline",
        "online": "联机 Online",
        "qpboc_offline": "qPBOC 非接脱机 qPBOC offline",
    }
    for path, amounts in by_path.items():
        assert row(names[path], amounts), text
    assert "链告警 Chain alerts: 1" in lines, text
    assert _has_row(lines, fleet["B"].id, str(forged[0]["seq"])), text
    offline = lines[lines.index("离线终端 Terminals offline: 1") :]
    assert _has_row(offline, silent.id, "–"), text
    assert fleet["A"].id not in offline, text

    other = tmp_path / "other.pdf"
    done = kiosk_hub(
        live_hub.data_dir, live_hub.db, "report", "day", "--date", "2020-01-01",
        "--out", str(other),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert _has_row(_pdf_cells(other), "收款 Paid", "0", format_fen(0, grouping=True))
