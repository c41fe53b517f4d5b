"""Report operations: build a report with its evidence, save it in any format (desktop.exporters), whole."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.operations.changes import Result

if TYPE_CHECKING:
    from knowledge.verify import VerifyReport


@dataclass
class Export:
    """A built report and where it was written; `workbook()` builds its spreadsheet form (None for a kind
    without one). It holds the database it was built from: use it on the thread that built it."""

    markdown: str
    html: str
    warning: str | None = None
    written: tuple[str, ...] = ()
    title: str = ""
    workbook: Callable[[], Any] | None = None


def render_report(
    db: Any,
    db_path: str | Path,
    kind: str,
    target: Any,
    redact: bool = False,
    evidence: str | None = None,
    set_slug: str | None = None,
) -> Result[tuple[str, str]]:
    """Build a report's markdown, with quoted evidence, and its HTML rendering (nothing is written).

    Without `evidence`, hybrid evidence search is used only once the model is in memory: a preview must
    not wait ~5 s for it to load."""
    from indexes.embedder import embedder_loaded

    if evidence is None:
        evidence = "auto" if embedder_loaded() else "keyword"
    export = build_export(db, db_path, kind, target, redact=redact, evidence=evidence, set_slug=set_slug)
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
    set_slug: str | None = None,
) -> Export:
    """The report's markdown, its HTML and any warning about the evidence search."""
    from desktop.reporting import build_report
    from knowledge import reports

    md, warning = build_report(
        db, db_path, kind, target, redact=redact, as_at=as_at, since=since, evidence=evidence,
        set_slug=set_slug,
    )
    title = reports.report_title(md)
    workbook = _workbook(db, kind, target, redact=redact, as_at=as_at)
    return Export(md, reports.render_html(md, title), warning, title=title, workbook=workbook)


def _workbook(
    db: Any, kind: str, target: Any, *, redact: bool, as_at: date | None
) -> Callable[[], Any] | None:
    """Builds the report's workbook when asked (only the xlsx format asks), or None: the kind has none.
    A date asked for is the record as it stood then, as for the markdown (desktop.reporting)."""
    from knowledge import reports

    if reports.get(kind).workbook is None:
        return None
    options = {"redact": redact, "as_at": as_at, "as_recorded": as_at is not None}
    return lambda: reports.build_workbook(db, kind, target, **options)


def export_report(
    db: Any,
    db_path: str | Path,
    kind: str,
    target: Any = None,
    *,
    md_path: str | Path | None = None,
    html_path: str | Path | None = None,
    outputs: Mapping[str, str | Path] | None = None,
    redact: bool = False,
    as_at: date | None = None,
    since: date | None = None,
    evidence: str = "auto",
    set_slug: str | None = None,
) -> Result[Export]:
    """Build a report and write it in each format asked for: markdown and/or HTML, and `outputs`, a
    format name ('docx', 'pdf', 'xlsx', ...) per path. Each file is whole or not written at all;
    desktop.exporters.ExportError names the one that failed."""
    from desktop import exporters

    export = build_export(
        db, db_path, kind, target, redact=redact, as_at=as_at, since=since, evidence=evidence,
        set_slug=set_slug,
    )
    wanted = [("md", md_path), ("html", html_path), *(outputs or {}).items()]
    export.written = tuple(exporters.save(export, path, name) for name, path in wanted if path is not None)
    return Result(export)


def save_report(
    db: Any,
    path: str | Path,
    fmt: str,
    *,
    markdown: str,
    html: str,
    kind: str,
    target: Any = None,
    redact: bool = False,
    as_at: date | None = None,
) -> Result[str]:
    """Save a report already built (the window's preview) in format `fmt`, whole or not at all; the
    spreadsheet form, for a kind that has one, is built from `db` now. Returns the path written."""
    from desktop import exporters
    from knowledge import reports

    report = Export(
        markdown,
        html,
        title=reports.report_title(markdown),
        workbook=_workbook(db, kind, target, redact=redact, as_at=as_at),
    )
    return Result(exporters.save(report, path, fmt))


def verify_saved_report(db: Any, path: str | Path) -> Result[VerifyReport]:
    """Check every citation of a saved report (markdown or HTML) against the database: a
    knowledge.verify.VerifyReport (nothing is written). Raises VerifyError for an unreadable file."""
    from knowledge.verify import verify_report

    return Result(verify_report(db, path))


def write_text(path: str, text: str) -> Result[str]:
    """Save an export whole or not at all: a failed write never leaves half a report over the last one."""
    from knowledge.files import replacing

    with replacing(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")  # the same bytes on every platform
    return Result(path)
