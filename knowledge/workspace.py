"""Open a workspace: the database at its current schema (copied before an upgrade) with its codebook."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from knowledge.backup import DatabaseInfo, backup_before_migration, replace_contents
from knowledge.codebook import ensure_builtin_codebook
from knowledge.db import (
    DatabaseError,
    KnowledgeBase,
    backup_folder,
    connect,
    is_memory,
    migrate,
    named_errors,
)
from knowledge.pg.connection import PermissionRefused, ServerError, is_server_url, safe_url


@dataclass
class RestoreReport:
    """What restore_database did: the file restored and where the replaced database was saved."""

    restored: DatabaseInfo
    previous: Path
    migrated: list[str]


def _prepare(db: sqlite_utils.Database, backups: Path | None, seed: bool) -> list[str]:
    """Bring a database to this program's schema and codebook: the one place a workspace is seeded."""

    def save_copy(db: sqlite_utils.Database, version: int) -> Path:
        return backup_before_migration(db, backups, version)

    migrated = migrate(db, before=save_copy if backups is not None else None)
    if seed:
        ensure_builtin_codebook(db)
    return migrated


def open_db(
    path: str | Path, *, create: bool = True, seed: bool = True, password: str | None = None
) -> KnowledgeBase:
    """Open (or create) a knowledge base: WAL, foreign keys, migrations, and the built-in codebook.

    ":memory:" gives an in-memory workspace (schema and codebook; no WAL, no backups folder); a
    `postgresql://` URL a team workspace on a server (open_team_workspace)."""
    if is_server_url(path):
        return open_team_workspace(str(path), create=create, seed=seed, password=password)
    path = Path(path)
    backups = None if is_memory(path) else backup_folder(path)
    with named_errors(path):
        db = connect(path, create=create)
        _prepare(db, backups, seed)
    return db


def restore_database(db: sqlite_utils.Database, source: str | Path) -> RestoreReport:
    """Replace the open database's contents with a backup; the replaced contents are saved first (undo).

    The backup is checked before anything changes (see knowledge.backup.replace_contents). An older schema
    is migrated and the codebook seeded. Raises DatabaseError when the file is unfit."""
    info, previous = replace_contents(db, source)
    # The replaced contents are already saved: no second copy before the migration.
    return RestoreReport(info, previous, _prepare(db, None, seed=True))


def open_team_workspace(url: str, *, create: bool = True, seed: bool = True, password: str | None = None):
    """Open (or create) a team workspace on a PostgreSQL server: the database is created when it does
    not exist and the server lets this login create databases, and the schema installed in an empty one,
    whose creator becomes its first admin. Raises DatabaseError with one line a person can act on."""
    from knowledge.pg import connection, schema

    name = connection.database_name(url)
    if not name:
        raise DatabaseError(
            f"name the workspace's database in the URL: postgresql://LOGIN@HOST/DATABASE ({safe_url(url)})"
        )
    try:
        try:
            db = connection.connect(url, password=password)
        except ServerError as exc:
            if not (create and "does not exist" in str(exc)):
                raise
            connection.create_database(url, password=password)
            db = connection.connect(url, password=password)
    except ServerError as exc:
        raise DatabaseError(str(exc)) from exc
    try:
        if not schema.is_installed(db):
            if not create:
                raise DatabaseError(f"{safe_url(url)} holds no Roundtable Desk workspace")
            schema.install(db, name)
        version = schema.schema_version(db)
        if version > schema.PG_SCHEMA_VERSION:
            raise DatabaseError(
                f"this team workspace was made by a newer Roundtable Desk (schema {version}, this program "
                f"knows {schema.PG_SCHEMA_VERSION})"
            )
        if seed and schema.member_role(db) in ("admin", "editor"):
            ensure_builtin_codebook(db)
    except PermissionRefused as exc:
        db.close()
        raise DatabaseError(f"{safe_url(url)}: {exc}") from exc
    except Exception as exc:
        db.close()
        if type(exc).__name__ == "InsufficientPrivilege":  # psycopg's: a login the workspace does not know
            raise DatabaseError(
                f"{db.login} is not a member of the team workspace {safe_url(url)}: ask one of its admins"
                f" to add you (roundtable members add {db.login} --role ...)"
            ) from exc
        raise
    except BaseException:
        db.close()
        raise
    return db
