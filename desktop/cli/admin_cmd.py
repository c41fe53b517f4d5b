"""Care of the database file: backup, restore (with undo) and an integrity check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from desktop.cli import EXIT_OK, EXIT_PARTIAL, CliError, Context, add_command


def register(sub: Any) -> None:
    """Add the backup, restore and check commands."""
    p = add_command(
        sub,
        "backup",
        cmd_backup,
        "copy the database to FILE (safe while the window or another command is using it)",
    )
    p.add_argument("file", metavar="FILE", help="the copy to write, or a folder to put a dated copy in")
    p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")

    p = add_command(
        sub,
        "restore",
        cmd_restore,
        "replace the database with a backup (the current one is saved first, so this can be undone)",
    )
    p.add_argument("file", metavar="FILE", help="a backup made by `roundtable backup`")

    add_command(sub, "check", cmd_check, "check the database file for damage and show what it holds")


def _database(ctx: Context):
    """The existing database: backup, restore and check never create an empty one by mistake."""
    return ctx.open_db(create=False)


def cmd_backup(ctx: Context) -> int:
    from knowledge.backup import TargetExists, backup_database
    from knowledge.db import DatabaseError

    try:
        info = backup_database(_database(ctx), ctx.args.file, overwrite=ctx.args.force)
    except TargetExists as exc:
        raise CliError(f"{exc}; choose another name, or --force to overwrite it", EXIT_PARTIAL) from exc
    except DatabaseError as exc:
        raise CliError(str(exc), EXIT_PARTIAL) from exc
    print(f"backed up {ctx.db_path} to {info.path} ({info.describe()})", file=ctx.err)
    return EXIT_OK


def cmd_restore(ctx: Context) -> int:
    from indexes.vectors import delete_index_folder
    from knowledge.backup import inspect_database, restore_database
    from knowledge.db import DatabaseError

    try:
        inspect_database(ctx.args.file)  # before the database is opened (or created) at all
        report = restore_database(ctx.db, ctx.args.file)
    except DatabaseError as exc:
        raise CliError(str(exc), EXIT_PARTIAL) from exc
    # The search indexes describe the replaced contents: rebuilt from the restored vectors on next use.
    delete_index_folder(ctx.db_path)
    print(f"restored {ctx.db_path} from {report.restored.path} ({report.restored.describe()})", file=ctx.err)
    if report.migrated:
        print(f"upgraded it to the current schema ({', '.join(report.migrated)})", file=ctx.err)
    print(
        f"the database as it was is saved in {report.previous}; "
        f"to undo: roundtable --db {_quoted(ctx.db_path)} restore {_quoted(report.previous)}",
        file=ctx.err,
    )
    return EXIT_OK


def cmd_check(ctx: Context) -> int:
    from knowledge.backup import inspect_database
    from knowledge.db import DatabaseError

    db = _database(ctx)
    problems = [row[0] for row in db.execute("PRAGMA integrity_check(20)")]
    if problems != ["ok"]:
        for problem in problems:
            ctx.warn(problem)
        raise CliError(
            f"{ctx.db_path} is damaged; restore a backup (`roundtable restore FILE`) "
            f"or copy out what you can with `roundtable backup FILE`",
            EXIT_PARTIAL,
        )
    try:
        info = inspect_database(ctx.db_path)
    except DatabaseError as exc:
        raise CliError(str(exc), EXIT_PARTIAL) from exc
    print(f"{ctx.db_path}: ok ({info.describe()})", file=ctx.out)
    return EXIT_OK


def _quoted(path: Path) -> str:
    import shlex

    return shlex.quote(str(path))
