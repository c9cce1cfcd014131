"""Receipts and tickets as documents, rendered to ESC/POS bytes or previews; PDF reports."""
