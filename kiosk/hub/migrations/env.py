"""Alembic environment of the hub: runs on the connection ``kiosk.hub.db.migrate`` hands over."""

from __future__ import annotations

from alembic import context

from kiosk.hub.db import VERSION_TABLE
from kiosk.hub.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only through kiosk.hub.db.migrate()
    raise RuntimeError("run migrations through kiosk.hub.db.migrate()")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=VERSION_TABLE,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
