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
    set_slug: str | None = None,
) -> tuple[str, str | None]:
    """The report's markdown and a warning (e.g. semantic search unavailable) or None.

    `evidence` is "auto" (hybrid search when vectors exist), "keyword" or "none"; `since` goes only to a
    kind that takes it (the briefing). Raises knowledge.reports.ReportError for an unknown target and
    ValueError for an unknown kind or a malformed target."""
    from knowledge import reports

    spec = reports.get(kind)
    target = spec.parse_target(target)
    if set_slug and "set_slug" not in spec.options:
        raise ValueError(f"export {spec.kind} takes no --set: it covers every recommendation set")
    found, warning = _find_evidence(db, db_path, spec.evidence_wanted(db, target), evidence, set_slug)
    # A date asked for is a report as recorded on it (`export --as-at`): the log replayed to that date.
    options: dict[str, Any] = {"as_at": as_at, "redact": redact, "as_recorded": as_at is not None}
    if since is not None and "since" in spec.options:
        options["since"] = since
    if set_slug:  # a recommendation of another set than the built-in one
        options["set_slug"] = set_slug
    return reports.build_report(db, kind, target, evidence=found, **options), warning


def _find_evidence(
    db: sqlite_utils.Database, db_path: str | Path, numbers: list[int], evidence: str, set_slug: str | None
) -> tuple[dict[int, list[dict[str, Any]]], str | None]:
    """Passages to quote per recommendation number, found by search (none asked for: no search at all)."""
    if evidence == "none" or not numbers:
        return {}, None
    from indexes.matching import evidence_passages

    mode = "keyword" if evidence == "keyword" else "auto"
    sets = {"set_slug": set_slug} if set_slug else {}
    return evidence_passages(db, db_path, numbers, mode=mode, limit=EVIDENCE_CANDIDATES, **sets)
