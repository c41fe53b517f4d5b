"""The `roundtable` command line: one argparse tree whose command groups live in sibling modules."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from knowledge.errors import Refusal

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2


class CliError(Exception):
    """A problem the user can fix; printed as one line on stderr, never as a traceback."""

    def __init__(self, message: str, code: int = EXIT_USAGE):
        super().__init__(message)
        self.code = code


def workspace_target(text: str) -> Path | str:
    """A database file's path, or a team workspace's `postgresql://` URL kept as it is."""
    from knowledge.pg.connection import is_server_url

    return text if is_server_url(text) else Path(text).expanduser()


def default_db_path() -> Path | str:
    """$ROUNDTABLE_DB (a file or a postgresql:// URL), else roundtable.db in the per-user data folder."""
    env = os.environ.get("ROUNDTABLE_DB")
    if env:
        return workspace_target(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("roundtable-desk", appauthor=False)) / "roundtable.db"


class Context:
    """What every command handler gets: parsed arguments, the database (opened on first use), output."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.db_path = workspace_target(args.db) if args.db else default_db_path()
        self._db = None
        self.out = sys.stdout
        self.err = sys.stderr

    @property
    def who(self) -> str:
        """Who this command's changes are recorded as: --who (after the command or before it), else
        $ROUNDTABLE_USER, else the login name (knowledge.changelog.resolve_who); never empty."""
        from knowledge.changelog import resolve_who

        return resolve_who(getattr(self.args, "who", None) or getattr(self.args, "global_who", None))

    @property
    def db(self):
        if self._db is None:
            self._db = self.open_db(create=True)
        return self._db

    def open_db(self, create: bool = True):
        from knowledge.changelog import act_as
        from knowledge.db import DatabaseError
        from knowledge.pg.connection import safe_url
        from knowledge.workspace import open_db

        try:
            try:
                db = open_db(self.db_path, create=create)
            except DatabaseError as exc:
                password = _ask_password(exc)
                if password is None:
                    raise
                db = open_db(self.db_path, create=create, password=password)
        except DatabaseError as exc:
            raise CliError(str(exc), EXIT_PARTIAL) from exc
        except OSError as exc:
            reason = exc.strerror or exc
            where = safe_url(str(self.db_path))  # never a password on the screen
            raise CliError(f"cannot open database {where}: {reason}", EXIT_PARTIAL) from exc
        # Every change this command makes, however deep, is recorded as theirs; on a team workspace the
        # member connected is who (the server records the same whatever a client says).
        act_as(db, getattr(db, "login", None) or self.who)
        return db

    def command_line(self, *words: Any) -> str:
        """A command to run next against the same database (a delete names the one that undoes it)."""
        import shlex

        from knowledge.pg.connection import safe_url

        db = f"--db {shlex.quote(safe_url(str(self.args.db)))} " if self.args.db else ""
        return f"roundtable {db}" + " ".join(shlex.quote(str(word)) for word in words)

    def warn(self, message: str) -> None:
        print(f"roundtable: {message}", file=self.err)

    def close(self) -> None:
        if self._db is not None:
            self._db.conn.close()


def _ask_password(exc: BaseException) -> str | None:
    """A password typed at a prompt when the server asked for one and a person is at the terminal; the
    password goes to the server only, never into the URL, the database or the log."""
    from knowledge.pg.connection import needs_password

    if not needs_password(exc) or not sys.stdin.isatty():
        return None
    import getpass

    return getpass.getpass("Password for the team workspace: ")


Handler = Callable[[Context], int | None]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # usage errors: one line plus the usage, exit 2
        self.print_usage(sys.stderr)
        print(f"roundtable: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree; each command module adds its own subcommands."""
    from desktop.cli import (
        admin_cmd,
        codebook_cmd,
        core_cmd,
        log_cmd,
        members_cmd,
        report_cmd,
        search_cmd,
        tracking_cmd,
        workspace_cmd,
    )

    parser = _Parser(
        prog="roundtable",
        description="Offline evidence search and recommendation tracking.",
    )
    parser.add_argument(
        "--db", metavar="PATH", help="database file (default: $ROUNDTABLE_DB, else the user data folder)"
    )
    parser.add_argument("--who", dest="global_who", metavar="NAME", help=WHO_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    commands = (core_cmd, search_cmd, tracking_cmd, report_cmd, admin_cmd, log_cmd, codebook_cmd, members_cmd)
    commands += (workspace_cmd,)
    for module in commands:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `roundtable` script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    ctx = Context(args)
    handler: Handler = args.handler
    try:
        code = handler(ctx)
    except CliError as exc:
        ctx.warn(str(exc))
        code = exc.code
    except Refusal as exc:  # a permission, a conflicting edit: one line, nothing written
        ctx.warn(str(exc))
        code = EXIT_PARTIAL
    except KeyboardInterrupt:
        ctx.warn("interrupted; work finished so far is saved")
        code = 130
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error worth a traceback.
        code = EXIT_OK
    finally:
        ctx.close()
    return int(code or EXIT_OK)


WHO_HELP = "who makes the change, for the change log (default: $ROUNDTABLE_USER, else your login name)"


def add_command(sub: Any, name: str, handler: Handler, help: str, **kwargs: Any) -> argparse.ArgumentParser:
    """Add a subcommand bound to its handler; every command takes --who (a command may redefine it)."""
    parser = sub.add_parser(name, help=help, description=help, conflict_handler="resolve", **kwargs)
    parser.add_argument("--who", metavar="NAME", help=WHO_HELP)
    parser.set_defaults(handler=handler)
    return parser


def run() -> None:
    sys.exit(main())
