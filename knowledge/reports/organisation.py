"""The organisation report: its actions by the recommendation they serve, history highlights, overdue."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlite_utils

from knowledge.codebook import BUILTIN_SET, list_recommendations
from knowledge.organisations import find_organisation, list_organisations
from knowledge.reports.as_at import AsAt, reconstructs, report_actions
from knowledge.reports.common import ACTION_HEADERS, action_rows, change_text, day, status_cell
from knowledge.reports.registry import Evidence, ReportError, ReportKindSpec, register
from knowledge.reports.writer import Writer
from knowledge.vocab import ReportKind, Status


def build_organisation_report(
    db: sqlite_utils.Database,
    name: str | int,
    *,
    as_at: date | None = None,
    redact: bool = False,
    as_recorded: bool = False,
    set_slug: str = BUILTIN_SET,
    history_items: int = 10,
) -> str:
    """One organisation: its actions grouped by the recommendation they serve, history highlights,
    what is overdue. With `as_recorded`, as the record stood on `as_at` (knowledge.reports.as_at).
    Raises ReportError for an unknown organisation."""
    org = find_organisation(db, name)
    if org is None:
        raise ReportError(f"no organisation called {name!r}")
    when = AsAt.of(as_at, as_recorded)
    w = Writer(redact, db)
    w.add(f"# {w.text(org['name'])}", "")
    w.as_at(when)
    _facts(w, db, org)
    actions = report_actions(db, when, organisation=org["id"])
    w.heading(2, "Summary")
    w.add(_summary(actions))
    _by_recommendation(w, db, actions, set_slug)
    _history_section(w, db, [a["id"] for a in actions], history_items, when)
    overdue = [a for a in actions if a["overdue"]]
    w.heading(2, "Overdue")
    if overdue:
        w.table(
            ["Action", "Owner", "Due", "Days overdue", "Status"],
            [
                [a["text"], a["owner"], day(a["due"]), a["days_overdue"], status_cell(a["status"])]
                for a in overdue
            ],
        )
    else:
        w.add("Nothing is overdue.")
    return w.finish()


def _facts(w: Writer, db: sqlite_utils.Database, org: dict[str, Any]) -> None:
    facts = [f"**Type:** {w.text(org['type'].replace('_', ' '))}"]
    parent = _parent_name(db, org.get("parent_id"))
    if parent:
        facts.append(f"**Part of:** {w.text(parent)}")
    if org.get("contact_role"):
        facts.append(f"**Contact:** {w.text(org['contact_role'])}")
    w.add(" · ".join(facts), "")


def _by_recommendation(
    w: Writer, db: sqlite_utils.Database, actions: list[dict[str, Any]], set_slug: str
) -> None:
    """A table per recommendation served (an action serving two appears under both), then the unmapped."""
    recs = {r.number: r for r in list_recommendations(db, set_slug)}
    groups: dict[int | None, list[dict[str, Any]]] = {}
    for a in actions:
        numbers = [n for n in a["recommendations"] if n in recs] or [None]
        for n in numbers:
            groups.setdefault(n, []).append(a)
    w.heading(2, "Actions by recommendation")
    if not actions:
        w.add("This organisation has no recorded actions.")
    for number in sorted(n for n in groups if n is not None):
        w.heading(3, f"Recommendation {number}: {w.text(recs[number].title)}")
        w.table(ACTION_HEADERS[1:], action_rows(groups[number], with_org=False))
    if None in groups:
        w.heading(3, "Not yet mapped to a recommendation")
        rows = [
            [
                a["text"],
                ", ".join(str(n) for n in a["suggested"]) or "–",
                status_cell(a["status"]),
                day(a["due"]),
            ]
            for a in groups[None]
        ]
        w.table(["Action", "Suggested", "Status", "Due"], rows)


def _parent_name(db: sqlite_utils.Database, parent_id: int | None) -> str | None:
    if not parent_id:
        return None
    row = db.execute("SELECT name FROM organisations WHERE id = ?", [parent_id]).fetchone()
    return row[0] if row else None


def _summary(actions: list[dict[str, Any]]) -> str:
    if not actions:
        return "No actions recorded."
    done = sum(a["status"] == Status.DONE for a in actions)
    blocked = sum(a["status"] == Status.BLOCKED for a in actions)
    overdue = sum(a["overdue"] for a in actions)
    mapped = sum(bool(a["recommendations"]) for a in actions)
    return (
        f"{len(actions)} action{'s' if len(actions) != 1 else ''}: {done} done, {blocked} blocked, "
        f"{overdue} overdue; {mapped} mapped to a recommendation."
    )


def _history_section(
    w: Writer, db: sqlite_utils.Database, action_ids: list[int], limit: int, when: AsAt
) -> None:
    w.heading(2, "History highlights")
    if not action_ids:
        w.add("No history yet.")
        return
    marks = ",".join("?" * len(action_ids))
    # A report of a past date shows only what had happened by then.
    until = when.day.isoformat() if reconstructs(when) else "9999-12-31"
    rows = [
        dict(r)
        for r in db.query(
            f"SELECT u.*, a.text FROM progress_updates u JOIN actions a ON a.id = u.action_id"
            f" WHERE u.action_id IN ({marks}) AND substr(u.at, 1, 10) <= ?"
            f" ORDER BY u.at DESC, u.id DESC LIMIT ?",
            [*action_ids, until, limit],
        )
    ]
    w.table(
        ["Date", "Action", "Change", "Who", "Note"],
        [[day(r["at"]), r["text"], change_text(r), r["who"], r["note"]] for r in rows],
    )


def _build(db: sqlite_utils.Database, name: str, *, evidence: Evidence, **options: Any) -> str:
    return build_organisation_report(db, name, **options)


def _targets(db: sqlite_utils.Database) -> list[tuple[str, Any]]:
    return [(org["name"], org["name"]) for org in list_organisations(db)]


register(
    ReportKindSpec(
        ReportKind.ORGANISATION,
        label="Organisation",
        target="name",
        builder=_build,
        options=("set_slug", "history_items"),
        targets=_targets,
    )
)
