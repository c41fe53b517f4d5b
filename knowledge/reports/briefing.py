"""The briefing pack: headline figures, the organisations x recommendations matrix, every recommendation."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlite_utils

from knowledge.codebook import BUILTIN_SET, Recommendation, list_recommendations
from knowledge.dashboard import dashboard, recent_changes
from knowledge.reports.as_at import AsAt, reconstructs, report_actions
from knowledge.reports.common import (
    change_text,
    day,
    progress_summary,
    set_title,
    status_cell,
    status_label,
    suggested_count,
)
from knowledge.reports.evidence import evidence_passages, passage_key, rec_terms, stems
from knowledge.reports.registry import Evidence, ReportKindSpec, register
from knowledge.reports.writer import Writer
from knowledge.roundtables import list_roundtables
from knowledge.vocab import ReportKind, Status

DEFAULT_SINCE_DAYS = 30
BRIEFING_EVIDENCE_LIMIT = 2  # passages quoted per recommendation


def build_briefing(
    db: sqlite_utils.Database,
    *,
    passages_by_rec: dict[int, list[dict[str, Any]]] | None = None,
    since: date | None = None,
    as_at: date | None = None,
    redact: bool = False,
    as_recorded: bool = False,
    set_slug: str = BUILTIN_SET,
) -> str:
    """The whole pack: headline figures, the organisations x recommendations matrix, a section per
    recommendation (with evidence quotes from `passages_by_rec`), the roundtables held, what changed since
    `since` (default 30 days before `as_at`), and the overdue and blocked items. With `as_recorded`, as
    the record stood on `as_at` (knowledge.reports.as_at)."""
    when = AsAt.of(as_at, as_recorded)
    as_at = when.day
    since = since or as_at - timedelta(days=DEFAULT_SINCE_DAYS)
    data = dashboard(db, today=as_at, set_slug=set_slug, actions=report_actions(db, when))
    w = Writer(redact, db)
    w.add(f"# Briefing: {w.text(set_title(db, set_slug))}", "")
    w.as_at(when, f"Changes reported since {since.isoformat()}.")
    _headlines(w, data)
    _matrix(w, data)
    recs = list_recommendations(db, set_slug)
    found = _assign_passages(recs, passages_by_rec or {})
    w.heading(2, "Recommendations")
    for rec in recs:
        _briefing_recommendation(w, db, rec, found.get(rec.number), when, set_slug)
    _roundtables_section(w, db, when)
    _changes_section(w, db, since, as_at)
    w.heading(2, "Overdue")
    _summary_table(w, data["overdue"], overdue=True)
    w.heading(2, "Blocked")
    _summary_table(w, data["blocked"])
    return w.finish()


def _assign_passages(
    recs: list[Recommendation], passages_by_rec: dict[int, list[dict[str, Any]]]
) -> dict[int, list[dict[str, Any]]]:
    """Keep a passage found for several recommendations only under those it matches at least half as
    well as its best match: a passage about information governance that merely mentions a supplier
    belongs under procurement and IG, not under vendors' use cases. Words are weighted by how few
    recommendations use them ('clinical' says little, 'DPIA' a lot). Search order is kept."""
    terms = {rec.number: stems(" ".join(rec_terms(rec))) for rec in recs}
    spread: dict[str, int] = {}
    for rec_stems in terms.values():
        for stem in rec_stems:
            spread[stem] = spread.get(stem, 0) + 1
    shared: dict[tuple[Any, int], float] = {}
    best: dict[Any, float] = {}
    for number, passages in passages_by_rec.items():
        for p in passages:
            key = passage_key(p)
            common = stems(str(p.get("text") or "")) & terms.get(number, set())
            shared[key, number] = sum(1 / spread[s] for s in common)
            best[key] = max(best.get(key, 0.0), shared[key, number])
    return {
        number: [p for p in passages if 2 * shared[passage_key(p), number] >= best[passage_key(p)]]
        for number, passages in passages_by_rec.items()
    }


def _headlines(w: Writer, data: dict[str, Any]) -> None:
    totals = data["totals"]
    by_status = totals["by_status"]
    w.heading(2, "Headline figures")
    w.bullets(
        [
            f"{totals['actions']} actions from {totals['organisations']} organisations",
            ", ".join(f"{by_status[s]} {status_label(s)}" for s in Status),
            f"{totals['overdue']} overdue and {totals['stale']} with no update for {data['stale_days']} days"
            " or more",
            f"{totals['unlinked']} not yet confirmed against a recommendation"
            + (f" ({totals['drafts']} still drafts)" if totals["drafts"] else ""),
            "average completion "
            + (f"{round(totals['mean_percent'])}%" if totals["mean_percent"] is not None else "–"),
        ]
    )


def _matrix(w: Writer, data: dict[str, Any]) -> None:
    w.heading(2, "Organisations and recommendations")
    matrix = data["matrix"]
    if not matrix["rows"]:
        w.add("No actions are recorded yet.")
        return
    w.add(
        "Each cell: confirmed actions, and the most worrying status among them. "
        "Unconfirmed: actions not yet confirmed against any recommendation."
    )
    headers = ["Organisation", *(f"R{r['number']}" for r in matrix["recommendations"]), "Unconfirmed"]
    rows = []
    for row in matrix["rows"]:
        cells = [f"{c['count']} {status_label(c['worst_status'])}" if c else "" for c in row["cells"]]
        confirmed = {i for c in row["cells"] if c for i in c["action_ids"]}
        rows.append([row["organisation"], *cells, row["actions"] - len(confirmed)])
    w.table(headers, rows)
    w.add(
        "Key: " + "; ".join(f"R{r['number']} {w.text(r['title'])}" for r in matrix["recommendations"]) + "."
    )


def _briefing_recommendation(
    w: Writer,
    db: sqlite_utils.Database,
    rec: Recommendation,
    passages: list[dict[str, Any]] | None,
    when: AsAt,
    set_slug: str,
) -> None:
    w.heading(3, f"{rec.number}. {w.text(rec.title)}")
    w.add(w.text(rec.summary), "")
    actions = report_actions(db, when, recommendation_number=rec.number, set_slug=set_slug)
    suggested = suggested_count(db, rec.id, when)
    more = f" {suggested} more suggested, awaiting confirmation." if suggested else ""
    w.add(f"**Progress:** {progress_summary(actions)}{more}")
    if actions:
        w.table(
            ["Organisation", "Action", "Status", "%", "Due"],
            [
                [a["organisation"], a["text"], status_cell(a["status"]), f"{a['percent']}%", day(a["due"])]
                for a in actions
            ],
        )
    # A passage may serve several sections: each quotes the sentences about its own recommendation.
    for passage in evidence_passages(db, rec, passages, limit=BRIEFING_EVIDENCE_LIMIT, when=when):
        w.quote(passage, rec_terms(rec))


def _roundtables_section(w: Writer, db: sqlite_utils.Database, when: AsAt) -> None:
    # A briefing as at a past date names the roundtables held by then.
    held = when.day.isoformat() if reconstructs(when) else "9999-12-31"
    roundtables = [rt for rt in list_roundtables(db) if str(rt["date"] or "")[:10] <= held]
    if not roundtables:
        return
    w.heading(2, "Roundtables")
    for rt in roundtables:
        w.heading(3, f"{w.text(rt['title'])} ({w.inline(day(rt['date']))})")
        w.add(
            f"Chair: {w.text(rt['chair'] or '–')}. Host: {w.text(rt['host'] or '–')}. "
            f"{rt['actions']} actions agreed, {rt['done']} done, {rt['blocked']} blocked."
        )
        # The record's opening (date, venue, chair, note-taker) tells the reader whom to ask.
        for doc in rt["documents"]:
            opening = _opening_passage(db, doc["id"])
            if opening:
                w.quote(opening)


def _opening_passage(db: sqlite_utils.Database, document_id: int) -> dict[str, Any] | None:
    rows = [
        dict(r)
        for r in db.query(
            "SELECT p.id AS passage_id, p.text, p.page, p.section, d.title AS document_title FROM passages p"
            " JOIN documents d ON d.id = p.document_id WHERE p.document_id = ? ORDER BY p.ordinal LIMIT 1",
            [document_id],
        )
    ]
    return rows[0] if rows else None


def _changes_section(w: Writer, db: sqlite_utils.Database, since: date, as_at: date) -> None:
    w.heading(2, f"What changed since {since.isoformat()}")
    changes = recent_changes(db, since, as_at)
    if not changes:
        w.add("No progress updates in this period.")
        return
    w.table(
        ["Date", "Organisation", "Action", "Change", "Note"],
        [[day(c["at"]), c["organisation"], c["text"], change_text(c), c["note"]] for c in changes],
    )


def _summary_table(w: Writer, items: list[dict[str, Any]], *, overdue: bool = False) -> None:
    if not items:
        w.add("None.")
        return
    if overdue:
        w.table(
            ["Organisation", "Action", "Owner", "Due", "Days overdue", "Status"],
            [
                [
                    a["organisation"],
                    a["text"],
                    a["owner"],
                    day(a["due"]),
                    a["days_overdue"],
                    status_cell(a["status"]),
                ]
                for a in items
            ],
        )
    else:
        w.table(
            ["Organisation", "Action", "Owner", "Due", "Last update"],
            [[a["organisation"], a["text"], a["owner"], day(a["due"]), day(a["last_update"])] for a in items],
        )


def _build(db: sqlite_utils.Database, target: None, *, evidence: Evidence, **options: Any) -> str:
    return build_briefing(db, passages_by_rec=evidence, **options)


def _all_recommendations(db: sqlite_utils.Database, target: None) -> list[int]:
    return [r.number for r in list_recommendations(db, BUILTIN_SET)]


register(
    ReportKindSpec(
        ReportKind.BRIEFING,
        label="Briefing pack",
        target=None,
        builder=_build,
        options=("since", "set_slug"),
        evidence_for=_all_recommendations,
    )
)
