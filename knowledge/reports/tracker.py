"""The action tracker: every action with its organisation, recommendations, owner, due, status and RAG."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlite_utils

from knowledge.codebook import BUILTIN_SET
from knowledge.redact import describe_counts
from knowledge.reports.as_at import AsAt, report_actions
from knowledge.reports.common import day, progress_summary, rag_label, status_cell
from knowledge.reports.registry import Evidence, ReportKindSpec, register
from knowledge.reports.writer import Writer
from knowledge.vocab import LinkState, Rag, ReportKind, Status, values

# The headers read as the tracker CSV's own ("Organisation", "Due date", "% complete", "Recommendation"), so a
# person who edits the workbook and imports it gets the columns recognised.
HEADERS = (
    "Action ID",
    "Organisation",
    "Recommendation",
    "Action",
    "Owner",
    "Due date",
    "Status",
    "% complete",
    "RAG",
    "Days overdue",
    "Last update",
    "Suggested, not confirmed",
)
# Excel's own Good / Neutral / Bad cell colours (pale fill, dark text): readable printed in black and white,
# unlike the window's saturated dots (desktop/style.py), which are meant for small marks on a screen.
RAG_FILLS: dict[str, tuple[str, str]] = {
    Rag.RED: ("FFC7CE", "9C0006"),
    Rag.AMBER: ("FFEB9C", "9C5700"),
    Rag.GREEN: ("C6EFCE", "006100"),
    Rag.GREY: ("E7E6E6", "3B3838"),
}
_WIDTHS = (10, 34, 15, 60, 26, 12, 13, 11, 8, 9, 12, 14)
_MD_HEADERS = [h for h in HEADERS if h not in ("Action ID", "Days overdue")]
_WRAPPED = frozenset({"Organisation", "Action", "Owner"})


@dataclass
class TrackerTable:
    """The tracker's rows (stored text redacted when asked), with what redaction took out."""

    as_at: date
    rows: list[dict[str, Any]]
    summary: str
    redacted: str | None  # 'Redacted for onward circulation: 2 names.' or None when not redacting
    when: AsAt | None = None  # the date and whether the record is shown as it stood then


def _recs(links: list[dict[str, Any]], state: LinkState) -> str:
    """'R4, R6' for the builtin set; another set's numbers carry its slug ('imaging-2025 R2')."""
    numbers = [
        f"R{lk['number']}" if lk["set_slug"] == BUILTIN_SET else f"{lk['set_slug']} R{lk['number']}"
        for lk in links
        if lk["state"] == state
    ]
    return ", ".join(numbers)


def _as_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _row(w: Writer, a: dict[str, Any]) -> dict[str, Any]:
    return {
        "Action ID": a["id"],
        "Organisation": w.raw(a["organisation"] or "(no organisation)"),
        "Recommendation": _recs(a["links"], LinkState.CONFIRMED),
        "Action": w.raw(a["text"]),
        "Owner": w.raw(a["owner"] or ""),
        "Due date": _as_date(a["due"]),
        "Status": a["status"],
        "% complete": a["percent"],
        "RAG": a["rag"],
        "Days overdue": a["days_overdue"] or None,
        "Last update": _as_date(a["last_update"]),
        "Suggested, not confirmed": _recs(a["links"], LinkState.SUGGESTED),
    }


def tracker_table(
    db: sqlite_utils.Database, *, as_at: date | None = None, redact: bool = False, as_recorded: bool = False
) -> TrackerTable:
    """Every action, by organisation then id, as rows keyed by HEADERS (dates as dates, RAG as stored);
    with `as_recorded`, as the record stood on `as_at` (knowledge.reports.as_at)."""
    when = AsAt.of(as_at, as_recorded)
    as_at = when.day
    w = Writer(redact, db)
    actions = report_actions(db, when)
    rows = [_row(w, a) for a in actions]
    confirmed = [a for a in actions if a["recommendations"]]
    summary = f"{len(actions)} action{'s' if len(actions) != 1 else ''} in all. " + progress_summary(
        confirmed
    )
    redacted = f"Redacted for onward circulation: {describe_counts(w.counts)}." if redact else None
    return TrackerTable(as_at, rows, summary, redacted, when)


def build_tracker_report(
    db: sqlite_utils.Database, *, as_at: date | None = None, redact: bool = False, as_recorded: bool = False
) -> str:
    """The tracker as a markdown table (the same rows as the workbook)."""
    # The Writer below redacts as it escapes.
    table = tracker_table(db, as_at=as_at, redact=False, as_recorded=as_recorded)
    w = Writer(redact, db)
    w.add("# Action tracker", "")
    w.as_at(table.when or table.as_at)
    w.add(w.text(table.summary), "")
    if not table.rows:
        w.add("No actions recorded yet.")
        return w.finish()
    w.table(
        ["ID", *_MD_HEADERS[:-1], "Suggested"],
        [[r["Action ID"], *(_cell(h, r) for h in _MD_HEADERS)] for r in table.rows],
    )
    w.add("*Suggested: recommendations the tool suggested that nobody has confirmed yet.*")
    return w.finish()


def _cell(header: str, row: dict[str, Any]) -> Any:
    """A markdown cell: status and RAG in words, as other reports write them ('blocked (overdue)')."""
    value = row[header]
    if header == "Status":
        return status_cell(value, bool(row["Days overdue"]))
    if header == "RAG":
        return rag_label(value)
    if header == "% complete":
        return f"{value}%"
    if isinstance(value, date):
        return day(value.isoformat())
    return value


def build_tracker_workbook(
    db: sqlite_utils.Database, *, as_at: date | None = None, redact: bool = False, as_recorded: bool = False
) -> Any:
    """The tracker as an openpyxl Workbook: a header row that stays in view, filters on every column, RAG
    cells filled red, amber, green or grey, dates as dates; a second sheet says when and what it is."""
    from openpyxl import Workbook

    table = tracker_table(db, as_at=as_at, redact=redact, as_recorded=as_recorded)
    wb = Workbook()
    sheet = wb.active
    sheet.title = "Tracker"
    _fill_tracker_sheet(sheet, table)
    _about_sheet(wb.create_sheet("About"), table)
    wb.properties.title = "Action tracker"
    wb.properties.creator = "Roundtable Desk"  # not the login name: the file may be circulated
    return wb


def _fill_tracker_sheet(sheet: Any, table: TrackerTable) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet.append(list(HEADERS))
    header_fill, bold = PatternFill("solid", fgColor="DCE6F1"), Font(bold=True)
    for cell in sheet[1]:
        cell.font, cell.fill = bold, header_fill
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    # One style object per look, shared by every cell: openpyxl compares each new one with all it holds.
    aligned = {h: Alignment(vertical="top", wrap_text=h in _WRAPPED) for h in HEADERS}
    rag_styles = {
        rag: (PatternFill("solid", fgColor=fill), Font(color=text, bold=True))
        for rag, (fill, text) in RAG_FILLS.items()
    }
    for number, row in enumerate(table.rows, 2):
        sheet.append([_xlsx_value(h, row[h]) for h in HEADERS])
        for column, header in enumerate(HEADERS, 1):
            cell = sheet.cell(number, column)
            cell.alignment = aligned[header]
            if isinstance(row[header], date):
                cell.number_format = "yyyy-mm-dd"
            if header == "RAG" and row["RAG"] in rag_styles:
                cell.fill, cell.font = rag_styles[row["RAG"]]
    for index, width in enumerate(_WIDTHS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(HEADERS))}{len(table.rows) + 1}"


def _xlsx_value(header: str, value: Any) -> Any:
    """Words a filter lists ('In progress', 'Amber'); everything else as it is (numbers, dates)."""
    if header == "Status" and value:
        return Status(value).display if value in values(Status) else value
    if header == "RAG" and value:
        return rag_label(value).capitalize()
    return value


def _about_sheet(sheet: Any, table: TrackerTable) -> None:
    from openpyxl.styles import Font

    lines = [
        ("Action tracker", None),
        ("As at", table.as_at),
        ("Actions", len(table.rows)),
        ("Summary", table.summary),
        (
            "RAG",
            "Red: blocked or overdue; amber: no update for a while, or due soon and behind;"
            " green: on track or done; grey: dropped",
        ),
        ("Statuses", ", ".join(s.display for s in Status)),
    ]
    if table.redacted:
        lines.append(("Redaction", table.redacted))
    for label, value in lines:
        sheet.append([label, value])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["B2"].number_format = "yyyy-mm-dd"
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 100


def _build(db: sqlite_utils.Database, target: None, *, evidence: Evidence, **options: Any) -> str:
    return build_tracker_report(db, **options)


def _workbook(db: sqlite_utils.Database, target: None, **options: Any) -> Any:
    return build_tracker_workbook(db, **options)


register(
    ReportKindSpec(
        ReportKind.TRACKER,
        label="Action tracker",
        target=None,
        builder=_build,
        workbook=_workbook,
    )
)
