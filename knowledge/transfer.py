"""Moving a workspace between a SQLite file and a PostgreSQL team workspace, documents to log intact."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knowledge.changelog import record, who_of
from knowledge.codebook import BUILTIN_SET
from knowledge.db import SCHEMA_VERSION, DatabaseError, schema_version
from knowledge.pg.connection import PermissionRefused, ServerError, database_name, is_server_url, safe_url
from knowledge.vocab import Change, Entity
from knowledge.workspace import open_db

# Every table both schemas share, parents before children, so each row's foreign keys already exist when it
# is written (PostgreSQL's keys are not deferrable). A migration that adds a table must add it here or to
# one of the sets below: _columns refuses a table it has not been told about.
TABLES: tuple[str, ...] = (
    "organisations",
    "documents",
    "passages",
    "passage_vectors",
    "recommendation_sets",
    "recommendations",
    "roundtables",
    "roundtable_documents",
    "actions",
    "action_recommendations",
    "progress_updates",
    "evidence_links",
    "settings",
    "change_log",
    "document_bin",
    "return_forms",
    "return_rows",
    "match_checks",
)
# A team workspace's people have no place in a personal file: a pull leaves them (and says how many).
TEAM_ONLY: tuple[str, ...] = ("members", "member_organisations")
# Derived or bookkeeping tables each side keeps for itself: the FTS5 index is filled by SQLite's triggers,
# keyword_changes only tells a running term index what changed since it was built.
NOT_COPIED: frozenset[str] = frozenset({"keyword_changes", "schema_info", "sqlite_sequence"})
# The tables a push or pull copies in bulk with COPY rather than row by row: the big ones.
_BULK = frozenset({"passages", "passage_vectors", "documents", "change_log"})
_BATCH = 2000

Progress = Callable[[int, int, str], None] | None


class TransferError(Exception):
    """A push or pull refused or failed, in one line a person can act on; nothing was written."""


@dataclass
class TransferReport:
    """What a push or pull did: from where to where (passwords hidden), rows per table, time taken."""

    direction: str  # Change.PUSHED or Change.PULLED
    source: str
    target: str
    counts: dict[str, int] = field(default_factory=dict)
    left: dict[str, int] = field(default_factory=dict)  # rows of the team's own tables a pull did not copy
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "direction": str(self.direction),
            "source": self.source,
            "target": self.target,
            "counts": dict(self.counts),
            "left": dict(self.left),
            "rows": self.rows,
            "seconds": round(self.seconds, 3),
        }


# ---- the two schemas, side by side ---------------------------------------------------------------------


def _sqlite_tables(db: Any) -> set[str]:
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows if not name.startswith(("sqlite_", "passages_fts"))}


def _pg_tables(pg: Any) -> set[str]:
    rows = pg.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        " AND table_type = 'BASE TABLE'"
    ).fetchall()
    return {name for (name,) in rows}


def _sqlite_columns(db: Any, table: str) -> list[str]:
    return [row[1] for row in db.execute(f"PRAGMA table_info({table})").fetchall()]


def _pg_columns(pg: Any, table: str) -> list[str]:
    # Generated columns (passages.tsv) are the server's own: it computes them from the copied text.
    rows = pg.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public'"
        " AND table_name = %s AND is_generated = 'NEVER' ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [name for (name,) in rows]


def _check_tables(sqlite_db: Any, pg: Any) -> None:
    """Both schemas hold exactly the tables this module knows: a table it does not know would be lost."""
    known = set(TABLES) | NOT_COPIED
    unknown = (_sqlite_tables(sqlite_db) - known) | (_pg_tables(pg) - known - set(TEAM_ONLY))
    missing = {t for t in TABLES if t not in _sqlite_tables(sqlite_db) or t not in _pg_tables(pg)}
    if unknown or missing:  # a migration this module was not taught about: a bug, not the user's doing
        raise RuntimeError(
            f"knowledge.transfer does not know the tables {sorted(unknown)} / misses {sorted(missing)}"
        )


def _columns(sqlite_db: Any, pg: Any, table: str) -> list[str]:
    """The columns of a table, in SQLite's order; both sides must have the same ones."""
    lite, server = _sqlite_columns(sqlite_db, table), _pg_columns(pg, table)
    if set(lite) != set(server):
        raise RuntimeError(
            f"{table} differs between the SQLite and PostgreSQL schemas: {sorted(set(lite) ^ set(server))}"
        )
    return lite


def _order_key(columns: Sequence[str]) -> str:
    # Primary key order (ids ascending; composite keys column by column): the copy reads back the same.
    if "id" in columns:
        return "id"
    if "passage_id" in columns:
        return "passage_id"
    if "key" in columns:
        return "key"
    return ", ".join(columns)


def _parents_first(rows: list[tuple], columns: Sequence[str]) -> list[tuple]:
    """Organisations whose parent comes later by id moved after it: foreign keys are checked row by row."""
    if "parent_id" not in columns:
        return rows
    at_id, at_parent = columns.index("id"), columns.index("parent_id")
    placed: set[Any] = set()
    ordered: list[tuple] = []
    waiting = rows
    while waiting:
        later = [r for r in waiting if r[at_parent] is not None and r[at_parent] not in placed]
        ready = [r for r in waiting if r not in later] if later else waiting
        if not ready:  # a cycle cannot be written parent-first: let the database say what is wrong
            ordered.extend(later)
            break
        ordered.extend(ready)
        placed.update(r[at_id] for r in ready)
        waiting = later
    return ordered


def _report(progress: Progress, done: int, total: int, label: str) -> None:
    if progress is not None:
        progress(done, total, label)


@contextlib.contextmanager
def _errors(where: str) -> Iterator[None]:
    """The failures a person can cause or fix, as one TransferError line naming where."""
    try:
        yield
    except TransferError:
        raise
    except (DatabaseError, ServerError) as exc:
        raise TransferError(str(exc)) from exc
    except PermissionRefused as exc:
        raise TransferError(f"{where}: the server refused: {exc}") from exc
    except sqlite3.Error as exc:
        raise TransferError(f"{where}: {exc}; nothing was written") from exc
    except Exception as exc:
        if not type(exc).__module__.startswith("psycopg"):
            raise
        # The raw connection's errors (COPY, the snapshot): the server's first line says what went wrong.
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise TransferError(f"{where}: {first}; nothing was written") from exc


# ---- push: a database file into a new team workspace ---------------------------------------------------


def _seeded_only(pg: Any) -> bool:
    """True when the workspace holds nothing but what opening it seeded: the built-in codebook and the one
    log entry of its loading. Such a workspace counts as empty; anything else is someone's work. Its members
    (the creator, made its first admin, and any added before the push) stay: the file has none."""
    for table in TABLES:
        if table in ("recommendation_sets", "recommendations", "change_log"):
            continue
        if pg.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0]:
            return False
    slugs = [slug for (slug,) in pg.execute("SELECT slug FROM recommendation_sets").fetchall()]
    if any(slug != BUILTIN_SET for slug in slugs):
        return False
    others = pg.execute(
        "SELECT count(*) FROM change_log WHERE NOT (entity = %s AND change = %s)",
        [Entity.RECOMMENDATION_SET.value, Change.LOADED.value],
    ).fetchone()[0]
    loads = pg.execute("SELECT count(*) FROM change_log").fetchone()[0]
    return others == 0 and loads <= len(slugs)


def _holdings(pg: Any) -> str:
    """What the workspace holds, in a few words: what a person recognises as work."""
    names = {"documents": "documents", "actions": "actions", "organisations": "organisations"}
    names["change_log"] = "change log entries"
    counts = {label: _count_pg(pg, table) for table, label in names.items()}
    held = [f"{n} {label}" for label, n in counts.items() if n] or ["rows"]
    return ", ".join(held)


def _clear_seed(pg: Any) -> None:
    """Remove the seeded codebook and its log entry, inside the push's transaction: the file brings its own.
    The log refuses deletes; its owner may lift that for this one transaction (a failed push restores it)."""
    pg.execute("DELETE FROM recommendation_sets")
    if pg.execute("SELECT EXISTS (SELECT 1 FROM change_log)").fetchone()[0]:
        owner = pg.execute(
            "SELECT pg_has_role(current_user, relowner, 'USAGE') FROM pg_class"
            " WHERE oid = 'public.change_log'::regclass"
        ).fetchone()[0]
        if not owner:
            raise TransferError(
                "the workspace holds the built-in codebook, which only its owner can clear; push into a new"
                " database name"
            )
        pg.execute("ALTER TABLE change_log DISABLE TRIGGER change_log_no_delete")
        pg.execute("DELETE FROM change_log")
        pg.execute("ALTER TABLE change_log ENABLE TRIGGER change_log_no_delete")


def _rls_tables(pg: Any) -> set[str]:
    rows = pg.execute(
        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relrowsecurity"
    ).fetchall()
    return {name for (name,) in rows}


def _pg_types(pg: Any, table: str) -> dict[str, str]:
    rows = pg.execute(
        "SELECT column_name, udt_name FROM information_schema.columns WHERE table_schema = 'public'"
        " AND table_name = %s",
        [table],
    ).fetchall()
    return dict(rows)


def _write_pg(pg: Any, table: str, columns: Sequence[str], rows: Iterable[tuple], *, bulk: bool) -> None:
    names = ", ".join(columns)
    if bulk:
        # Binary COPY: vectors go as their bytes, not as hex text twice their size for the server to parse.
        types = _pg_types(pg, table)
        with pg.cursor() as cur, cur.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types([types[column] for column in columns])
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join(["%s"] * len(columns))
    with pg.cursor() as cur:
        batch: list[tuple] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= _BATCH:
                cur.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)
                batch = []
        if batch:
            cur.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)


def _reset_sequences(pg: Any, tables: Iterable[str]) -> None:
    """Each identity column continues past the largest id copied, so the next row added gets a new one."""
    identity = pg.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
        " AND is_identity = 'YES'"
    ).fetchall()
    wanted = set(tables)
    for table, column in identity:
        if table in wanted:
            pg.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, %s),"
                f" coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)",
                [table, column],
            )


def _count_pg(pg: Any, table: str) -> int:
    return int(pg.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _count_sqlite(db: Any, table: str) -> int:
    return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _open_source_file(path: Path) -> Any:
    if not path.is_file():
        raise TransferError(f"no database file at {path}")
    # No seeding: a push copies the file as it is, and must not add a codebook to it on the way.
    db = open_db(path, create=False, seed=False)
    version = schema_version(db)
    if version != SCHEMA_VERSION:  # open_db migrates; anything else is a file this program cannot read
        db.conn.close()
        raise TransferError(f"{path} is at schema {version}, this program writes {SCHEMA_VERSION}")
    return db


def _check_url(url: str) -> None:
    if not is_server_url(url):
        raise TransferError(
            f"{safe_url(url)!r} is not a team workspace URL: postgresql://LOGIN@HOST/DATABASE"
        )
    if not database_name(url):
        raise TransferError(
            f"name the workspace's database in the URL: postgresql://LOGIN@HOST/DATABASE ({safe_url(url)})"
        )


def push(
    source_path: str | Path, url: str, *, progress: Progress = None, password: str | None = None
) -> TransferReport:
    """Copy a personal database file into a new (or empty) team workspace: every table, ids, vectors, history
    and the change log's who and when kept, in one transaction, then one log entry of the push. The
    workspace is created when missing; one holding work already is refused whole. Raises TransferError."""
    from knowledge.pg import schema

    started = time.perf_counter()
    source = Path(source_path).expanduser()
    _check_url(url)
    shown = safe_url(url)
    with _errors(str(source)):
        lite = _open_source_file(source)
    try:
        with _errors(shown):
            # No seeding either: the file's own codebook (with its ids and log) is what arrives.
            team = open_db(url, create=True, seed=False, password=password)
        try:
            with _errors(shown):
                report = _push(lite, team, source, shown, progress, schema)
        finally:
            team.close()
    finally:
        lite.conn.close()
    report.seconds = time.perf_counter() - started
    return report


def _push(lite: Any, team: Any, source: Path, shown: str, progress: Progress, schema: Any) -> TransferReport:
    pg = team.pg
    if schema.member_role(team) != "admin":
        raise TransferError(f"only an admin of {shown} may push a workspace into it (you are {team.login})")
    _check_tables(lite, pg)
    report = TransferReport(Change.PUSHED, str(source), shown)
    with team.atomic():
        # Serialise with another push into the same workspace: the emptiness check holds until commit.
        pg.execute("LOCK TABLE documents, actions IN EXCLUSIVE MODE")
        if not _seeded_only(pg):
            raise TransferError(
                f"{shown} already holds a workspace ({_holdings(pg)}); nothing was copied: push into a new"
                " database name"
            )
        _clear_seed(pg)
        # The log's entries keep the who they carry (the server would write the pusher's login instead).
        pg.execute("SET LOCAL roundtable.keep_who = 'on'")
        rls = _rls_tables(pg)
        total = len(TABLES) + 1
        for done, table in enumerate(TABLES, 1):
            columns = _columns(lite, pg, table)
            rows = lite.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {_order_key(columns)}")
            rows = _parents_first(rows.fetchall(), columns) if table == "organisations" else rows
            # COPY refuses a table whose row security applies to this login; such tables go row by row.
            _write_pg(pg, table, columns, rows, bulk=table in _BULK and table not in rls)
            report.counts[table] = _count_pg(pg, table)
            _report(progress, done, total, table)
        _reset_sequences(pg, TABLES)
        for table in TABLES:  # the consistency check: every row arrived
            if (expected := _count_sqlite(lite, table)) != report.counts[table]:
                raise TransferError(
                    f"{table}: {report.counts[table]} rows arrived of {expected}; nothing was copied"
                )
        pg.execute("SET LOCAL roundtable.keep_who = 'off'")  # the move itself is the pusher's
        record(
            team,
            who=team.login,
            entity=Entity.WORKSPACE,
            entity_id=None,
            change=Change.PUSHED,
            after={"from": source.name, "to": shown, "rows": dict(report.counts)},
        )
        _report(progress, total, total, "change log")
    return report


# ---- pull: a team workspace into a new database file ---------------------------------------------------


def _partner_files(path: Path) -> list[Path]:
    return [Path(str(path) + suffix) for suffix in ("-wal", "-shm", "-journal")]


def pull(
    url: str,
    target_path: str | Path,
    *,
    progress: Progress = None,
    overwrite: bool = False,
    who: str | None = None,
    password: str | None = None,
) -> TransferReport:
    """Copy a team workspace into a new database file (for offline work or an archive): every table with its
    ids from one snapshot of the server, the search index filled by SQLite's own triggers, row counts
    checked, then one log entry of the pull. An existing file is refused unless `overwrite`; it is replaced
    only once the copy is complete. Raises TransferError."""
    started = time.perf_counter()
    _check_url(url)
    shown = safe_url(url)
    target = Path(target_path).expanduser()
    if target.is_dir():
        raise TransferError(f"{target} is a folder, not a database file")
    if target.exists() and not overwrite:
        raise TransferError(f"{target} already exists; choose another name, or --force to replace it")
    with _errors(shown):
        team = open_db(url, create=False, seed=False, password=password)
    # Written beside the target, then renamed over it: a failed pull leaves no half file and the old one.
    partial = target.with_name(f".{target.name}.pulling-{os.getpid()}")
    try:
        with _errors(str(target)):
            for leftover in (partial, *_partner_files(partial)):
                leftover.unlink(missing_ok=True)
            lite = open_db(partial, seed=False)
            try:
                report = _pull(team, lite, target, shown, progress, who)
            finally:
                lite.conn.close()
        for stale in _partner_files(target):  # an old file's journal must not meet the new file
            stale.unlink(missing_ok=True)
        os.replace(partial, target)
    except BaseException:
        for leftover in (partial, *_partner_files(partial)):
            leftover.unlink(missing_ok=True)
        raise
    finally:
        team.close()
    report.seconds = time.perf_counter() - started
    return report


def _pull(
    team: Any, lite: Any, target: Path, shown: str, progress: Progress, who: str | None
) -> TransferReport:
    pg = team.pg
    _check_tables(lite, pg)
    report = TransferReport(Change.PULLED, shown, str(target))
    total = len(TABLES) + 1
    expected: dict[str, int] = {}
    # One snapshot of the server: a colleague's change while the pull runs is in the copy whole or not at all.
    with pg.transaction():
        pg.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        with lite.atomic():
            for done, table in enumerate(TABLES, 1):
                columns = _columns(lite, pg, table)
                rows = pg.execute(
                    f"SELECT {', '.join(columns)} FROM {table} ORDER BY {_order_key(columns)}"
                ).fetchall()
                if table == "organisations":
                    rows = _parents_first(rows, columns)
                marks = ", ".join("?" * len(columns))
                lite.conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
                expected[table] = len(rows)
                report.counts[table] = _count_sqlite(lite, table)
                _report(progress, done, total, table)
            for table in TEAM_ONLY:
                if table in _pg_tables(pg) and (left := _count_pg(pg, table)):
                    report.left[table] = left
            for table in TABLES:
                if expected[table] != report.counts[table]:
                    arrived = report.counts[table]
                    raise TransferError(
                        f"{table}: {arrived} of {expected[table]} rows arrived; nothing was written"
                    )
            record(
                lite,
                who=who_of(lite, who),
                entity=Entity.WORKSPACE,
                entity_id=None,
                change=Change.PULLED,
                after={"from": shown, "to": target.name, "rows": dict(report.counts)},
            )
    _report(progress, total, total, "change log")
    return report
