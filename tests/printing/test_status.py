"""Printer status and links: DLE EOT decoding, silent/garbled/unreachable printers over real
sockets, printer URLs, file printers, the preview printer, and what the package imports."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk.printing.connections import PrinterUrl, open_link, parse_printer_url
from kiosk.printing.document import Cut, Document, PaperWidth, Text
from kiosk.printing.errors import (
    CoverOpenError,
    PaperOutError,
    PrinterConfigError,
    PrinterError,
    PrinterFaultError,
    PrinterNotReadyError,
    PrinterOfflineError,
    PrinterSilentError,
    PrinterUnreachableError,
)
from kiosk.printing.escpos import PrinterProfile, render_escpos
from kiosk.printing.printer import PreviewPrinter, Printer, open_printer
from kiosk.printing.status import PrinterStatus, query_status

# Replies to DLE EOT 1, 2, 3, 4 (Epson ESC/POS reference, "DLE EOT"); 0x12 is "all clear".
STATUSES = [
    ("ready", "12121212", None),
    ("near-end-only", "1212121e", None),
    ("paper-out", "1a32127e", PaperOutError),
    ("cover-open", "1a161212", CoverOpenError),
    ("cover-and-paper", "1a36127e", CoverOpenError),  # the cover comes first
    ("autocutter-error", "1a521a12", PrinterFaultError),
    ("offline-no-cause", "1a121212", PrinterOfflineError),
]


@pytest.mark.parametrize(("raw", "error"), [s[1:] for s in STATUSES], ids=[s[0] for s in STATUSES])
def test_status_bytes_decode_to_the_right_problem(raw, error):
    """Each DLE EOT reply set maps to no problem or to the one typed error that matters most."""
    status = PrinterStatus.from_bytes(bytes.fromhex(raw))
    problem = status.problem()
    assert (problem is None) if error is None else type(problem) is error
    assert status.ready is (error is None)


class _Server:
    """A TCP 'printer' on loopback whose answer to each request is ``reply(request)``."""

    def __init__(self, reply: Callable[[bytes], bytes | None]) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.reply = reply
        self.received = bytearray()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                while data := conn.recv(4096):
                    self.received += data
                    answer = self.reply(data)
                    if answer is None:
                        break
                    conn.sendall(answer)

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"


@pytest.fixture
def server() -> Iterator[Callable[[Callable[[bytes], bytes | None]], _Server]]:
    servers: list[_Server] = []

    def start(reply: Callable[[bytes], bytes | None]) -> _Server:
        servers.append(_Server(reply))
        return servers[-1]

    yield start
    for s in servers:
        s.sock.close()


def _printer(url: str) -> Printer:
    printer = open_printer(url, PrinterProfile(), status_timeout=0.3, job_timeout=0.5)
    assert isinstance(printer, Printer)
    return printer


def test_silent_printer_is_an_error_not_paper_ok(server):
    """A printer that accepts the connection but never answers is PrinterSilentError."""
    s = server(lambda data: b"")
    with pytest.raises(PrinterSilentError) as info:
        _printer(s.url).ready_for_sale()
    assert info.value.code == "printer.silent"
    assert isinstance(info.value, PrinterUnreachableError)


def test_garbled_answer_is_a_typed_error(server):
    """Bytes that are not status replies give printer.status_garbled."""
    s = server(lambda data: b"\xff")
    with pytest.raises(PrinterError) as info:
        _printer(s.url).status()
    assert info.value.code == "printer.status_garbled"


def test_printer_that_hangs_up_is_unreachable(server):
    """A printer that closes the connection on the first request is PrinterUnreachableError."""
    s = server(lambda data: None)
    with pytest.raises(PrinterUnreachableError):
        _printer(s.url).status()


def test_late_bytes_before_a_status_reply_are_skipped(server):
    """A late GS r answer (0xxx0xxx) ahead of the DLE EOT reply does not confuse the status."""
    s = server(lambda data: b"\x00\x12")
    assert _printer(s.url).status().ready


def test_job_not_confirmed_by_an_online_printer_times_out(server):
    """An online printer that never confirms the job raises printer.job_timeout (re-queue)."""
    s = server(lambda data: b"\x12" if data.startswith(b"\x10\x04") else b"")
    doc = Document(PaperWidth.MM80, (Text("x"), Cut()))
    with pytest.raises(PrinterNotReadyError) as info:
        _printer(s.url).print_document(doc)
    assert info.value.code == "printer.job_timeout" and info.value.context["stage"] == "during"
    assert render_escpos(doc, PrinterProfile()) in bytes(s.received)


def test_nothing_listening_is_unreachable():
    """A port nobody listens on is PrinterUnreachableError, never 'ready'."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(PrinterUnreachableError) as info:
        _printer(f"tcp://127.0.0.1:{port}").ready_for_sale()
    assert info.value.code == "printer.unreachable"


def test_query_status_reads_all_four_requests(server):
    """query_status sends DLE EOT 1, 2, 3 and 4 and decodes the four replies."""
    replies = {1: b"\x1a", 2: b"\x32", 3: b"\x12", 4: b"\x7e"}
    s = server(lambda data: replies[data[-1]])
    link = open_link(parse_printer_url(s.url), timeout=1.0)
    try:
        status = query_status(link, timeout=0.5)
    finally:
        link.close()
    assert bytes(s.received) == b"\x10\x04\x01\x10\x04\x02\x10\x04\x03\x10\x04\x04"
    assert status.paper_out and not status.online and status.raw == bytes.fromhex("1a32127e")


URLS = [
    ("tcp", "tcp://10.0.0.5:9100", PrinterUrl("tcp", host="10.0.0.5", port=9100)),
    ("tcp-default-port", "tcp://printer.local", PrinterUrl("tcp", host="printer.local")),
    ("usb", "usb://0416:5011", PrinterUrl("usb", vendor=0x0416, product=0x5011)),
    (
        "usb-endpoints",
        "usb://0416:5011?in_ep=0x81&out_ep=3",
        PrinterUrl("usb", vendor=0x0416, product=0x5011, in_ep=0x81, out_ep=0x03),
    ),
    (
        "serial",
        "serial:///dev/ttyUSB0?baudrate=19200",
        PrinterUrl("serial", path="/dev/ttyUSB0", baudrate=19200),
    ),
    ("file", "file:///dev/usb/lp0", PrinterUrl("file", path="/dev/usb/lp0")),
    ("cups", "cups://receipt", PrinterUrl("cups", queue="receipt")),
    ("preview", "preview", PrinterUrl("preview")),
]


@pytest.mark.parametrize(("url", "parsed"), [u[1:] for u in URLS], ids=[u[0] for u in URLS])
def test_printer_urls(url, parsed):
    """Each documented URL form parses to its connection parameters."""
    assert parse_printer_url(url) == parsed


BAD_URLS = [
    "usb://0416:5011?in_ep=eighty",
    "http://printer",
    "tcp://",
    "tcp://host:notaport",
    "usb://0416",
    "usb://zzzz:0001",
    "serial://",
    "serial:///dev/ttyS0?baudrate=fast",
    "cups://",
    "",
    "lp0",
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_bad_printer_urls_are_config_errors(url):
    """A malformed URL is a PrinterConfigError (printer.url), which is also a ConfigError."""
    with pytest.raises(PrinterConfigError) as info:
        parse_printer_url(url)
    assert info.value.code == "printer.url"


@pytest.mark.parametrize("url", ["usb://0416:5011", "serial:///dev/ttyUSB9", "cups://receipt"])
def test_missing_driver_library_is_a_config_error(url):
    """Without pyusb / pyserial / pycups the connection fails with printer.driver_missing."""
    from escpos import printer as escpos_printer

    cls = {
        "usb": escpos_printer.Usb,
        "serial": escpos_printer.Serial,
        "cups": escpos_printer.CupsPrinter,
    }[url.split(":")[0]]
    if cls.is_usable():
        pytest.skip(f"the {url.split(':')[0]} driver library is installed here")
    with pytest.raises(PrinterConfigError) as info:
        open_link(parse_printer_url(url))
    assert info.value.code == "printer.driver_missing"


def test_file_printer_writes_the_job_but_reports_no_status(tmp_path: Path):
    """A file:// printer gets the exact job bytes; readiness is refused as it has no status."""
    out = tmp_path / "lp0"
    doc = Document(PaperWidth.MM58, (Text("票"), Cut()))
    printer = open_printer(f"file://{out}", PrinterProfile(width=PaperWidth.MM58))
    result = printer.print_document(doc)
    assert not result.confirmed
    assert out.read_bytes() == render_escpos(doc, PrinterProfile(width=PaperWidth.MM58))
    with pytest.raises(PrinterNotReadyError) as info:
        printer.ready_for_sale()
    assert info.value.code == "printer.no_status"


def test_file_printer_in_a_missing_directory_is_unreachable(tmp_path: Path):
    """A device file that cannot be opened is PrinterUnreachableError (python-escpos mapped)."""
    printer = open_printer(f"file://{tmp_path}/missing/lp0", PrinterProfile())
    with pytest.raises(PrinterUnreachableError):
        printer.print_document(Document(PaperWidth.MM80, (Text("x"),)))


def test_preview_printer_keeps_the_last_documents():
    """The preview printer is always ready and keeps the newest documents and their bytes."""
    printer = open_printer("preview", PrinterProfile())
    assert isinstance(printer, PreviewPrinter)
    docs = [Document(PaperWidth.MM80, (Text(str(i)),), kind=f"doc{i}") for i in range(25)]
    for doc in docs:
        assert printer.print_document(doc).confirmed
    assert list(printer.documents) == docs[-20:]
    assert printer.jobs[-1] == render_escpos(docs[-1], PrinterProfile())
    assert printer.ready_for_sale().ready
    printer.kick_drawer()
    assert printer.drawer_kicks == 1


def test_plain_python_packages_import_no_ui_db_or_card_code():
    """Printing imports no Qt, SQLAlchemy, httpx or payment code; tokens no device library."""
    code = (
        "import sys, kiosk.sales.tokens as t;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('escpos', 'PIL', 'reportlab')];"
        "assert not bad, bad;"
        "import kiosk.printing.printer, kiosk.printing.reports, kiosk.printing.commands;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'sqlalchemy', 'httpx')"
        " or m.startswith(('kiosk.payment', 'kiosk.journal', 'kiosk.ui'))];"
        "assert not bad, bad"
    )
    root = Path(__file__).resolve().parents[2]
    subprocess.run(
        [sys.executable, "-c", code], check=True, cwd=root, env={"PYTHONPATH": str(root)}
    )


def test_print_test_on_a_file_printer_says_status_is_unavailable(tmp_path: Path, capsys):
    """`kiosk print-test` on file:// prints both samples and says status cannot be read."""
    from kiosk import cli

    out = tmp_path / "lp0"
    assert cli.main(["print-test", "--printer", f"file://{out}", "--lang", "en"]) == 0
    text = capsys.readouterr().out
    assert "status not available" in text and text.count("sent, not confirmed") == 2
    # file:// opens the device per job, so a plain file keeps the last job: the ticket
    assert out.read_bytes().count(b"\x1dV\x00") == 1 and b"\x1d(k" in out.read_bytes()
