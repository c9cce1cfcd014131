"""Alembic environment: runs on the connection the journal store hands over."""

from __future__ import annotations

from alembic import context

from kiosk.journal.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only through JournalStore / migrate()
    raise RuntimeError("run migrations through kiosk.journal.store.migrate()")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
