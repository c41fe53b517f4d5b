"""What the tracking command modules share: the error guard, command groups, JSON and action listings."""

from __future__ import annotations

import functools
import json
from typing import Any

from desktop.cli import EXIT_PARTIAL, CliError, Context, Handler


def guard(handler: Handler) -> Handler:
    """Turn the knowledge layer's ValueError/LookupError into one line on stderr and exit code 1."""

    @functools.wraps(handler)
    def run(ctx: Context) -> int | None:
        try:
            return handler(ctx)
        except (ValueError, LookupError) as exc:
            raise CliError(str(exc), EXIT_PARTIAL) from exc

    return run


def print_json(ctx: Context, data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str), file=ctx.out)


def command_group(sub: Any, name: str, help: str) -> Any:
    """A command with subcommands of its own (`roundtable NAME COMMAND`); one of them is required."""
    parser = sub.add_parser(name, help=help, description=help)
    commands = parser.add_subparsers(dest=f"{name}_command", metavar="COMMAND")
    commands.required = True
    return commands


def print_actions(ctx: Context, actions: list[dict[str, Any]]) -> None:
    """One line per action: id, RAG, status, percent, due, recommendations, organisation, text, flags."""
    for a in actions:
        recs = ",".join(map(str, a["recommendations"])) or "-"
        flags = "".join(f" [{f}]" for f in ("overdue", "stale", "draft") if a[f])
        print(
            f"{a['id']:>5}  {a['rag']:<5} {a['status']:<11} {a['percent']:>3}%  due {a['due'] or '-':<10}  "
            f"rec {recs:<5} {a['organisation'] or '-'}: {a['text']}{flags}",
            file=ctx.out,
        )
