"""Backups of the knowledge base: online copies, checks that a file is one of ours, and restore with undo."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlite_utils

from knowledge.db import SCHEMA_VERSION, DatabaseError, backup_folder
from knowledge.files import replacing

SQLITE_HEADER = b"SQLite format 3\x00"
# Tables every Roundtable Desk database has had since its first schema: what tells ours from any SQLite file.
CORE_TABLES = frozenset(
    {"documents", "passages", "passage_vectors", "organisations", "actions", "recommendations", "settings"}
)


# Backup, restore and check care for a database file. A team workspace has none here: its server keeps,
# backs up and checks the data (its administrator's tools); `workspace pull` copies one to a file.
FILE_ONLY = {
    "backup": "backup is for a database file; a team workspace is backed up by its server (pg_dump),"
    " or copied to a file with `roundtable workspace pull`",
    "restore": "restore is for a database file; a team workspace is restored by its server's administrator"
    " (pg_restore)",
    "check": "check is for a database file; a team workspace's storage is looked after by its server"
    " (ask its administrator)",
}


def refuse_team_workspace(db: object, command: str) -> None:
    """Raise DatabaseError with FILE_ONLY[command] when `db` is a team workspace (a PostgreSQL store)."""
    if getattr(db, "dialect", "sqlite") == "postgresql":
        raise DatabaseError(FILE_ONLY[command])


class TargetExists(DatabaseError):
    """The backup file asked for is already there (and overwriting was not allowed)."""


@dataclass
class DatabaseInfo:
    """What a database or backup file holds, as a person would want to check before restoring it."""

    path: Path
    schema_version: int
    documents: int
    passages: int
    actions: int
    size: int

    def describe(self) -> str:
        return (
            f"schema {self.schema_version}; {self.documents:,} documents, {self.passages:,} passages, "
            f"{self.actions:,} actions; {self.size / 1e6:.1f} MB"
        )


def _stamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S")


def _unused(path: Path) -> Path:
    """path, or path with -2, -3... added: a dated name never lands on an earlier copy (two in a second)."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def _copy_to(conn: sqlite3.Connection, target: Path) -> None:
    """A consistent snapshot of an open database into target, written aside and renamed into place.

    The online backup API copies while other programs keep reading and writing; the copy is switched out
    of WAL mode so it is one self-contained file that can be moved or opened read-only."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with replacing(target) as tmp:
        dest = sqlite3.connect(str(tmp))
        try:
            conn.backup(dest)
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()


def backup_database(
    db: sqlite_utils.Database, target: str | Path, *, overwrite: bool = False
) -> DatabaseInfo:
    """Copy the open database to target (a file, or a folder to put a dated file in); returns its details.

    Raises DatabaseError when target exists and overwrite is False, or is the database itself (or the
    database is a team workspace)."""
    refuse_team_workspace(db, "backup")
    target = Path(target).expanduser()
    if target.is_dir():
        target = _unused(target / f"roundtable-{_stamp()}.db")
    source = db.execute("PRAGMA database_list").fetchone()[2]
    if source and target.exists() and os.path.samefile(source, target):
        raise DatabaseError("the backup would overwrite the database itself; choose another file")
    if target.exists() and not overwrite:
        raise TargetExists(f"{target} already exists")
    try:
        _copy_to(db.conn, target)
    except (OSError, sqlite3.Error) as exc:  # a full disk, a read-only folder
        raise DatabaseError(f"cannot write {target}: {getattr(exc, 'strerror', None) or exc}") from exc
    return inspect_database(target)


def backup_before_migration(db: sqlite_utils.Database, folder: Path, version: int) -> Path:
    """The automatic copy taken before a schema migration: `<folder>/<name>-schema<N>-<time>.db`."""
    source = Path(db.execute("PRAGMA database_list").fetchone()[2])
    target = _unused(folder / f"{source.stem}-schema{version}-{_stamp()}.db")
    _copy_to(db.conn, target)
    return target


def inspect_database(path: str | Path) -> DatabaseInfo:
    """Check that path is a sound Roundtable Desk database of a schema this program knows; its details.

    Raises DatabaseError with a one-line reason otherwise: missing, not SQLite, another program's
    database, written by a newer version, or damaged. Opens the file read-only."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise DatabaseError(f"{path}: {'not a file' if path.exists() else 'no such file'}")
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise DatabaseError(f"{path}: cannot read it ({exc.strerror or exc})") from exc
    if header != SQLITE_HEADER:
        raise DatabaseError(f"{path} is not a database file (not SQLite)")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise DatabaseError(f"{path}: cannot open it ({exc})") from exc
    try:
        return _describe(conn, path)
    except sqlite3.Error as exc:
        raise DatabaseError(f"{path} is damaged ({exc})") from exc
    finally:
        conn.close()


def _describe(conn: sqlite3.Connection, path: Path) -> DatabaseInfo:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if version == 0 or not CORE_TABLES <= tables:
        raise DatabaseError(f"{path} is not a Roundtable Desk database")
    if version > SCHEMA_VERSION:
        raise DatabaseError(
            f"{path} was written by a newer Roundtable Desk (schema {version}; this program knows "
            f"{SCHEMA_VERSION})"
        )
    problems = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
    if problems != ["ok"]:
        raise DatabaseError(f"{path} is damaged ({'; '.join(problems)})")

    def count(table: str) -> int:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    return DatabaseInfo(
        path, version, count("documents"), count("passages"), count("actions"), path.stat().st_size
    )


def replace_contents(db: sqlite_utils.Database, source: str | Path) -> tuple[DatabaseInfo, Path]:
    """Replace the open database's contents with a backup's, saving the replaced contents first (undo);
    returns the backup's details and where the replaced contents went. Migrating and seeding the result
    is knowledge.workspace.restore_database's job.

    The backup is checked before anything changes. The copy goes through SQLite's backup API into the
    live file, so other programs with it open see the restored data after their next read rather than a
    file swapped under them. Raises DatabaseError when the file is unfit (or the database is a team
    workspace)."""
    refuse_team_workspace(db, "restore")
    info = inspect_database(source)
    current = Path(db.execute("PRAGMA database_list").fetchone()[2])
    if os.path.samefile(current, info.path):
        raise DatabaseError("that file is the database itself")
    previous = _unused(backup_folder(current) / f"{current.stem}-before-restore-{_stamp()}.db")
    try:
        _copy_to(db.conn, previous)
    except (OSError, sqlite3.Error) as exc:
        raise DatabaseError(
            f"could not save the current database to {previous} first ({exc}); nothing was restored"
        ) from exc
    src = sqlite3.connect(f"{info.path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        src.backup(db.conn)
    except sqlite3.Error as exc:
        raise DatabaseError(f"could not restore from {info.path} ({exc}); the database is unchanged") from exc
    finally:
        src.close()
    if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        db.execute("PRAGMA journal_mode = WAL")
    return info, previous


def integrity_problems(db: sqlite_utils.Database, limit: int = 20) -> list[str]:
    """SQLite's integrity check: an empty list when the file is sound, else up to `limit` problems.
    Raises DatabaseError on a team workspace (its server checks its storage)."""
    refuse_team_workspace(db, "check")
    problems = [row[0] for row in db.execute(f"PRAGMA integrity_check({int(limit)})")]
    return [] if problems == ["ok"] else problems
