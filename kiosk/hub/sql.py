"""The one statement the hub needs that differs between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignoring_conflicts(session: Session, model: Any, rows: list[dict[str, Any]]) -> int:
    """``INSERT … ON CONFLICT DO NOTHING`` of ``rows``; the number actually inserted.

    On the mapped table (SQLAlchemy's public ``Mapper.local_table``) rather than the ORM
    class: the ORM's bulk path spends twice the database's time per row sorting out
    attributes the hub never uses (``bench/hub_ingest.py``)."""
    if not rows:
        return 0
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    mapper = inspect(model)
    statement = (
        dialect.insert(mapper.local_table).on_conflict_do_nothing().returning(*mapper.primary_key)
    )
    return len(session.execute(statement, rows).all())
