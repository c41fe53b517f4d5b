"""Tracking commands: actions, progress returns, the dashboard and roundtables (organisations: org_cmd)."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from desktop.cli import EXIT_OK, EXIT_PARTIAL, CliError, Context, add_command, org_cmd
from desktop.cli.tracking_common import command_group, guard, print_actions, print_json
from knowledge.vocab import SEVERITY, Change, LinkState, Status

# The history entries that show as a status, percent or due change; the others show their change's name.
PROGRESS_CHANGES = (Change.UPDATED, Change.STATUS, Change.PERCENT, Change.DUE)

# -- argument types: a bad value is a usage error (exit 2) with one readable line ----------------------


def _status(value: str) -> str:
    from knowledge.actions import parse_status
    from knowledge.vocab import Status, values

    parsed = parse_status(value)
    if parsed is None:
        raise argparse.ArgumentTypeError(f"unknown status {value!r}; use one of: {', '.join(values(Status))}")
    return parsed


def _date(value: str) -> str:
    from knowledge.dates import parse_date

    try:
        return parse_date(value) or ""
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _percent(value: str) -> int:
    from knowledge.actions import parse_percent

    try:
        parsed = parse_percent(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if parsed is None:
        raise argparse.ArgumentTypeError("percent must be a number from 0 to 100")
    return parsed


# -- registration ------------------------------------------------------------------------------------


def register(sub: Any) -> None:
    """Add the tracking commands: org, action, return, dashboard, roundtables."""
    org_cmd.register(sub)
    _register_action(sub)
    _register_return(sub)
    _add_dashboard_parser(sub)
    _add_roundtables_parser(sub)


def _register_return(sub: Any) -> None:
    commands = command_group(
        sub, "return", "progress returns: export a CSV or Excel form for an organisation, import it back"
    )
    p = add_command(
        commands,
        "export",
        guard(cmd_return_export),
        "write an organisation's return form (.csv, or .xlsx with a status list and locked columns),"
        " issued under a form id that scopes its import",
    )
    p.add_argument("organisation", metavar="ORG")
    p.add_argument("--out", required=True, metavar="FILE.csv|FILE.xlsx")
    p = add_command(
        commands,
        "import",
        guard(cmd_return_import),
        "apply a filled-in return as progress updates (rows of another organisation's actions are"
        " refused; rows already applied from the same form are skipped)",
    )
    p.add_argument("path", metavar="FILE.csv|FILE.xlsx")
    p.add_argument("--who", help="who is importing it (default: $ROUNDTABLE_USER, else your login name)")
    p.add_argument("--json", action="store_true")


def _add_dashboard_parser(sub: Any) -> None:
    p = add_command(
        sub, "dashboard", guard(cmd_dashboard), "organisations x recommendations, overdue, blocked"
    )
    p.add_argument("--json", action="store_true", help="the full dashboard data as JSON")
    p.add_argument("--set", dest="set_slug", help="this recommendation set (default: the built-in one)")
    p.add_argument("--as-at", type=_date, metavar="DATE", help="judge overdue/stale as at this date")


def _add_roundtables_parser(sub: Any) -> None:
    p = add_command(sub, "roundtables", guard(cmd_roundtables), "list the roundtables and their actions")
    p.add_argument("--json", action="store_true")


def _register_action(sub: Any) -> None:
    commands = command_group(
        sub, "action", "actions: add, list, update progress, due dates, recommendation links"
    )
    for add_parser in (
        _add_action_add_parser,
        _add_action_list_parser,
        _add_action_show_parser,
        _add_action_update_parser,
        _add_action_due_parser,
        _add_action_edit_parser,
        _add_action_link_parsers,
        _add_action_history_parser,
        _add_action_delete_parser,
        _add_action_restore_parser,
        _add_action_unlink_parser,
    ):
        add_parser(commands)
    from desktop.cli import report_cmd

    report_cmd.add_suggest_command(commands)


def _add_action_add_parser(commands: Any) -> None:
    p = add_command(commands, "add", guard(cmd_action_add), "record an action for an organisation")
    p.add_argument("text")
    p.add_argument("--org", required=True, metavar="ORG")
    p.add_argument("--new-org", action="store_true", help="create the organisation if it is not registered")
    p.add_argument("--owner")
    p.add_argument("--due", type=_date, metavar="DATE")
    p.add_argument("--status", type=_status, default=Status.NOT_STARTED)
    p.add_argument("--percent", type=_percent, default=0)
    p.add_argument(
        "--rec",
        type=int,
        action="append",
        default=[],
        metavar="N",
        help="a recommendation it serves (confirmed); repeatable",
    )
    p.add_argument("--set", dest="set_slug", metavar="SLUG", help="--rec numbers are of this set")
    p.add_argument("--json", action="store_true")


def _add_action_list_parser(commands: Any) -> None:
    p = add_command(commands, "list", guard(cmd_action_list), "list actions")
    p.add_argument("--org", metavar="ORG")
    p.add_argument("--rec", type=int, metavar="N", help="confirmed for recommendation N")
    p.add_argument("--status", type=_status)
    p.add_argument("--overdue", action="store_true")
    p.add_argument("--stale", action="store_true")
    p.add_argument("--roundtable", type=int, metavar="ID")
    p.add_argument("--drafts", action="store_true", help="only draft actions awaiting review")
    p.add_argument(
        "--awaiting",
        action="store_true",
        help="only actions with a suggested recommendation awaiting confirmation (shown as rec N?)",
    )
    p.add_argument("--set", dest="set_slug", metavar="SLUG", help="recommendations of this set only")
    p.add_argument("--deleted", action="store_true", help="only deleted actions (to restore one)")
    p.add_argument("--as-at", type=_date, metavar="DATE")
    p.add_argument("--json", action="store_true")


def _add_action_show_parser(commands: Any) -> None:
    p = add_command(commands, "show", guard(cmd_action_show), "one action with its links and history")
    p.add_argument("id", type=int)
    p.add_argument("--json", action="store_true")


def _add_action_update_parser(commands: Any) -> None:
    p = add_command(commands, "update", guard(cmd_action_update), "record progress: status, percent, note")
    p.add_argument("id", type=int)
    p.add_argument("--status", type=_status)
    p.add_argument("--percent", type=_percent)
    p.add_argument("--note")
    p.add_argument("--date", type=_date, metavar="DATE", help="when it happened (default: now)")
    _add_if_version(p)


def _add_action_due_parser(commands: Any) -> None:
    p = add_command(commands, "due", guard(cmd_action_due), "change the due date (a reason is required)")
    p.add_argument("id", type=int)
    p.add_argument("due", type=_date, metavar="DATE")
    p.add_argument("--reason", required=True)
    _add_if_version(p)


def _add_action_edit_parser(commands: Any) -> None:
    p = add_command(commands, "edit", guard(cmd_action_edit), "change wording, owner or organisation")
    p.add_argument("id", type=int)
    p.add_argument("--text")
    p.add_argument("--owner")
    p.add_argument("--org", metavar="ORG")
    p.add_argument("--accept", action="store_true", help="accept a draft action (no longer a draft)")
    _add_if_version(p)


def _add_if_version(p: Any) -> None:
    p.add_argument(
        "--if-version",
        type=int,
        metavar="N",
        dest="if_version",
        help="save only if the action is still at version N (`action show --json` gives it); if someone"
        " changed it since, the save is refused and names who",
    )


def _add_action_link_parsers(commands: Any) -> None:
    """`confirm` and `reject`: the same arguments, opposite decisions on the recommendation links."""
    for name, handler, text in (
        ("confirm", cmd_action_confirm, "confirm that an action serves recommendations"),
        ("reject", cmd_action_reject, "reject suggested recommendations for an action"),
    ):
        p = add_command(commands, name, guard(handler), text)
        p.add_argument("id", type=int)
        p.add_argument("recs", type=int, nargs="+", metavar="REC")
        p.add_argument("--set", dest="set_slug", help="recommendation set (default: the built-in one)")


def _add_action_history_parser(commands: Any) -> None:
    p = add_command(commands, "history", guard(cmd_action_history), "the dated history of an action")
    p.add_argument("id", type=int)
    p.add_argument("--json", action="store_true")


def _add_action_delete_parser(commands: Any) -> None:
    text = "delete an action (kept with its history: `action restore` brings it back)"
    p = add_command(commands, "delete", guard(cmd_action_delete), text)
    p.add_argument("id", type=int)


def _add_action_restore_parser(commands: Any) -> None:
    p = add_command(commands, "restore", guard(cmd_action_restore), "bring a deleted action back")
    p.add_argument("id", type=int)


def _add_action_unlink_parser(commands: Any) -> None:
    p = add_command(commands, "unlink", guard(cmd_action_unlink), "remove an action's recommendation links")
    p.add_argument("id", type=int)
    p.add_argument("recs", type=int, nargs="+", metavar="REC")
    p.add_argument("--set", dest="set_slug", help="recommendation set (default: the built-in one)")


# -- actions ---------------------------------------------------------------------------------------


def cmd_action_add(ctx: Context) -> int:
    from desktop.operations.tracking import add_action
    from knowledge.actions import get_action, recommendation_id
    from knowledge.organisations import find_organisation

    a = ctx.args
    if not a.new_org and find_organisation(ctx.db, a.org) is None:
        raise CliError(
            f"no organisation called {a.org!r}; add it with `roundtable org add` or pass --new-org",
            EXIT_PARTIAL,
        )
    rec_ids = [recommendation_id(ctx.db, n, a.set_slug) for n in a.rec]
    action_id = add_action(
        ctx.db,
        text=a.text,
        organisation=a.org,
        owner=a.owner,
        due=a.due or None,
        status=a.status,
        percent=a.percent,
        recommendation_ids=rec_ids,
        who=ctx.who,
    ).value
    if a.json:
        print_json(ctx, get_action(ctx.db, action_id))
    else:
        print(f"added action {action_id}", file=ctx.out)
    return EXIT_OK


def cmd_action_list(ctx: Context) -> int:
    from knowledge.actions import list_actions

    a = ctx.args
    if a.deleted:
        return _list_deleted(ctx)
    if a.set_slug:
        from desktop.cli.report_cmd import resolve_set

        resolve_set(ctx, a.set_slug)
    today = date.fromisoformat(a.as_at) if a.as_at else None
    actions = list_actions(
        ctx.db,
        organisation=a.org,
        recommendation_number=a.rec,
        status=a.status,
        overdue=True if a.overdue else None,
        stale=True if a.stale else None,
        roundtable_id=a.roundtable,
        draft=True if a.drafts else None,
        set_slug=a.set_slug,
        today=today,
    )
    actions = _with_judgements(ctx, actions, a.set_slug)
    if a.awaiting:
        actions = [x for x in actions if x["awaiting"]]
    if a.json:
        print_json(ctx, actions)
    else:
        print_actions(ctx, actions)
    return EXIT_OK


def _with_judgements(
    ctx: Context, actions: list[dict[str, Any]], set_slug: str | None
) -> list[dict[str, Any]]:
    """Each action's links limited to one set (when asked), with `awaiting` (a suggestion and nothing
    confirmed yet) and `fits_none` (no link, and the matcher judged no recommendation fits)."""
    from desktop.operations.tracking import judged_none

    none = judged_none(ctx.db)
    for x in actions:
        if set_slug:
            x["links"] = [lk for lk in x["links"] if lk["set_slug"] == set_slug]
        states = {lk["state"] for lk in x["links"]}
        x["awaiting"] = LinkState.SUGGESTED in states and LinkState.CONFIRMED not in states
        sets = none.get(x["id"], [])
        x["fits_none"] = not x["links"] and bool(set_slug in sets if set_slug else sets)
    return actions


def _list_deleted(ctx: Context) -> int:
    from knowledge.actions import deleted_actions

    rows = deleted_actions(ctx.db)
    if ctx.args.json:
        print_json(ctx, rows)
        return EXIT_OK
    for r in rows:
        print(
            f"{r['id']:>5}  deleted {r['deleted_at'][:16]} by {r['deleted_by']}  "
            f"{r['organisation'] or '-'}: {r['text']}",
            file=ctx.out,
        )
    if not rows:
        print("no deleted actions", file=ctx.err)
    return EXIT_OK


def _action_or_fail(ctx: Context, action_id: int) -> dict[str, Any]:
    from knowledge.actions import action_row, get_action

    action = get_action(ctx.db, action_id)
    if action is None:
        row = action_row(ctx.db, action_id)
        if row is not None:  # deleted: say how to get it back
            raise CliError(
                f"action {action_id} was deleted on {row['deleted_at'][:10]} by {row['deleted_by']}; "
                f"restore it with `{ctx.command_line('action', 'restore', action_id)}`",
                EXIT_PARTIAL,
            )
        raise CliError(f"no action with id {action_id}", EXIT_PARTIAL)
    return action


def cmd_action_show(ctx: Context) -> int:
    from knowledge.actions import action_history

    action = _action_or_fail(ctx, ctx.args.id)
    history = action_history(ctx.db, ctx.args.id)
    if ctx.args.json:
        print_json(ctx, {**action, "history": history})
        return EXIT_OK
    print(f"action {action['id']}: {action['text']}", file=ctx.out)
    print(f"  organisation: {action['organisation'] or '-'} ({action['org_type'] or '-'})", file=ctx.out)
    print(
        f"  owner: {action['owner'] or '-'}   due: {action['due'] or '-'}"
        + (f" (originally {action['original_due']})" if action["original_due"] != action["due"] else ""),
        file=ctx.out,
    )
    print(
        f"  status: {action['status']} {action['percent']}%   RAG: {action['rag']}"
        + ("   OVERDUE" if action["overdue"] else "")
        + ("   STALE" if action["stale"] else "")
        + ("   (draft)" if action["draft"] else ""),
        file=ctx.out,
    )
    for link in action["links"]:
        score = f" score {link['score']:.2f}" if link["score"] is not None else ""
        from desktop.cli.tracking_common import rec_name

        print(
            f"  recommendation {rec_name(link)}: {link['state']} ({link['origin']}{score}) {link['title']}",
            file=ctx.out,
        )
    _print_history(ctx, history)
    return EXIT_OK


def _print_history(ctx: Context, history: list[dict[str, Any]]) -> None:
    for h in history:
        parts = []
        if h["new_status"] != h["old_status"]:
            parts.append(f"{h['old_status'] or 'new'} -> {h['new_status']}")
        if h["new_percent"] != h["old_percent"]:
            parts.append(f"{h['new_percent']}%")
        if h["new_due"] != h["old_due"]:
            parts.append(f"due {h['old_due'] or '-'} -> {h['new_due'] or '-'}")
        if not parts and h.get("change") not in (None, *PROGRESS_CHANGES):
            parts.append(h["change"])  # an edit, an acceptance, a delete or a restore
        who = f" ({h['who']})" if h["who"] else ""
        note = f": {h['note']}" if h["note"] else ""
        print(f"  {h['at'][:16]:<16}{who} {'; '.join(parts)}{note}", file=ctx.out)


def cmd_action_update(ctx: Context) -> int:
    from desktop.operations.tracking import update_progress

    a = ctx.args
    if a.status is None and a.percent is None and not a.note:
        raise CliError("nothing to record: give --status, --percent or --note")
    result = update_progress(
        ctx.db,
        a.id,
        status=a.status,
        percent=a.percent,
        note=a.note,
        who=ctx.who,
        at=a.date or None,
        expected_version=a.if_version,
    ).value
    if result["id"] is None:
        print(f"action {a.id} unchanged", file=ctx.out)
    else:
        print(f"action {a.id}: {result['new_status']} {result['new_percent']}%", file=ctx.out)
    return EXIT_OK


def cmd_action_due(ctx: Context) -> int:
    from desktop.operations.tracking import change_due

    a = ctx.args
    due = a.due or None
    result = change_due(ctx.db, a.id, due, reason=a.reason, who=ctx.who, expected_version=a.if_version).value
    print(f"action {ctx.args.id}: due {result['old_due'] or '-'} -> {result['new_due'] or '-'}", file=ctx.out)
    return EXIT_OK


def cmd_action_edit(ctx: Context) -> int:
    from desktop.operations.tracking import edit_action

    a = ctx.args
    _action_or_fail(ctx, a.id)
    edit_action(
        ctx.db,
        a.id,
        text=a.text,
        owner=a.owner,
        organisation=a.org,
        draft=False if a.accept else None,
        who=ctx.who,
        expected_version=a.if_version,
    )
    return EXIT_OK


def _decide(ctx: Context, state: LinkState) -> int:
    from desktop.operations.tracking import decide_links
    from knowledge.actions import recommendation_id

    _action_or_fail(ctx, ctx.args.id)
    rec_ids = [recommendation_id(ctx.db, n, ctx.args.set_slug) for n in ctx.args.recs]
    decide_links(ctx.db, ctx.args.id, rec_ids, state, who=ctx.who)
    return EXIT_OK


def cmd_action_confirm(ctx: Context) -> int:
    return _decide(ctx, LinkState.CONFIRMED)


def cmd_action_reject(ctx: Context) -> int:
    return _decide(ctx, LinkState.REJECTED)


def cmd_action_history(ctx: Context) -> int:
    from knowledge.actions import action_history

    action = _action_or_fail(ctx, ctx.args.id)
    history = action_history(ctx.db, ctx.args.id)
    if ctx.args.json:
        print_json(ctx, history)
    else:
        print(f"action {action['id']}: {action['text']}", file=ctx.out)
        _print_history(ctx, history)
    return EXIT_OK


def cmd_action_delete(ctx: Context) -> int:
    from desktop.operations.tracking import delete_action

    action = _action_or_fail(ctx, ctx.args.id)
    delete_action(ctx.db, action["id"], who=ctx.who)
    print(
        f"deleted action {action['id']} (kept with its history); to undo: "
        f"{ctx.command_line('action', 'restore', action['id'])}",
        file=ctx.out,
    )
    return EXIT_OK


def cmd_action_restore(ctx: Context) -> int:
    from desktop.operations.tracking import restore_action

    if not restore_action(ctx.db, ctx.args.id, who=ctx.who).value:
        raise CliError(f"action {ctx.args.id} is not deleted", EXIT_PARTIAL)
    print(f"restored action {ctx.args.id}", file=ctx.out)
    return EXIT_OK


def cmd_action_unlink(ctx: Context) -> int:
    from desktop.operations.tracking import remove_link
    from knowledge.actions import recommendation_id

    _action_or_fail(ctx, ctx.args.id)
    missing = []
    for number in ctx.args.recs:
        rec_id = recommendation_id(ctx.db, number, ctx.args.set_slug)
        if not remove_link(ctx.db, ctx.args.id, rec_id, who=ctx.who).value:
            missing.append(number)
    for number in missing:
        ctx.warn(f"action {ctx.args.id} has no link to recommendation {number}")
    return EXIT_PARTIAL if missing else EXIT_OK


# -- returns, dashboard, roundtables ---------------------------------------------------------------


def cmd_return_export(ctx: Context) -> int:
    from knowledge.returns import export_return_form

    try:
        form = export_return_form(ctx.db, ctx.args.organisation, ctx.args.out, who=ctx.who)
    except OSError as exc:
        raise CliError(f"cannot write {ctx.args.out}: {exc.strerror or exc}", EXIT_PARTIAL) from exc
    print(
        f"wrote {form.actions} action(s) to {ctx.args.out}: form {form.form_id} for {form.organisation}",
        file=ctx.err,
    )
    return EXIT_OK


def cmd_return_import(ctx: Context) -> int:
    from knowledge.returns import import_return

    report = import_return(ctx.db, ctx.args.path, who=ctx.who)
    if ctx.args.json:
        print_json(ctx, report.as_dict())
    for line in report.problems:
        ctx.warn(f"{ctx.args.path}: {line}")
    print(report.summary(), file=ctx.err)
    return EXIT_PARTIAL if report.problems else EXIT_OK


def cmd_dashboard(ctx: Context) -> int:
    from desktop.cli.report_cmd import resolve_set
    from knowledge.codebook import set_title
    from knowledge.dashboard import dashboard

    today = date.fromisoformat(ctx.args.as_at) if ctx.args.as_at else None
    set_slug = resolve_set(ctx, ctx.args.set_slug)  # the built-in set unless --set names another
    data = dashboard(ctx.db, today=today, set_slug=set_slug)
    if ctx.args.json:
        print_json(ctx, data)
        return EXIT_OK
    print(f"{set_slug}: {set_title(ctx.db, set_slug)}", file=ctx.out)
    print(render_matrix(data), file=ctx.out)
    return EXIT_OK


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def render_matrix(data: dict[str, Any]) -> str:
    """The dashboard as compact text: one row per organisation, one column per recommendation, each cell
    the number of confirmed actions and the letter of their worst status; then the lists."""
    recs = data["matrix"]["recommendations"]
    width = 38
    lines = [
        f"as at {data['as_at']}   {data['totals']['actions']} actions, {data['totals']['organisations']} "
        f"organisations, {data['totals']['overdue']} overdue, {data['totals'][Status.BLOCKED]} blocked, "
        f"{data['totals']['stale']} stale",
        "",
    ]
    lines.append(f"{'organisation':<{width}}" + "".join(f"{'R' + str(r['number']):>5}" for r in recs))
    for row in data["matrix"]["rows"]:
        name = _clip(row["organisation"], width - 2)
        cells = "".join(
            f"{(str(c['count']) + Status(c['worst_status']).letter) if c else '.':>5}" for c in row["cells"]
        )
        lines.append(f"{name:<{width}}{cells}")
    lines.append(
        f"{'completion':<{width}}"
        + "".join(
            f"{(str(round(r['mean_percent'])) + '%') if r['mean_percent'] is not None else '-':>5}"
            for r in data["recommendations"]
        )
    )
    legend = ", ".join(f"{status.letter} {status.label}" for status in SEVERITY)
    lines.append(f"cells: confirmed actions + worst status ({legend})")
    for title, key in (("Overdue", "overdue"), (Status.BLOCKED.display, Status.BLOCKED), ("Stale", "stale")):
        if data[key]:
            lines.append(f"\n{title}:")
            for a in data[key]:
                lines.append(
                    f"  {a['id']:>4}  {a['organisation'] or '-'}: {_clip(a['text'], 70)}"
                    f" (due {a['due'] or '-'})"
                )
    return "\n".join(lines)


def cmd_roundtables(ctx: Context) -> int:
    from knowledge.roundtables import list_roundtables

    rows = list_roundtables(ctx.db)
    if ctx.args.json:
        print_json(ctx, rows)
        return EXIT_OK
    for r in rows:
        print(f"{r['id']:>4}  {r['date'] or '-':<10}  {r['title']}", file=ctx.out)
        details = [
            f"chair {r['chair']}" if r["chair"] else "",
            f"host {r['host']}" if r["host"] else "",
            f"{r['actions']} action(s), {r['drafts']} draft",
        ]
        print("      " + "; ".join(d for d in details if d), file=ctx.out)
    if not rows:
        print("no roundtables yet; import roundtable notes with `roundtable import`", file=ctx.err)
    return EXIT_OK
