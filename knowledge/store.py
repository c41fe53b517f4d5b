"""The store interface every part of the record is written against, with its two back ends.

A store is what `knowledge.workspace.open_db` returns: the SQLite KnowledgeBase (a file, the default) or
the PostgreSQL PgDatabase (a team workspace). Code in knowledge/ and indexes/ takes a Store and writes
SQL in one dialect, SQLite's, with `?` parameters; the PostgreSQL back end translates it
(knowledge/pg/translate.py). What differs by nature (full-text search, change counters, file backups) asks
`dialect(db)`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol


class Cursor(Protocol):
    """The part of a DB-API cursor the code uses."""

    rowcount: int
    lastrowid: int | None

    def fetchone(self) -> tuple | None: ...
    def fetchall(self) -> list[tuple]: ...
    def __iter__(self) -> Iterator[tuple]: ...


class Store(Protocol):
    """A workspace's database, whichever back end holds it."""

    def execute(self, sql: str, params: Sequence[Any] | dict | None = ...) -> Cursor: ...
    def query(self, sql: str, params: Sequence[Any] | dict | None = ...) -> Iterable[dict[str, Any]]: ...
    def atomic(self) -> contextlib.AbstractContextManager[Any]: ...


def dialect(db: Any) -> str:
    """'sqlite' or 'postgresql': for the few things the back ends do differently by nature."""
    return getattr(db, "dialect", "sqlite")


def is_team(db: Any) -> bool:
    """True for a team workspace on a PostgreSQL server."""
    return dialect(db) == "postgresql"
