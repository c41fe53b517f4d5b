"""The PostgreSQL store: a psycopg 3 connection with the same small surface as the SQLite KnowledgeBase.

knowledge/ calls `db.execute`, `db.query`, `db.atomic()` and `db.conn`; this class gives those over a
PostgreSQL server, translating each statement (knowledge.pg.translate) and turning the server's errors
into the sqlite3 exception classes the rest of the code already handles (a unique key broken is an
IntegrityError on both back ends), except a refused permission, which becomes PermissionRefused.
"""

from __future__ import annotations

import contextlib
import functools
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

from knowledge.errors import Refusal
from knowledge.pg.translate import translate


class PermissionRefused(Refusal):
    """The server refused a change this member may not make (a role or row-level security policy)."""


class ServerError(Exception):
    """The team workspace's server cannot be reached or refused the connection."""


def is_server_url(target: object) -> bool:
    """True for a PostgreSQL connection URL (`postgresql://...` or `postgres://...`)."""
    text = str(target)
    return text.startswith(("postgresql://", "postgres://"))


def safe_url(url: str) -> str:
    """The URL as it may be shown or logged: any password in it replaced by ***."""
    parts = urlsplit(str(url))
    if parts.password is None:
        return str(url)
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def database_name(url: str) -> str:
    """The database a URL names (the path after the host), or '' when it names none."""
    return unquote(urlsplit(str(url)).path.lstrip("/"))


def with_database(url: str, name: str) -> str:
    """The same server URL naming another database (e.g. `postgres`, to create a new workspace)."""
    parts = urlsplit(str(url))
    return urlunsplit(parts._replace(path="/" + name))


def _map_error(exc: BaseException) -> BaseException:
    import psycopg

    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        return PermissionRefused(message)
    if isinstance(exc, psycopg.errors.RaiseException) and "not allowed" in message:
        return PermissionRefused(message)
    if isinstance(exc, (psycopg.IntegrityError, psycopg.errors.RaiseException)):
        return sqlite3.IntegrityError(message)
    if isinstance(exc, psycopg.OperationalError):
        return sqlite3.OperationalError(message)
    if isinstance(exc, psycopg.ProgrammingError):
        return sqlite3.OperationalError(message)
    return sqlite3.DatabaseError(message)


def _param(value: Any) -> Any:
    # SQLite stores booleans as 0/1 in INTEGER columns; so does this schema, and PostgreSQL will not
    # compare an integer with a boolean.
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def _params(params: Sequence[Any] | dict | None) -> list | dict:
    if params is None:
        return []
    if isinstance(params, dict):
        return {k: _param(v) for k, v in params.items()}
    return [_param(v) for v in params]


def _value(value: Any) -> Any:
    return bytes(value) if isinstance(value, memoryview) else value


class Cursor:
    """The part of a sqlite3 cursor the code uses: rows (tuples), lastrowid, rowcount."""

    def __init__(self, rows: list[tuple] | None, rowcount: int, lastrowid: int | None, description=None):
        self._rows = rows or []
        self._at = 0
        self.rowcount = rowcount
        self.lastrowid = lastrowid
        self.description = description

    def fetchone(self) -> tuple | None:
        if self._at >= len(self._rows):
            return None
        self._at += 1
        return self._rows[self._at - 1]

    def fetchall(self) -> list[tuple]:
        rest = self._rows[self._at :]
        self._at = len(self._rows)
        return rest

    def fetchmany(self, size: int = 1) -> list[tuple]:
        rows = self._rows[self._at : self._at + size]
        self._at += len(rows)
        return rows

    def __iter__(self) -> Iterator[tuple]:
        while (row := self.fetchone()) is not None:
            yield row


class _ConnShim:
    """`db.conn` for the few callers that reach for the raw connection (close, executemany, counters)."""

    def __init__(self, db: PgDatabase):
        self._db = db

    @property
    def in_transaction(self) -> bool:
        import psycopg

        return self._db.pg.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    @property
    def total_changes(self) -> int:
        return self._db.total_changes

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> Cursor:
        return self._db.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Cursor:
        return self._db.executemany(sql, rows)

    def close(self) -> None:
        self._db.close()

    def commit(self) -> None:  # transactions are explicit (atomic); nothing is left open between them
        pass


class PgDatabase:
    """A team workspace on a PostgreSQL server, used through the same calls as the SQLite KnowledgeBase."""

    dialect = "postgresql"

    def __init__(self, pg: Any, url: str):
        self.pg = pg
        self.url = url
        self.conn = _ConnShim(self)
        self.total_changes = 0  # rows this connection wrote: the SQLite counter of the same name
        # Who this connection's changes are recorded as (knowledge.changelog.who_of): the login role.
        self.member_login = str(pg.execute("SELECT session_user").fetchone()[0])
        self._depth = 0  # open atomic() blocks: a dropped connection is re-opened only outside them

    # -- the calls knowledge/ uses ---------------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] | dict | None = None) -> Cursor:
        head = _head(sql)
        if head == "PRAGMA":
            return self._pragma(sql.strip().upper())
        text, returns_id = translate(sql)
        if text == "BEGIN":
            raise sqlite3.OperationalError("use db.atomic() for a transaction on the PostgreSQL store")
        cur, rows = self._send(text, _params(params))
        if cur.rowcount and cur.rowcount > 0 and head not in ("SELECT", "WITH"):
            self.total_changes += cur.rowcount
        lastrowid = None
        if returns_id and rows:
            lastrowid = rows[0][0]
            rows = []
        return Cursor(rows, cur.rowcount, lastrowid, cur.description)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Cursor:
        text, returns_id = translate(sql)
        if returns_id:
            text = text[: -len(" RETURNING id")]
        batch = [_params(r) for r in rows]
        if not batch:
            return Cursor(None, 0, None)
        try:
            with self.pg.cursor() as cur:
                cur.executemany(text, batch)
                count = cur.rowcount
        except Exception as exc:
            if _is_psycopg(exc):
                raise _map_error(exc) from exc
            raise
        self.total_changes += max(count, 0)
        return Cursor(None, count, None)

    def query(self, sql: str, params: Sequence[Any] | dict | None = None) -> Iterator[dict]:
        cur = self.execute(sql, params)
        names = [d.name for d in cur.description or ()]
        for row in cur.fetchall():
            yield dict(zip(names, row, strict=True))

    def _send(self, text: str, params: list | dict) -> tuple[Any, list[tuple] | None]:
        """Run one statement; a connection the server or network dropped is opened again once, when no
        transaction was open on it (inside one, the work is lost with it: the error says so)."""
        for attempt in (1, 2):
            try:
                cur = self.pg.execute(text, params)
                rows = [tuple(_value(v) for v in r) for r in cur.fetchall()] if cur.description else None
                return cur, rows
            except Exception as exc:  # psycopg's errors, worded as the rest of the code expects
                if not _is_psycopg(exc):
                    raise
                if attempt == 1 and self._depth == 0 and self.pg.broken:
                    self._reconnect(exc)
                    continue
                raise _map_error(exc) from exc
        raise AssertionError("unreachable")

    def _reconnect(self, cause: BaseException) -> None:
        import psycopg

        try:
            self.pg = psycopg.connect(self.url, autocommit=True, application_name="roundtable-desk")
        except psycopg.OperationalError as exc:
            raise sqlite3.OperationalError(
                f"lost the connection to the team workspace {safe_url(self.url)} and cannot reconnect:"
                f" {_connect_reason(self.url, exc).rsplit(': ', 1)[-1]}"
            ) from cause

    @contextlib.contextmanager
    def _nested(self) -> Iterator[None]:
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1

    @contextlib.contextmanager
    def atomic(self) -> Iterator[PgDatabase]:
        """One transaction (a savepoint when nested), as KnowledgeBase.atomic."""
        try:
            with self._nested(), self.pg.transaction():
                yield self
        except Exception as exc:
            if _is_psycopg(exc):
                raise _map_error(exc) from exc
            raise

    def close(self) -> None:
        self.pg.close()

    # -- what SQLite answers with PRAGMAs ----------------------------------------------------------------
    def _pragma(self, statement: str) -> Cursor:
        name = statement.removeprefix("PRAGMA").strip().split("=")[0].split("(")[0].strip().lower()
        if name == "data_version":
            _, rows = self._send("SELECT last_value FROM rt_data_version", [])
            return Cursor([(int(rows[0][0]),)], 1, None)
        if name == "user_version":
            from knowledge.pg.schema import schema_version

            return Cursor([(schema_version(self),)], 1, None)
        if name in ("foreign_keys", "synchronous", "journal_mode", "busy_timeout"):
            return Cursor([("postgresql",)], 1, None)
        raise sqlite3.OperationalError(f"PRAGMA {name} has no meaning on a PostgreSQL team workspace")

    # -- who is connected ------------------------------------------------------------------------------
    @property
    def login(self) -> str:
        """The PostgreSQL role this connection acts as: the member whose changes these are."""
        return self.member_login


@functools.lru_cache(maxsize=2048)
def _head(sql: str) -> str:
    """A statement's first word, upper case (cached: the same statements run again and again)."""
    words = sql.split(None, 1)
    return words[0].upper() if words else ""


def _is_psycopg(exc: BaseException) -> bool:
    return type(exc).__module__.startswith("psycopg")


def connect(url: str, *, password: str | None = None) -> PgDatabase:
    """Connect to a team workspace. A password comes from the standard places (~/.pgpass, PGPASSWORD or
    PGPASSFILE) or the `password` argument (a prompt), never from the stored or logged URL."""
    import psycopg

    kwargs: dict[str, Any] = {"autocommit": True, "application_name": "roundtable-desk"}
    if password is not None:
        kwargs["password"] = password
    try:
        pg = psycopg.connect(url, **kwargs)
    except psycopg.OperationalError as exc:
        raise ServerError(_connect_reason(url, exc)) from exc
    return PgDatabase(pg, url)


def needs_password(exc: BaseException) -> bool:
    """True when a failed connection would succeed with a password (so a prompt can ask for one)."""
    text = str(exc.__cause__ or exc).lower()
    return "no password supplied" in text or "password authentication failed" in text


def _connect_reason(url: str, exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    detail = lines[-1] if lines else type(exc).__name__
    detail = detail.removeprefix("FATAL:").strip()
    return f"cannot connect to the team workspace {safe_url(url)}: {detail}"


def create_database(url: str, *, password: str | None = None) -> None:
    """Create the database a URL names, connecting to the server's `postgres` database to do it."""
    import psycopg
    from psycopg import sql

    name = database_name(url)
    try:
        with psycopg.connect(with_database(url, "postgres"), autocommit=True, password=password) as pg:
            pg.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.errors.DuplicateDatabase:
        return  # another program created it a moment ago: the same outcome
    except psycopg.errors.InsufficientPrivilege as exc:
        raise ServerError(
            f"the database {name} does not exist and {safe_url(url)} may not create it: ask the server's"
            " administrator to create it (createdb) and connect again"
        ) from exc
    except psycopg.OperationalError as exc:
        raise ServerError(_connect_reason(url, exc)) from exc


def cache_folder(url: str) -> Path:
    """Where this machine keeps a team workspace's local search caches (faiss and term index): under the
    per-user cache folder ($ROUNDTABLE_CACHE overrides), one folder per server and database, never in the
    shared database."""
    import hashlib
    import os

    parts = urlsplit(str(url))
    query = parse_qs(parts.query)
    host = parts.hostname or (query.get("host") or ["local"])[0]
    key = f"{parts.username or ''}@{host}:{parts.port or 5432}/{database_name(url)}"
    digest = hashlib.blake2b(key.encode(), digest_size=6).hexdigest()
    base = os.environ.get("ROUNDTABLE_CACHE")
    if base:
        root = Path(base).expanduser()
    else:
        from platformdirs import user_cache_dir

        root = Path(user_cache_dir("roundtable-desk", appauthor=False))
    label = re.sub(r"[^A-Za-z0-9_.-]", "_", database_name(url))[:40] or "workspace"
    return root / "team" / f"{label}-{digest}"
