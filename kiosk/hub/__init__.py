"""The back-office hub: terminals upload their journals here and fetch signed parameters.

Run by ``kiosk hub``; ``docs/sync.md`` is the contract with the terminal. Every decision
reads the database, so several hub processes may serve one PostgreSQL database.
"""
