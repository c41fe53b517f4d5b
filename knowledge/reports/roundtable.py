"""The roundtable report: when, who chaired and hosted, its notes, the actions agreed and where they stand."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import sqlite_utils

from knowledge.reports.as_at import AsAt, report_actions
from knowledge.reports.common import ACTION_HEADERS, action_rows, day, progress_summary
from knowledge.reports.registry import Evidence, ReportError, ReportKindSpec, register
from knowledge.reports.writer import Writer, citation
from knowledge.roundtables import get_roundtable, roundtable_choices
from knowledge.vocab import ReportKind


def build_roundtable_report(
    db: sqlite_utils.Database,
    roundtable_id: int,
    *,
    passages: list[dict[str, Any]] | None = None,
    as_at: date | None = None,
    redact: bool = False,
    as_recorded: bool = False,
) -> str:
    """One roundtable: when, who chaired and hosted, its notes, the actions agreed and where they stand
    (with `as_recorded`, as the record stood on `as_at`). Raises ReportError for an unknown id."""
    rt = get_roundtable(db, roundtable_id)
    if rt is None:
        raise ReportError(f"no roundtable with id {roundtable_id}")
    when = AsAt.of(as_at, as_recorded)
    w = Writer(redact, db)
    w.add(f"# {w.text(rt['title'])}", "")
    w.as_at(when)
    w.heading(2, "Meeting")
    w.bullets(
        [
            f"**Date:** {w.text(day(rt['date']))}",
            f"**Chair:** {w.text(rt['chair'] or '–')}",
            f"**Host:** {w.text(rt['host'] or '–')}",
            f"**Partners:** {w.text(', '.join(rt['partners']) or '–')}",
        ]
    )
    w.heading(2, "Notes")
    if rt["documents"]:
        w.bullets(_document_line(w, d) for d in rt["documents"])
    else:
        w.add("No notes documents are linked to this roundtable.")
    _actions_section(w, db, roundtable_id, when)
    if passages:
        w.heading(2, "From the notes")
        for passage in passages:
            w.quote(passage)
    return w.finish()


def _actions_section(w: Writer, db: sqlite_utils.Database, roundtable_id: int, when: AsAt) -> None:
    # In the order the notes numbered them (A1, A2, ... A10), unnumbered ones last.
    actions = sorted(
        report_actions(db, when, roundtable_id=roundtable_id),
        key=lambda a: (a.get("source_ref") is None, _natural(a.get("source_ref") or ""), a["id"]),
    )
    w.heading(2, "Actions agreed")
    if not actions:
        w.add("No actions are recorded against this roundtable.")
        return
    w.add(progress_summary(actions).replace("confirmed action", "action"))
    rows = [
        [a.get("source_ref") or a["id"], *row, _rec_numbers(a)]
        for a, row in zip(actions, action_rows(actions), strict=True)
    ]
    w.table(["Ref", *ACTION_HEADERS, "Recommendations"], rows)
    sources = _action_sources(db, actions)
    if sources:
        w.add("Recorded in: " + "; ".join(citation(s, w) for s in sources) + ".")


def _natural(text: str) -> list[Any]:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text)]


def _rec_numbers(action: dict[str, Any]) -> str:
    """Confirmed recommendation numbers, then suggested ones marked as such."""
    parts = [str(n) for n in action["recommendations"]]
    parts += [f"{n} (suggested)" for n in action["suggested"] if n not in action["recommendations"]]
    return ", ".join(parts) or "–"


def _document_line(w: Writer, doc: dict[str, Any]) -> str:
    kind = w.inline(doc["kind"].replace("_", " "))
    return f"*{w.inline(doc['title'])}* ({kind}{', ' + w.inline(day(doc['date'])) if doc['date'] else ''})"


def _action_sources(db: sqlite_utils.Database, actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = sorted({a["source_passage_id"] for a in actions if a.get("source_passage_id")})
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    return [
        dict(r)
        for r in db.query(
            # Each source once, in the order of its first passage (both back ends alike).
            f"SELECT d.title AS document_title, p.page, p.section FROM passages p"
            f" JOIN documents d ON d.id = p.document_id WHERE p.id IN ({marks})"
            " GROUP BY d.title, p.page, p.section ORDER BY min(p.id)",
            ids,
        )
    ]


def _build(db: sqlite_utils.Database, roundtable_id: int, *, evidence: Evidence, **options: Any) -> str:
    return build_roundtable_report(db, roundtable_id, **options)


def _targets(db: sqlite_utils.Database) -> list[tuple[str, Any]]:
    return [(f"{rt['title']} ({rt['date'] or 'undated'})", rt["id"]) for rt in roundtable_choices(db)]


register(
    ReportKindSpec(ReportKind.ROUNDTABLE, label="Roundtable", target="id", builder=_build, targets=_targets)
)
