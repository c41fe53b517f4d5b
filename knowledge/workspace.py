"""Open a workspace: the database at its current schema (copied before an upgrade) with its codebook."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from knowledge.backup import DatabaseInfo, backup_before_migration, replace_contents
from knowledge.codebook import ensure_builtin_codebook
from knowledge.db import KnowledgeBase, backup_folder, connect, is_memory, migrate, named_errors


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


def open_db(path: str | Path, *, create: bool = True, seed: bool = True) -> KnowledgeBase:
    """Open (or create) a knowledge base: WAL, foreign keys, migrations, and the built-in codebook.

    ":memory:" gives an in-memory workspace (schema and codebook; no WAL, no backups folder)."""
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
