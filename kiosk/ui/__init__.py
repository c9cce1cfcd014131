"""PySide6 front end: screens per mode, the payment screen, admin, widgets, translations.

Widgets never touch devices or the database: they call :mod:`kiosk.checkout` on a worker.
"""
