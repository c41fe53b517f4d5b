"""Care of the database: counts, backup, restore (then the indexes rebuild), integrity check."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.operations.changes import Changes, Result


def counts(db: Any) -> dict[str, int]:
    """Documents, passages, and passages still waiting for a vector."""
    from knowledge.library import library_counts

    return library_counts(db)


def backup(db: Any, target: str | Path, *, overwrite: bool = False) -> Result[Any]:
    """Copy the database to target (a file, or a folder for a dated copy); the value is the copy's
    knowledge.backup.DatabaseInfo. Raises TargetExists / DatabaseError."""
    from knowledge.backup import backup_database

    return Result(backup_database(db, target, overwrite=overwrite))


def restore(db: Any, source: str | Path, db_path: str | Path) -> Result[Any]:
    """Replace the database's contents with a backup, then drop the search indexes built for the old
    contents (searchers rebuild them from the restored vectors); the value is the RestoreReport, whose
    `previous` is the saved copy that undoes it. Raises DatabaseError when the file is unfit."""
    from indexes.vectors import delete_index_folder
    from knowledge.workspace import restore_database

    report = restore_database(db, source)
    delete_index_folder(db_path)
    return Result(report, Changes.everything())


@dataclass
class CheckReport:
    """What `check` found: the problems SQLite reported (none when sound) and, when sound, the details."""

    problems: list[str]
    info: Any = None

    @property
    def ok(self) -> bool:
        return not self.problems


def check(db: Any, db_path: str | Path) -> Result[CheckReport]:
    """SQLite's integrity check, then the schema check of inspect_database (raises DatabaseError)."""
    from knowledge.backup import inspect_database, integrity_problems

    problems = integrity_problems(db)
    if problems:
        return Result(CheckReport(problems))
    return Result(CheckReport([], inspect_database(db_path)))
