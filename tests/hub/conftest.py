"""A real hub under uvicorn per module, on SQLite (and PostgreSQL where marked)."""

from __future__ import annotations

import functools
import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from kiosk.hub.models import HubEntry
from tests.support.hub import HubProcess, Terminal, enrol, running_hub

_numbers = itertools.count(1)


@dataclass
class LiveHub:
    """A hub process, its database and key directory."""

    process: HubProcess
    db: str
    data_dir: Path

    @property
    def url(self) -> str:
        return self.process.url

    def terminal(self, name: str | None = None) -> Terminal:
        """A newly enrolled terminal (a fresh id unless ``name`` is given)."""
        terminal_id = name or f"T{next(_numbers)}"
        return enrol(self.data_dir, self.db, self.url, terminal_id)

    def session(self) -> Session:
        return Session(self.engine)

    @functools.cached_property
    def engine(self) -> Engine:
        return create_engine(self.db, poolclass=NullPool)

    def count(self, model: type, **where: object) -> int:
        with self.session() as session:
            query = select(func.count()).select_from(model)
            for column, value in where.items():
                query = query.where(getattr(model, column) == value)
            return int(session.scalar(query) or 0)

    def seqs(self, terminal_id: str) -> list[int]:
        with self.session() as session:
            return list(
                session.scalars(
                    select(HubEntry.seq)
                    .where(HubEntry.terminal_id == terminal_id)
                    .order_by(HubEntry.seq)
                )
            )


def new_database(request: pytest.FixtureRequest, backend: str, data_dir: Path) -> str:
    """An empty database: an SQLite file in ``data_dir``, or a fresh PostgreSQL database on
    the server the suite starts."""
    if backend == "sqlite":
        return f"sqlite:///{data_dir / 'hub.db'}"
    server = request.getfixturevalue("postgres_url")
    name = f"hub_{uuid.uuid4().hex[:12]}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server.replace("/postgres?", f"/{name}?")


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module", params=BACKENDS)
def live_hub(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveHub]:
    """A hub process on SQLite, then on PostgreSQL."""
    data_dir = tmp_path_factory.mktemp("hub")
    db = new_database(request, request.param, data_dir)
    with running_hub(data_dir, db) as process:
        yield LiveHub(process, db, data_dir)


@pytest.fixture
def terminal(live_hub: LiveHub) -> Terminal:
    return live_hub.terminal()
