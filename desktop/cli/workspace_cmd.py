"""`roundtable workspace push|pull`: a database file into a team workspace on a server, and back."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from desktop.cli import EXIT_OK, EXIT_PARTIAL, CliError, Context, add_command
from desktop.cli.tracking_common import command_group, print_json


def register(sub: Any) -> None:
    """Add `workspace push FILE URL` and `workspace pull URL FILE`."""
    commands = command_group(sub, "workspace", "move a workspace between a database file and a team server")
    p = add_command(
        commands,
        "push",
        cmd_push,
        "copy a database file into a new team workspace (documents, vectors, history and log intact)",
    )
    p.add_argument("file", metavar="FILE.db", help="the database file to copy")
    p.add_argument("url", metavar="URL", help="the new team workspace: postgresql://LOGIN@HOST/DATABASE")
    p.add_argument("--json", action="store_true", help="print what was copied as JSON")
    p = add_command(
        commands,
        "pull",
        cmd_pull,
        "copy a team workspace into a new database file, for offline work or an archive",
    )
    p.add_argument("url", metavar="URL", help="the team workspace: postgresql://LOGIN@HOST/DATABASE")
    p.add_argument("file", metavar="FILE.db", help="the database file to write")
    p.add_argument("--force", action="store_true", help="replace FILE.db if it exists")
    p.add_argument("--json", action="store_true", help="print what was copied as JSON")


def _with_password(run: Callable[[str | None], Any]) -> Any:
    """Run a move; when the server asks for a password and a person is at the terminal, ask once."""
    from desktop.cli import _ask_password
    from knowledge.transfer import TransferError

    try:
        try:
            return run(None)
        except TransferError as exc:
            password = _ask_password(exc)
            if password is None:
                raise
            return run(password)
    except TransferError as exc:
        raise CliError(str(exc), EXIT_PARTIAL) from exc


def _progress(ctx: Context, json_out: bool) -> Any:
    if json_out or not sys.stderr.isatty():
        return None

    def report(done: int, total: int, label: str = "") -> None:
        print(f"\r  {done}/{total} {label:<24}", end="", file=ctx.err, flush=True)
        if done >= total:
            print(file=ctx.err)

    return report


def _print(ctx: Context, report: Any, verb: str) -> None:
    if ctx.args.json:
        print_json(ctx, report.as_dict())
    else:
        width = max(len(table) for table in report.counts)
        for table, count in report.counts.items():
            print(f"{table:<{width}}  {count:>8}", file=ctx.out)
    print(
        f"{verb} {report.rows} rows from {report.source} to {report.target} in {report.seconds:.1f} s",
        file=ctx.err,
    )
    for table, count in report.left.items():
        print(f"not copied: {count} {table} (a database file has no team members)", file=ctx.err)


def cmd_push(ctx: Context) -> int:
    from desktop.operations.workspace import push

    a = ctx.args
    progress = _progress(ctx, a.json)
    result = _with_password(lambda password: push(a.file, a.url, progress=progress, password=password))
    _print(ctx, result.value, "pushed")
    return EXIT_OK


def cmd_pull(ctx: Context) -> int:
    from desktop.operations.workspace import pull

    a = ctx.args
    progress = _progress(ctx, a.json)
    result = _with_password(
        lambda password: pull(
            a.url, a.file, overwrite=a.force, who=ctx.who, progress=progress, password=password
        )
    )
    _print(ctx, result.value, "pulled")
    return EXIT_OK
