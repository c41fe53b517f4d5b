"""`roundtable log`: the change log, filtered, as a table or one JSON object per line."""

from __future__ import annotations

import argparse
import json
from typing import Any

from desktop.cli import EXIT_OK, EXIT_PARTIAL, CliError, Context, add_command
from knowledge.vocab import Entity, values

# The keys of each --json line, in this order (DESIGN.md's contract, then the entry's id and when it was
# written: an entry's `at` is when the change took effect, which a back-dated update sets in the past).
JSON_KEYS = ("at", "who", "entity", "entity_id", "change", "before", "after", "note", "id", "recorded_at")


def _day(value: str) -> str:
    from knowledge.dates import parse_date

    try:
        return parse_date(value) or ""
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(sub: Any) -> None:
    """Add the log command."""
    p = add_command(sub, "log", cmd_log, "the change log: who changed what, and when")
    p.add_argument("--since", type=_day, metavar="DATE", help="from this day on")
    p.add_argument("--until", type=_day, metavar="DATE", help="up to and including this day")
    p.add_argument("--who", metavar="NAME", help="only changes by this person (any case)")
    p.add_argument("--entity", choices=values(Entity), metavar="KIND", help=", ".join(values(Entity)))
    p.add_argument("--id", type=int, metavar="N", help="only this action, organisation, document...")
    p.add_argument("--limit", type=int, metavar="N", help="only the newest N entries")
    p.add_argument("--json", action="store_true", help="one JSON object per line")


def cmd_log(ctx: Context) -> int:
    from desktop.operations.history import LogFilter, log_entries

    a = ctx.args
    if a.limit is not None and a.limit < 1:
        raise CliError("--limit must be at least 1")
    log_filter = LogFilter(a.since or None, a.until or None, a.who, a.entity, a.id, a.limit)
    try:
        found = log_entries(ctx.db, log_filter).value
    except ValueError as exc:
        raise CliError(str(exc), EXIT_PARTIAL) from exc
    if a.json:
        for entry in found:
            print(json.dumps({key: entry[key] for key in JSON_KEYS}, ensure_ascii=False), file=ctx.out)
        return EXIT_OK
    print_table(ctx, found)
    return EXIT_OK


def print_table(ctx: Context, found: list[dict[str, Any]]) -> None:
    """One line per entry: when, who, what (entity and id), the change, what it changed, the note."""
    from desktop.cli.core_cmd import printable
    from desktop.operations.history import describe

    if not found:
        print("no changes recorded that match", file=ctx.err)
        return
    who_width = min(max(len(e["who"]) for e in found), 24)
    print(f"{'when':<16}  {'who':<{who_width}}  {'what':<20} {'change':<10}  details", file=ctx.out)
    for e in found:
        what = f"{e['entity']} {e['entity_id'] if e['entity_id'] is not None else ''}".strip()
        details = "; ".join(part for part in (describe(e), e["note"] or "") if part)
        who = e["who"][:who_width]
        line = f"{e['at'][:16]:<16}  {who:<{who_width}}  {what:<20} {e['change']:<10}  {details}"
        print(printable(line), file=ctx.out)
