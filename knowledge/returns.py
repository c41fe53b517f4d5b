"""Progress returns: one organisation's actions as a CSV form to fill in, and the filled-in form read back."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from knowledge.actions import list_actions, parse_percent, parse_status, update_progress
from knowledge.organisations import resolve_organisation
from knowledge.vocab import Status, values

HEADERS = [
    "Action ID",
    "Organisation",
    "Action",
    "Owner",
    "Due",
    "Current status",
    "Current %",
    "New status",
    "New %",
    "Note",
]
# Header spellings accepted on the way back in (people retype headers, spreadsheets mangle them).
_IN_COLUMNS = {
    "id": ("action id", "id", "action_id", "action no", "action number"),
    "status": ("new status", "status", "updated status"),
    "percent": ("new %", "new percent", "new % complete", "percent", "% complete", "new progress"),
    "note": ("note", "notes", "comment", "comments", "update note"),
}


class ReturnError(ValueError):
    """A file that is not a readable progress return; the message names the file and the reason."""


@dataclass
class ReturnReport:
    """What importing a return did: rows applied, rows with nothing new, one line per problem row."""

    updated: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def applied(self) -> int:
        return len(self.updated)

    def summary(self) -> str:
        text = f"{len(self.updated)} action(s) updated, {len(self.unchanged)} unchanged"
        return text + (f", {len(self.problems)} problem row(s)" if self.problems else "")

    def as_dict(self) -> dict[str, Any]:
        return {"updated": self.updated, "unchanged": self.unchanged, "problems": self.problems}


def export_return(db: sqlite_utils.Database, organisation: str | int, path: str | Path) -> int:
    """Write the organisation's actions as a return form (blank 'New ...' columns to fill in); returns the
    number of rows. UTF-8 with a BOM so spreadsheet programs open it with the right characters."""
    org_id = resolve_organisation(db, organisation)
    actions = list_actions(db, organisation=org_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for a in actions:
        writer.writerow(
            [
                a["id"],
                a["organisation"],
                a["text"],
                a["owner"] or "",
                a["due"] or "",
                a["status"],
                a["percent"],
                "",
                "",
                "",
            ]
        )
    Path(path).write_text(buffer.getvalue(), encoding="utf-8-sig")
    return len(actions)


def _read(path: Path) -> list[dict[str, str]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReturnError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # "CSV" as saved by older spreadsheet programs
    try:
        return list(csv.DictReader(io.StringIO(text)))
    except csv.Error as exc:
        raise ReturnError(f"{path}: not a readable CSV file ({exc})") from exc


def _columns(headers: list[str]) -> dict[str, str]:
    mapping = {}
    for header in headers:
        key = " ".join(str(header or "").lower().replace("_", " ").split())
        for name, names in _IN_COLUMNS.items():
            if key in names and name not in mapping:
                mapping[name] = header
    return mapping


def import_return(
    db: sqlite_utils.Database, path: str | Path, *, who: str | None = None, at: Any = None
) -> ReturnReport:
    """Apply a filled-in return as progress updates, matched by action id, in one transaction.

    Rows with an unknown id, an invalid status or percent, or a change the status rules forbid are each
    reported as one line in `problems` and not applied; blank 'New' cells mean no change. `who` defaults
    to the organisation that owns each action."""
    path = Path(path)
    rows = _read(path)
    headers = list(rows[0].keys()) if rows else []
    cols = _columns([h for h in headers if h is not None])
    if rows and "id" not in cols:
        raise ReturnError(f"{path}: not a progress return (no 'Action ID' column)")
    report = ReturnReport()
    seen: set[int] = set()
    with db.atomic():
        for line, row in enumerate(rows, start=2):  # line 1 is the header
            _apply_row(db, row, cols, line, seen, report, who, at)
    return report


def _identify(db: sqlite_utils.Database, raw_id: str, seen: set[int]) -> tuple[int, str | None]:
    """The row's action id and its organisation's name; ValueError (the reason) when the row names none."""
    try:
        action_id = int(float(raw_id))
    except ValueError:
        raise ValueError(f"action id {raw_id!r} is not a number" if raw_id else "no action id") from None
    action = db.execute(
        "SELECT o.name FROM actions a LEFT JOIN organisations o ON o.id = a.organisation_id WHERE a.id = ?",
        [action_id],
    ).fetchone()
    if action is None:
        raise ValueError(f"no action with id {action_id} in this database")
    if action_id in seen:
        raise ValueError(f"action {action_id} appears more than once; only the first row counts")
    seen.add(action_id)
    return action_id, action[0]


def _row_change(raw_status: str, raw_percent: str) -> tuple[str | None, int | None]:
    """The status and percent a row asks for (None: left blank); ValueError when one is not readable."""
    status = parse_status(raw_status) if raw_status else None
    if raw_status and status is None:
        raise ValueError(f"unknown status {raw_status!r}; use one of {', '.join(values(Status))}")
    return status, parse_percent(raw_percent)


def _apply_row(
    db: sqlite_utils.Database,
    row: dict[str, Any],
    cols: dict[str, str],
    line: int,
    seen: set[int],
    report: ReturnReport,
    who: str | None,
    at: Any,
) -> None:
    def cell(name: str) -> str:
        value = row.get(cols[name]) if name in cols else None
        return str(value).strip() if value is not None else ""

    if not any(str(v or "").strip() for k, v in row.items() if k is not None):
        return  # a blank line in the sheet
    try:
        action_id, organisation = _identify(db, cell("id"), seen)
    except ValueError as exc:
        report.problems.append(f"row {line}: {exc}")
        return
    note = cell("note") or None
    try:
        status, percent = _row_change(cell("status"), cell("percent"))
        if status is None and percent is None and note is None:
            report.unchanged.append(action_id)
            return
        with db.atomic():  # a savepoint: a refused row leaves nothing behind
            result = update_progress(
                db, action_id, status=status, percent=percent, note=note, who=who or organisation, at=at
            )
    except ValueError as exc:
        report.problems.append(f"row {line} (action {action_id}): {exc}")
        return
    _record(report, result, note)


def _record(report: ReturnReport, result: dict[str, Any], note: str | None) -> None:
    if result["id"] is None:
        report.unchanged.append(result["action_id"])
        return
    keys = ("action_id", "old_status", "new_status", "old_percent", "new_percent")
    report.updated.append({**{key: result[key] for key in keys}, "note": note})
