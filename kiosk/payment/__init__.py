"""Everything card-side: TLV, readers, the terminal kernel, crypto, CA keys, host, card simulator.

Plain Python: imports nothing from ``kiosk.ui``, ``kiosk.printing``, ``kiosk.sync``
or ``kiosk.journal``, and no Qt.
"""
