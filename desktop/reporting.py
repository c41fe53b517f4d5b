"""Build any report with its quoted evidence: the one place the CLI and the window both call."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import sqlite_utils

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

    `evidence` is "auto" (hybrid search when vectors exist), "keyword" or "none"; `since` goes only to a
    kind that takes it (the briefing). Raises knowledge.reports.ReportError for an unknown target and
    ValueError for an unknown kind or a malformed target."""
    from knowledge import reports

    spec = reports.get(kind)
    target = spec.parse_target(target)
    found, warning = _find_evidence(db, db_path, spec.evidence_wanted(db, target), evidence)
    options: dict[str, Any] = {"as_at": as_at, "redact": redact}
    if since is not None and "since" in spec.options:
        options["since"] = since
    return reports.build_report(db, kind, target, evidence=found, **options), warning


def _find_evidence(
    db: sqlite_utils.Database, db_path: str | Path, numbers: list[int], evidence: str
) -> tuple[dict[int, list[dict[str, Any]]], str | None]:
    """Passages to quote per recommendation number, found by search (none asked for: no search at all)."""
    if evidence == "none" or not numbers:
        return {}, None
    from indexes.matching import evidence_passages

    mode = "keyword" if evidence == "keyword" else "auto"
    return evidence_passages(db, db_path, numbers, mode=mode, limit=EVIDENCE_CANDIDATES)
