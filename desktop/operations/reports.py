"""Report operations: build a report with its evidence, render it as HTML, write it whole or not at all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from desktop.operations.changes import Result


@dataclass
class Export:
    """A built report and where it was written."""

    markdown: str
    html: str
    warning: str | None = None
    written: tuple[str, ...] = ()


def render_report(
    db: Any, db_path: str | Path, kind: str, target: Any, redact: bool = False, evidence: str | None = None
) -> Result[tuple[str, str]]:
    """Build a report's markdown, with quoted evidence, and its HTML rendering (nothing is written).

    Without `evidence`, hybrid evidence search is used only once the model is in memory: a preview must
    not wait ~5 s for it to load."""
    from indexes.embedder import embedder_loaded

    if evidence is None:
        evidence = "auto" if embedder_loaded() else "keyword"
    export = build_export(db, db_path, kind, target, redact=redact, evidence=evidence)
    return Result((export.markdown, export.html))


def build_export(
    db: Any,
    db_path: str | Path,
    kind: str,
    target: Any = None,
    *,
    redact: bool = False,
    as_at: date | None = None,
    since: date | None = None,
    evidence: str = "auto",
) -> Export:
    """The report's markdown, its HTML and any warning about the evidence search."""
    from desktop.reporting import build_report
    from knowledge import reports

    md, warning = build_report(
        db, db_path, kind, target, redact=redact, as_at=as_at, since=since, evidence=evidence
    )
    return Export(md, reports.render_html(md, reports.report_title(md)), warning)


def export_report(
    db: Any,
    db_path: str | Path,
    kind: str,
    target: Any = None,
    *,
    md_path: str | Path | None = None,
    html_path: str | Path | None = None,
    redact: bool = False,
    as_at: date | None = None,
    since: date | None = None,
    evidence: str = "auto",
) -> Result[Export]:
    """Build a report and write its markdown and/or HTML, each file whole or not at all."""
    export = build_export(
        db, db_path, kind, target, redact=redact, as_at=as_at, since=since, evidence=evidence
    )
    written = []
    for path, text in ((md_path, export.markdown), (html_path, export.html)):
        if path is not None:
            written.append(write_text(str(path), text).value)
    export.written = tuple(written)
    return Result(export)


def write_text(path: str, text: str) -> Result[str]:
    """Save an export whole or not at all: a failed write never leaves half a report over the last one."""
    from knowledge.files import replacing

    with replacing(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")  # the same bytes on every platform
    return Result(path)
