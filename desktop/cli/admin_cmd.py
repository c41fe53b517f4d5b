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


def _refuse_team_workspace(ctx: Context, command: str) -> None:
    """Backup, restore and check care for a database file: on a postgresql:// URL, one line and exit 1
    (knowledge.backup.FILE_ONLY), before anything connects to the server."""
    from knowledge.backup import FILE_ONLY
    from knowledge.pg.connection import is_server_url

    if is_server_url(ctx.db_path):
        raise CliError(FILE_ONLY[command], EXIT_PARTIAL)


def _database(ctx: Context):
    """The existing database: backup, restore and check never create an empty one by mistake."""
    return ctx.open_db(create=False)


def cmd_backup(ctx: Context) -> int:
    from desktop.operations.admin import backup
    from knowledge.backup import TargetExists
    from knowledge.db import DatabaseError

    _refuse_team_workspace(ctx, "backup")
    try:
        info = backup(_database(ctx), ctx.args.file, overwrite=ctx.args.force).value
    except TargetExists as exc:
        raise CliError(f"{exc}; choose another name, or --force to overwrite it", EXIT_PARTIAL) from exc
    except DatabaseError as exc:
        raise CliError(str(exc), EXIT_PARTIAL) from exc
    print(f"backed up {ctx.db_path} to {info.path} ({info.describe()})", file=ctx.err)
    return EXIT_OK


def cmd_restore(ctx: Context) -> int:
    from desktop.operations.admin import restore
    from knowledge.backup import inspect_database
    from knowledge.db import DatabaseError

    _refuse_team_workspace(ctx, "restore")
    try:
        inspect_database(ctx.args.file)  # before the database is opened (or created) at all
        report = restore(ctx.db, ctx.args.file, ctx.db_path).value  # the search indexes are rebuilt
    except DatabaseError as exc:
        raise CliError(str(exc), EXIT_PARTIAL) from exc
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
    from desktop.operations.admin import check
    from knowledge.db import DatabaseError

    _refuse_team_workspace(ctx, "check")
    db = _database(ctx)
    try:
        report = check(db, ctx.db_path).value
    except DatabaseError as exc:
        raise CliError(str(exc), EXIT_PARTIAL) from exc
    if not report.ok:
        for problem in report.problems:
            ctx.warn(problem)
        raise CliError(
            f"{ctx.db_path} is damaged; restore a backup (`roundtable restore FILE`) "
            f"or copy out what you can with `roundtable backup FILE`",
            EXIT_PARTIAL,
        )
    print(f"{ctx.db_path}: ok ({report.info.describe()})", file=ctx.out)
    return EXIT_OK


def _quoted(path: Path) -> str:
    import shlex

    return shlex.quote(str(path))
