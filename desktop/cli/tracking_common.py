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


def rec_name(link: dict[str, Any]) -> str:
    """A recommendation as listings label it: its number, with its set's slug unless it is the built-in."""
    from knowledge.codebook import BUILTIN_SET

    number = str(link["number"])
    return number if link.get("set_slug", BUILTIN_SET) == BUILTIN_SET else f"{link['set_slug']}:{number}"


def recs_label(action: dict[str, Any]) -> str:
    """Confirmed recommendations ("4,6"); else the best suggestion awaiting confirmation, marked ("4?");
    else "none" when the matcher judged that no recommendation fits; else "-"."""
    from knowledge.vocab import LinkState

    links = action.get("links", [])
    confirmed = [rec_name(lk) for lk in links if lk["state"] == LinkState.CONFIRMED]
    if confirmed:
        return ",".join(confirmed)
    suggested = [lk for lk in links if lk["state"] == LinkState.SUGGESTED]
    if suggested:
        return rec_name(max(suggested, key=lambda lk: lk.get("score") or 0.0)) + "?"
    return "none" if action.get("fits_none") else "-"


def print_actions(ctx: Context, actions: list[dict[str, Any]]) -> None:
    """One line per action: id, RAG, status, percent, due, recommendations, organisation, text, flags.
    "rec 4?" is a suggestion awaiting confirmation; "rec none" an action no recommendation fits."""
    for a in actions:
        recs = recs_label(a)
        flags = "".join(f" [{f}]" for f in ("overdue", "stale", "draft") if a[f])
        print(
            f"{a['id']:>5}  {a['rag']:<5} {a['status']:<11} {a['percent']:>3}%  due {a['due'] or '-':<10}  "
            f"rec {recs:<5} {a['organisation'] or '-'}: {a['text']}{flags}",
            file=ctx.out,
        )
