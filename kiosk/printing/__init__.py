"""Receipts and tickets as documents, rendered to ESC/POS bytes or previews; PDF reports.

Modules, from data to device:

- ``records``: plain data the checkout fills (card payment facts, transaction records).
- ``document``: the document model, layout in character columns, the text preview.
- ``layouts``: receipt, ticket, parking entry/exit, refund/void and shift-close slips.
- ``preview``: PNG preview and the line rasteriser (CJK TrueType font via ``fonts``).
- ``escpos``: document -> ESC/POS bytes (python-escpos ``Dummy``), printer profiles.
- ``connections``: printer URLs and python-escpos links; ``status``: DLE EOT health.
- ``printer``: the service the checkout calls (status, ready_for_sale, print, drawer).
- ``reports``: shift and day settlement PDFs (reportlab).
- ``commands``: ``kiosk print-test`` and ``kiosk gate verify``.

Errors live in ``errors``; nothing here imports Qt, SQLAlchemy or the payment package.
Submodules are imported where used, so that importing ``kiosk.printing.errors`` stays cheap.
Importing the package first points python-escpos at a lasting cache of its capability
database (``capabilities``), so that no process parses it again.
"""

from kiosk.printing import capabilities

capabilities.prepare()
