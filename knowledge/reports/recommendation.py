"""The recommendation report: what it asks and of whom, its actions and progress, evidence quoted."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlite_utils

from knowledge.codebook import BUILTIN_SET, Recommendation, get_recommendation, list_recommendations
from knowledge.reports.as_at import AsAt, report_actions
from knowledge.reports.common import ACTION_HEADERS, action_rows, progress_summary, set_title, suggested_count
from knowledge.reports.evidence import evidence_passages, rec_terms
from knowledge.reports.registry import Evidence, ReportError, ReportKindSpec, register
from knowledge.reports.writer import Writer
from knowledge.vocab import ReportKind


def build_recommendation_report(
    db: sqlite_utils.Database,
    number: int,
    *,
    passages: list[dict[str, Any]] | None = None,
    as_at: date | None = None,
    redact: bool = False,
    as_recorded: bool = False,
    set_slug: str = BUILTIN_SET,
) -> str:
    """One recommendation: what it asks and of whom, evidence with citations, its actions and progress.

    `passages` are extra evidence to quote (dicts with text, title or document_title, page; the caller
    finds them by search, since this layer does not search). With `as_recorded`, as the record stood on
    `as_at` (knowledge.reports.as_at). Raises ReportError for an unknown number."""
    rec = get_recommendation(db, number, set_slug)
    if rec is None:
        raise ReportError(f"no recommendation {number} in {set_slug}")
    when = AsAt.of(as_at, as_recorded)
    w = Writer(redact, db)
    w.add(f"# Recommendation {rec.number}: {w.text(rec.title)}", "")
    w.as_at(when, f"From: {w.text(set_title(db, set_slug))}.")
    _describe(w, rec)
    actions = report_actions(db, when, recommendation_number=rec.number, set_slug=set_slug)
    w.heading(2, "Progress summary")
    w.add(progress_summary(actions))
    suggested = suggested_count(db, rec.id, when)
    if suggested:
        w.add(
            "",
            f"A further {suggested} action{'s' if suggested != 1 else ''} may serve this recommendation "
            "(suggested, awaiting confirmation; not counted here).",
        )
    w.heading(2, "Actions")
    if actions:
        w.table(ACTION_HEADERS, action_rows(actions))
    else:
        w.add("No organisation has a confirmed action against this recommendation yet.")
    w.heading(2, "Evidence")
    evidence = evidence_passages(db, rec, passages, when=when)
    if evidence:
        for passage in evidence:
            w.quote(passage, rec_terms(rec))
    else:
        w.add("No passages have been linked or found for this recommendation.")
    return w.finish()


def _describe(w: Writer, rec: Recommendation) -> None:
    w.heading(2, "Summary")
    w.add(w.text(rec.summary), "")
    addressed = rec.addressed_to_text or ", ".join(rec.addressed_to)
    w.add(f"**Addressed to:** {w.text(addressed)}", "")
    if rec.includes:
        w.heading(3, "What counts")
        w.bullets(w.text(line) for line in rec.includes)
    if rec.excludes:
        w.heading(3, "What does not count")
        w.bullets(w.text(line) for line in rec.excludes)


def _build(db: sqlite_utils.Database, number: int, *, evidence: Evidence, **options: Any) -> str:
    return build_recommendation_report(db, number, passages=evidence.get(number), **options)


def _targets(db: sqlite_utils.Database) -> list[tuple[str, Any]]:
    return [(f"R{r.number}: {r.title}", r.number) for r in list_recommendations(db)]


register(
    ReportKindSpec(
        ReportKind.RECOMMENDATION,
        label="Recommendation",
        target="number",
        builder=_build,
        options=("set_slug",),
        evidence_for=lambda db, number: [number],
        targets=_targets,
    )
)
