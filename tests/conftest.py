"""Shared test setup: offscreen Qt, a modest hypothesis budget, journal fixtures."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import tests.support.none_refs  # noqa: F401 - keeps None alive under PySide6 6.12 (see there)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never let a developer's or the machine's config leak into a test.
os.environ.pop("KIOSK_CONFIG", None)

settings.register_profile(
    "kiosk", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("fuzz", max_examples=5000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "kiosk"))

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def journal_url(tmp_path: Path) -> str:
    """A fresh SQLite journal file (the production default)."""
    return f"sqlite:///{tmp_path / 'journal.db'}"


@pytest.fixture
def store(journal_url: str) -> Iterator[object]:
    from kiosk.journal.store import JournalStore

    s = JournalStore(journal_url, "TEST0001")
    yield s
    s.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server for this test session (skips only where none can run)."""
    from tests.support.postgres import available, postgres_server

    reason = available()
    if reason:
        pytest.skip(reason)
    with postgres_server() as url:
        yield url


@pytest.fixture
def pg_url(postgres_url: str) -> str:
    """A fresh database on the session's server, so tests do not see each other's rows."""
    from sqlalchemy import create_engine, text

    name = f"k_{uuid.uuid4().hex[:12]}"
    engine = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return postgres_url.replace("/postgres?", f"/{name}?")
