"""Build any report with its quoted evidence: the one place the CLI and the window both call."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import sqlite_utils

REPORTS = ("recommendation", "organisation", "roundtable", "briefing")
# Search hits handed to a report per recommendation; the report keeps the relevant ones, one per document.
EVIDENCE_CANDIDATES = 12


def build_report(
    db: sqlite_utils.Database,
    db_path: str | Path,
    kind: str,
    target: Any = None,
    *,
    redact: bool = False,
    as_at: date | None = None,
    since: date | None = None,
    evidence: str = "auto",
) -> tuple[str, str | None]:
    """The report's markdown and a warning (e.g. semantic search unavailable) or None.

    `evidence` is "auto" (hybrid search when vectors exist), "keyword" or "none". Raises
    knowledge.reports.ReportError for an unknown target and ValueError for an unknown kind."""
    from knowledge import reports
    from knowledge.codebook import BUILTIN_SET, list_recommendations

    common: dict[str, Any] = {"as_at": as_at, "redact": redact}
    warning: str | None = None

    def find(numbers: list[int]) -> dict[int, list[dict[str, Any]]]:
        nonlocal warning
        if evidence == "none":
            return {}
        from indexes.matching import evidence_passages

        mode = "keyword" if evidence == "keyword" else "auto"
        found, warning = evidence_passages(db, db_path, numbers, mode=mode, limit=EVIDENCE_CANDIDATES)
        return found

    if kind == "recommendation":
        number = int(target)
        md = reports.build_recommendation_report(db, number, passages=find([number]).get(number), **common)
    elif kind == "organisation":
        md = reports.build_organisation_report(db, str(target).strip(), **common)
    elif kind == "roundtable":
        md = reports.build_roundtable_report(db, int(target), **common)
    elif kind == "briefing":
        numbers = [r.number for r in list_recommendations(db, BUILTIN_SET)]
        md = reports.build_briefing(db, passages_by_rec=find(numbers), since=since, **common)
    else:
        raise ValueError(f"unknown report {kind!r}; choose one of {', '.join(REPORTS)}")
    return md, warning
