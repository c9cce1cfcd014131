"""The one statement the hub needs that differs between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignoring_conflicts(session: Session, model: Any, rows: list[dict[str, Any]]) -> int:
    """``INSERT … ON CONFLICT DO NOTHING`` of ``rows``; the number actually inserted."""
    if not rows:
        return 0
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(model).on_conflict_do_nothing().returning(*inspect(model).primary_key)
    )
    return len(session.execute(statement, rows).all())
