"""Printing against the emupos printer emulator over TCP: render, QR, faults, reprint, drawer."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import pytest
import zxingcpp
from PIL import Image

from kiosk import cli
from kiosk.printing.connections import Link, open_link, parse_printer_url
from kiosk.printing.document import PaperWidth
from kiosk.printing.errors import (
    CoverOpenError,
    PaperOutError,
    PrinterNotReadyError,
    PrinterOfflineError,
)
from kiosk.printing.escpos import PrinterProfile
from kiosk.printing.layouts import Lang
from kiosk.printing.printer import Printer, open_printer
from kiosk.printing.samples import sample_receipt, sample_ticket
from kiosk.sales.tokens import DEMO_KEY

from .conftest import Emulator

pytestmark = pytest.mark.printer

NOW = datetime.now().astimezone().replace(microsecond=0)
DEVICES = {PaperWidth.MM80: "p80", PaperWidth.MM58: "p58"}


def _printer(emulator: Emulator, width: PaperWidth, **profile: bool) -> Printer:
    printer = open_printer(
        emulator.url(DEVICES[width]),
        PrinterProfile(width=width, **profile),
        status_timeout=1.0,
        job_timeout=1.5,
    )
    assert isinstance(printer, Printer)
    return printer


def _decode_qr(png: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


@pytest.mark.parametrize("width", list(PaperWidth), ids=lambda w: f"{w.value}mm")
@pytest.mark.parametrize("chinese_font", [True, False], ids=["kanji", "raster"])
def test_receipt_prints_and_renders(emulator: Emulator, width: PaperWidth, chinese_font: bool):
    """A receipt is confirmed by the printer and renders at the paper's width with its amounts."""
    printer = _printer(emulator, width, chinese_font=chinese_font)
    device = DEVICES[width]
    before = len(emulator.receipt_ids(device))
    result = printer.print_document(sample_receipt(width, Lang.ZH, NOW))
    assert result.confirmed and result.status is not None and result.status.ready
    ids = emulator.wait_for_receipts(device, before + 1)
    receipt = emulator.receipt(device, ids[0])
    assert receipt.width_dots == width.dots
    image = Image.open(io.BytesIO(receipt.png)).convert("L")
    assert image.width == width.dots and image.height > 600
    if chinese_font:  # the amount and PAN follow FS . in the code page the emulator draws
        assert "¥135.00" in receipt.text and "623456******0017" in receipt.text
    else:  # every Chinese line arrived as a raster image, none as code-page mojibake
        heights = [int(h) for h in re.findall(r"\[image \d+x(\d+)\]", receipt.text)]
        assert sum(heights) >= 15 * 30  # 15+ Chinese lines at the 30-dot line pitch
        assert not any("\u2500" <= c <= "\u259f" for c in receipt.text)


@pytest.mark.parametrize("width", list(PaperWidth), ids=lambda w: f"{w.value}mm")
def test_print_test_ticket_qr_is_refused_as_a_test_ticket(
    emulator: Emulator, width: PaperWidth, tmp_path, capsys
):
    """The print-test ticket's QR decodes to a genuinely signed token that `kiosk gate
    verify` refuses as a test ticket, every time, inside its validity window."""
    printer = _printer(emulator, width)
    device = DEVICES[width]
    before = len(emulator.receipt_ids(device))
    printer.print_document(sample_ticket(width, Lang.EN, NOW, DEMO_KEY))
    receipt = emulator.receipt(device, emulator.wait_for_receipts(device, before + 1)[0])
    (token,) = _decode_qr(receipt.png)
    used = str(tmp_path / "used.txt")
    at = (NOW + timedelta(minutes=5)).isoformat()
    for _ in range(2):
        assert cli.main(["gate", "verify", token, "--used-file", used, "--at", at]) == 1
        assert capsys.readouterr().out.startswith("test: a printer test ticket")


FAULTS = [
    ("paper-out", PaperOutError, "printer.paper_out"),
    ("cover-open", CoverOpenError, "printer.cover_open"),
    ("offline", PrinterOfflineError, "printer.offline"),
]


@pytest.mark.parametrize(("fault", "error", "code"), FAULTS, ids=[f[0] for f in FAULTS])
def test_fault_is_refused_before_payment(emulator: Emulator, fault, error, code):
    """With a fault active, ready_for_sale raises its typed error; cleared, it passes."""
    printer = _printer(emulator, PaperWidth.MM80)
    assert printer.ready_for_sale().ready
    emulator.fault("p80", fault)
    with pytest.raises(error) as info:
        printer.ready_for_sale()
    assert info.value.code == code and info.value.context["stage"] == "before"
    before = len(emulator.receipt_ids("p80"))
    with pytest.raises(error):  # a job is not even sent
        printer.print_document(sample_receipt(PaperWidth.MM80, Lang.EN, NOW))
    emulator.fault("p80", fault, active=False)
    assert printer.ready_for_sale().ready
    assert len(emulator.receipt_ids("p80")) == before


def test_paper_near_end_is_a_warning_not_a_refusal(emulator: Emulator):
    """Paper near-end shows in the status but does not stop a sale."""
    printer = _printer(emulator, PaperWidth.MM80)
    emulator.fault("p80", "paper-near-end")
    status = printer.ready_for_sale()
    assert status.paper_near_end and not status.paper_out
    assert "near end" in status.describe()


class _FaultOnWrite:
    """A real link to the emulator whose first print write also trips a fault on the
    emulator: the paper runs out (or the cover is opened) while the job is being sent."""

    def __init__(self, link: Link, emulator: Emulator, fault: str) -> None:
        self._link, self._emulator, self._fault = link, emulator, fault
        self.readable = link.readable

    def write(self, data: bytes) -> None:
        if len(data) > 8 and self._fault:  # status requests are 3 bytes; the job is larger
            self._emulator.fault("p80", self._fault)
            self._fault = ""
        self._link.write(data)

    def read(self, timeout: float) -> bytes:
        return self._link.read(timeout)

    def close(self) -> None:
        self._link.close()


@pytest.mark.parametrize(
    ("fault", "error"), [("paper-out", PaperOutError), ("cover-open", CoverOpenError)]
)
def test_fault_mid_job_raises_and_the_job_reprints(emulator: Emulator, fault, error):
    """A fault while sending raises its typed error; once cleared, the reprint is confirmed."""
    url = parse_printer_url(emulator.url("p80"))
    faulty = Printer(
        lambda: _FaultOnWrite(open_link(url), emulator, fault),
        PrinterProfile(),
        status_timeout=1.0,
        job_timeout=1.0,
    )
    doc = sample_receipt(PaperWidth.MM80, Lang.ZH, NOW)
    before = len(emulator.receipt_ids("p80"))
    with pytest.raises(error) as info:
        faulty.print_document(doc)
    assert isinstance(info.value, PrinterNotReadyError)
    assert info.value.context["stage"] == "during"
    assert len(emulator.receipt_ids("p80")) == before  # nothing came out while blocked

    emulator.fault("p80", fault, active=False)
    printer = _printer(emulator, PaperWidth.MM80)
    assert printer.ready_for_sale().ready
    assert printer.print_document(doc).confirmed
    # The printer also finishes the job it held, so the reprint may be a second copy.
    ids = emulator.wait_for_receipts("p80", before + 1)
    assert all("¥135.00" in emulator.receipt("p80", i).text for i in ids[: len(ids) - before])


def test_drawer_kick_opens_the_drawer(emulator: Emulator):
    """kick_drawer pulses the drawer: the emulator's drawer opens."""
    printer = _printer(emulator, PaperWidth.MM80)
    assert emulator.state("p80")["drawer"] == "closed"
    printer.kick_drawer()
    assert emulator.state("p80")["drawer"] == "open"
    assert printer.status().drawer_pin3_high


def test_drawer_kick_refused_while_paper_out(emulator: Emulator):
    """The drawer pulse is not queued behind a blocked printer; the fault is raised."""
    printer = _printer(emulator, PaperWidth.MM80)
    emulator.fault("p80", "paper-out")
    with pytest.raises(PaperOutError):
        printer.kick_drawer()
    assert emulator.state("p80")["drawer"] == "closed"


def test_print_test_command_reports_status(emulator: Emulator, capsys):
    """`kiosk print-test` prints a receipt and a ticket on the emulator and reports ready."""
    before = len(emulator.receipt_ids("p58"))
    assert cli.main(["print-test", "--printer", emulator.url("p58"), "--width", "58"]) == 0
    out = capsys.readouterr().out
    assert out.count("confirmed by the printer") == 2 and "status after: ready" in out
    emulator.wait_for_receipts("p58", before + 2)


def test_print_test_command_fails_with_the_fault_code(emulator: Emulator, capsys):
    """`kiosk print-test` on a printer with no paper exits 2 naming printer.paper_out."""
    emulator.fault("p80", "paper-out")
    assert cli.main(["print-test", "--printer", emulator.url("p80"), "--timeout", "1"]) == 2
    assert "printer.paper_out" in capsys.readouterr().err


def test_concurrent_callers_do_not_interleave(emulator: Emulator):
    """Jobs and status checks from several threads on one Printer each complete intact."""
    from concurrent.futures import ThreadPoolExecutor

    printer = _printer(emulator, PaperWidth.MM80)
    doc = sample_receipt(PaperWidth.MM80, Lang.EN, NOW)
    before = len(emulator.receipt_ids("p80"))
    with ThreadPoolExecutor(max_workers=4) as pool:
        jobs = [pool.submit(printer.print_document, doc) for _ in range(3)]
        checks = [pool.submit(printer.ready_for_sale) for _ in range(3)]
        assert all(job.result().confirmed for job in jobs)
        assert all(check.result().ready for check in checks)
    ids = emulator.wait_for_receipts("p80", before + 3)
    for receipt_id in ids[:3]:
        text = emulator.receipt("p80", receipt_id).text
        assert text.count("TOTAL") == 1 and "¥135.00" in text
