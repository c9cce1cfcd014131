"""Core statements compiled once per dialect and run on the driver's own cursor.

Every sale's commit runs about eight statements. Through ``Connection.execute`` each one
costs about 65 µs of SQLAlchemy bookkeeping (execution context, result metadata, events)
against about 4 µs in the driver itself, which made the journal three times slower than
the database. A :class:`Prepared` statement keeps what SQLAlchemy is good at and skips the
rest: the SQL text still comes from SQLAlchemy's compiler for the engine's dialect (so the
same statement runs on SQLite and PostgreSQL), and every value passes through the column
types' own bind and result processors (so datetimes, enums and JSON are stored exactly as
the ORM writes and reads them). It runs inside the caller's SQLAlchemy transaction, on the
same driver connection. SQLAlchemy has no public "execute compiled on this cursor" call,
hence this small module; it reads the compiled form through ``positiontup``, ``binds`` and
the processor maps SQLAlchemy itself uses, and tests pin it on both backends.

Only statements on the hot path are prepared; everything else uses the ORM or
``Connection.execute`` as usual. They are all built inside ``kiosk/journal/`` (``store``,
``states``, ``fulfilment``); a layering test keeps ``Prepared`` and ``__table__`` there.

The internals read here (``SQLCompiler.positiontup``, ``binds``, ``_bind_processors``,
``TypeEngine._cached_result_processor``) are not a public API, so ``pyproject.toml`` pins
SQLAlchemy below the next minor version, one these have not been tested on. To upgrade:
raise the pin, run ``tests/journal/test_prepared.py`` (it compares every prepared
statement's rows and stored values with what the ORM reads and writes, on SQLite and
PostgreSQL) and ``bench/journal.py``. If they fail and the fix is not obvious, make
:meth:`kiosk.journal.store.Tx.run` and ``run_many`` execute ``statement.statement``
through ``self.connection.execute`` instead: the same results, about three times slower
commits, and nothing else changes.
"""

from __future__ import annotations

import re
import weakref
from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any]


@dataclass(frozen=True)
class _Compiled:
    """One statement compiled for one dialect, with what it takes to bind and read it."""

    sql: str
    positional: bool
    names: tuple[str, ...]
    defaults: Mapping[str, Any]
    bind: Mapping[str, Processor]
    row: type | None
    result: tuple[Processor | None, ...]

    def params(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        out = []
        for name in self.names:
            value = values[name] if name in values else self.defaults[name]
            proc = self.bind.get(name)
            out.append(value if proc is None or value is None else proc(value))
        return out if self.positional else dict(zip(self.names, out, strict=True))

    def rows(self, raw: Iterable[Sequence[Any]]) -> list[Any]:
        assert self.row is not None
        make, procs = self.row, self.result
        return [
            make(*(v if p is None or v is None else p(v) for p, v in zip(procs, r, strict=True)))
            for r in raw
        ]


def _compile(statement: ClauseElement, dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    sql = compiled.string
    if compiled.positiontup is not None:
        names = tuple(compiled.positiontup)
    else:
        # Named styles (psycopg's %(name)s): the names the SQL text actually uses, in order.
        names = tuple(dict.fromkeys(m for m in re.findall(r"%\((\w+)\)s", sql)))
    defaults = {name: bind.value for name, bind in compiled.binds.items() if not bind.required}
    columns = list(getattr(statement, "exported_columns", ()))
    row = namedtuple("Row", [c.key for c in columns], rename=True) if columns else None  # type: ignore[misc]
    result = tuple(c.type._cached_result_processor(dialect, None) for c in columns)
    return _Compiled(
        sql=sql,
        positional=compiled.positiontup is not None,
        names=names,
        defaults=defaults,
        bind=cast(Mapping[str, Processor], dict(compiled._bind_processors)),
        row=row,
        result=result,
    )


class Prepared:
    """A hot-path statement: build it once at import, run it with :meth:`Tx.run`."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._by_dialect: weakref.WeakKeyDictionary[Dialect, _Compiled] = (
            weakref.WeakKeyDictionary()
        )

    def compiled(self, dialect: Dialect) -> _Compiled:
        """This statement for ``dialect`` (compiled on first use, kept while the engine lives)."""
        found = self._by_dialect.get(dialect)
        if found is None:
            found = self._by_dialect[dialect] = _compile(self.statement, dialect)
        return found
