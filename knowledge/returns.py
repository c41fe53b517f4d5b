"""Progress returns: one organisation's actions as a CSV form to fill in, and the filled-in form read back.

A form is issued to one organisation under a form id (registered in the database, and written in the last
column of every row): on import, a row whose action belongs to another organisation is refused whatever
the file says, and rows already applied from the same form are recognised, so a second import changes
nothing. The import is recorded in the change log as the person importing it."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import secrets
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import sqlite_utils

from knowledge.actions import change_due_date, list_actions, parse_percent, parse_status, update_progress
from knowledge.changelog import record, who_of
from knowledge.dates import now_iso, parse_date
from knowledge.files import replacing
from knowledge.organisations import find_organisation, resolve_organisation
from knowledge.vocab import Change, Entity, Status, values

FORM_COLUMN = "Form ID"
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
    "New due",
    "Reason",
    "Note",
    FORM_COLUMN,  # last, away from the cells a person fills in
]
# Header spellings accepted on the way back in (people retype headers, spreadsheets mangle them).
_IN_COLUMNS = {
    "id": ("action id", "id", "action_id", "action no", "action number"),
    "status": ("new status", "status", "updated status"),
    "percent": ("new %", "new percent", "new % complete", "percent", "% complete", "new progress"),
    "due": ("new due", "new due date", "revised due", "revised due date"),
    "reason": ("reason", "reason for new due", "reason for the new due date", "due reason"),
    "note": ("note", "notes", "comment", "comments", "update note"),
    "form": ("form id", "form", "return form", "form id (do not edit)"),
    "organisation": ("organisation", "organization", "org"),
}


class ReturnError(ValueError):
    """A file that is not a readable progress return; the message names the file and the reason."""


@dataclass
class ReturnReport:
    """What importing a return did: rows applied, rows with nothing new, rows an earlier import of the
    same form already applied, one line per refused row; the form and organisation it was scoped to."""

    updated: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    already: list[int] = field(default_factory=list)
    form_id: str | None = None
    organisation: str | None = None
    log_id: int | None = None  # the change-log entry recording the import (None: nothing happened)

    @property
    def applied(self) -> int:
        return len(self.updated)

    def summary(self) -> str:
        text = f"{len(self.updated)} action(s) updated, {len(self.unchanged)} unchanged"
        text += f", {len(self.already)} already applied by an earlier import" if self.already else ""
        text += f", {len(self.problems)} problem row(s)" if self.problems else ""
        scope = f" (form {self.form_id}" if self.form_id else (" (" if self.organisation else "")
        if self.organisation:
            scope += f"{', ' if self.form_id else ''}{self.organisation}"
        return text + (scope + ")" if scope else "")

    def as_dict(self) -> dict[str, Any]:
        return {
            "updated": self.updated,
            "unchanged": self.unchanged,
            "already_applied": self.already,
            "problems": self.problems,
            "form_id": self.form_id,
            "organisation": self.organisation,
        }


@dataclass(frozen=True)
class ReturnForm:
    """A return form written for an organisation: its id, the organisation's name, how many actions."""

    form_id: str
    organisation: str
    actions: int
    path: str


def _new_form_id() -> str:
    """'RF-20240601-3fa9c1': the day it was issued and a random part (never reused, never guessed)."""
    return f"RF-{date.today():%Y%m%d}-{secrets.token_hex(3)}"


def export_return_form(
    db: sqlite_utils.Database, organisation: str | int, path: str | Path, *, who: str | None = None
) -> ReturnForm:
    """Write the organisation's actions as a return form (blank 'New ...' columns to fill in) under a new
    form id, registered in the database with the organisation; the file is written whole or not at all,
    and the form is registered only when it was. UTF-8 with a BOM so spreadsheets read the characters."""
    org = find_organisation(db, resolve_organisation(db, organisation))
    actions = list_actions(db, organisation=org["id"])
    form_id = _new_form_id()
    rows = []
    for a in actions:
        current = [a["id"], a["organisation"], a["text"], a["owner"] or "", a["due"] or "", a["status"]]
        rows.append([*current, a["percent"], "", "", "", "", "", form_id])
    write = _FORM_WRITERS.get(Path(path).suffix.lower(), _write_csv_form)  # .xlsx: a workbook; else CSV
    with db.atomic():
        db.execute(
            "INSERT INTO return_forms (form_id, organisation_id, organisation, actions, exported_at,"
            " exported_by) VALUES (?, ?, ?, ?, ?, ?)",
            [form_id, org["id"], org["name"], len(actions), now_iso(), who_of(db, who)],
        )
        with replacing(path) as tmp:  # an OSError here rolls the registration back
            write(tmp, rows, form_id=form_id, organisation=org["name"])
    return ReturnForm(form_id, org["name"], len(actions), str(path))


def _write_csv_form(path: Path, rows: list[list[Any]], *, form_id: str, organisation: str) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8-sig")


def _write_xlsx_form(path: Path, rows: list[list[Any]], *, form_id: str, organisation: str) -> None:
    """The workbook form (knowledge.returns_xlsx): status drop-down, percent 0-100, current columns locked."""
    from knowledge.returns_xlsx import write_form

    write_form(path, HEADERS, rows, form_id=form_id, organisation=organisation)


_FORM_WRITERS = {".xlsx": _write_xlsx_form, ".csv": _write_csv_form}
_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def export_return(
    db: sqlite_utils.Database, organisation: str | int, path: str | Path, *, who: str | None = None
) -> int:
    """export_return_form(), answering the number of rows written."""
    return export_return_form(db, organisation, path, who=who).actions


def _read(path: Path) -> list[dict[str, str]]:
    if path.suffix.lower() in _WORKBOOK_SUFFIXES:
        return _read_workbook(path)
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


def _read_workbook(path: Path) -> list[dict[str, str]]:
    """A workbook return read into the rows the CSV reader gives (the same rules then apply to both)."""
    from knowledge.returns_xlsx import WorkbookError, read_rows

    if not path.is_file():
        raise ReturnError(f"{path}: cannot read (No such file or directory)")
    try:
        return read_rows(path, is_header=lambda cells: "id" in _columns(cells))
    except WorkbookError as exc:
        raise ReturnError(f"{path}: {exc}") from None


def _columns(headers: list[str]) -> dict[str, str]:
    mapping = {}
    for header in headers:
        key = " ".join(str(header or "").lower().replace("_", " ").split())
        for name, names in _IN_COLUMNS.items():
            if key in names and name not in mapping:
                mapping[name] = header
    return mapping


@dataclass(frozen=True)
class _Scope:
    """Whose return a file is: the form id it carries ('' for none), the organisation its rows must
    belong to (None: each row's own Organisation cell says, if it says)."""

    form_id: str
    organisation_id: int | None
    organisation: str | None
    record_id: int | None = None  # the return_forms row (the log entry's id) when this database issued it


def _cell(row: dict[str, Any], cols: dict[str, str], name: str) -> str:
    value = row.get(cols[name]) if name in cols else None
    return str(value).strip() if value is not None else ""


def _scope(db: sqlite_utils.Database, path: Path, rows: list[dict[str, Any]], cols: dict[str, str]) -> _Scope:
    """The file's form and organisation. A form this database issued is scoped to the organisation it was
    issued to, whatever the cells say; any other file to the one organisation its rows name, if one."""
    forms = sorted({_cell(r, cols, "form") for r in rows} - {""})
    if len(forms) > 1:
        raise ReturnError(
            f"{path}: rows from {len(forms)} return forms ({', '.join(forms)}); import each alone"
        )
    form_id = forms[0] if forms else ""
    issued = db.execute(
        "SELECT id, organisation_id, organisation FROM return_forms WHERE form_id = ?", [form_id]
    ).fetchone()
    if issued is not None:
        org = find_organisation(db, issued[1]) if issued[1] is not None else None
        if org is None:
            raise ReturnError(
                f"{path}: form {form_id} was issued to {issued[2]}, which is no longer registered"
            )
        return _Scope(form_id, org["id"], org["name"], issued[0])
    names = sorted({_cell(r, cols, "organisation") for r in rows} - {""}, key=str.lower)
    if len({n.lower() for n in names}) == 1:
        org = find_organisation(db, names[0])
        if org is None:
            raise ReturnError(f"{path}: organisation {names[0]!r} is not registered")
        return _Scope(form_id, org["id"], org["name"])
    return _Scope(form_id, None, None)


def import_return(
    db: sqlite_utils.Database, path: str | Path, *, who: str | None = None, at: Any = None
) -> ReturnReport:
    """Apply a filled-in return as progress updates, matched by action id, in one transaction.

    Rows with an unknown or deleted action, an action of another organisation than the return's, an
    invalid status, percent or date, a new due date without its reason, or a change the status rules
    forbid are each reported as one line in `problems` and not applied; blank 'New' cells mean no change;
    rows an earlier import of the same form applied are recognised and skipped. `who` (default: the
    person running the program, knowledge.changelog.who_of) is recorded on every change, and the import
    itself is a change-log entry naming the file, form, organisation and rows applied and refused."""
    path = Path(path)
    rows = _read(path)
    headers = list(rows[0].keys()) if rows else []
    cols = _columns([h for h in headers if h is not None])
    if rows and "id" not in cols:
        raise ReturnError(f"{path}: not a progress return (no 'Action ID' column)")
    who = who_of(db, who)
    seen: set[int] = set()
    with db.atomic():
        scope = _scope(db, path, rows, cols)
        report = ReturnReport(form_id=scope.form_id or None, organisation=scope.organisation)
        apply = _Applier(db, path, cols, scope, report, who, at)
        for line, row in enumerate(rows, start=2):  # line 1 is the header
            apply.row(row, line, seen)
        if report.updated or report.problems:
            report.log_id = _log_import(db, path, scope, report, who)
    return report


def _log_import(db: sqlite_utils.Database, path: Path, scope: _Scope, report: ReturnReport, who: str) -> int:
    after = {
        "file": path.name,
        "form_id": scope.form_id or None,
        "organisation": scope.organisation,
        "organisation_id": scope.organisation_id,
        "applied": [u["action_id"] for u in report.updated],
        "already_applied": report.already,
        "refused": report.problems,
    }
    return record(
        db,
        who=who,
        entity=Entity.RETURN,
        entity_id=scope.record_id,
        change=Change.IMPORTED,
        after=after,
        note=f"{path.name}: {report.summary()}",
    )


def _identify(db: sqlite_utils.Database, raw_id: str, seen: set[int]) -> tuple[int, int | None, str | None]:
    """The row's action id, its organisation's id and name; ValueError (the reason) when the row names
    no action of this database that can be changed."""
    try:
        action_id = int(float(raw_id))
    except ValueError:
        raise ValueError(f"action id {raw_id!r} is not a number" if raw_id else "no action id") from None
    action = db.execute(
        "SELECT a.organisation_id, o.name, a.deleted_at FROM actions a"
        " LEFT JOIN organisations o ON o.id = a.organisation_id WHERE a.id = ?",
        [action_id],
    ).fetchone()
    if action is None:
        raise ValueError(f"no action with id {action_id} in this database")
    if action[2] is not None:
        raise ValueError(f"action {action_id} was deleted; restore it before applying a return to it")
    if action_id in seen:
        raise ValueError(f"action {action_id} appears more than once; only the first row counts")
    seen.add(action_id)
    return action_id, action[0], action[1]


@dataclass(frozen=True)
class _Ask:
    """What one row asks for (None: left blank)."""

    status: str | None
    percent: int | None
    due: str | None
    reason: str | None
    note: str | None

    def empty(self) -> bool:
        return self.status is None and self.percent is None and self.due is None and self.note is None

    def digest(self) -> str:
        """What recognises the same row in a second import of the same form."""
        data = [self.status, self.percent, self.due, self.reason, self.note]
        return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode("utf-8")).hexdigest()


def _ask(row: dict[str, Any], cols: dict[str, str]) -> _Ask:
    """The change a row asks for; ValueError when a cell is not readable or a new due date has no reason."""
    raw_status = _cell(row, cols, "status")
    status = parse_status(raw_status) if raw_status else None
    if raw_status and status is None:
        raise ValueError(f"unknown status {raw_status!r}; use one of {', '.join(values(Status))}")
    percent = parse_percent(_cell(row, cols, "percent"))
    due = parse_date(_cell(row, cols, "due")) if _cell(row, cols, "due") else None
    reason = _cell(row, cols, "reason") or None
    if due and not reason:
        raise ValueError("a new due date needs its reason (the Reason column)")
    if reason and not due:
        raise ValueError("a Reason is given without a New due date (a progress note goes under Note)")
    return _Ask(status, percent, due, reason, _cell(row, cols, "note") or None)


@dataclass
class _Applier:
    """Applies a return's rows one by one (each in a savepoint: a refused row leaves nothing behind)."""

    db: sqlite_utils.Database
    path: Path
    cols: dict[str, str]
    scope: _Scope
    report: ReturnReport
    who: str
    at: Any

    def row(self, row: dict[str, Any], line: int, seen: set[int]) -> None:
        if not any(str(v or "").strip() for k, v in row.items() if k is not None):
            return  # a blank line in the sheet
        try:
            action_id, org_id, org_name = _identify(self.db, _cell(row, self.cols, "id"), seen)
            self._check_scope(row, action_id, org_id, org_name)
        except ValueError as exc:
            self.report.problems.append(f"row {line}: {exc}")
            return
        try:
            ask = _ask(row, self.cols)
            if ask.empty():
                self.report.unchanged.append(action_id)
                return
            if self._applied_before(action_id, ask):
                self.report.already.append(action_id)
                return
            with self.db.atomic():
                self._apply(action_id, ask)
        except ValueError as exc:
            self.report.problems.append(f"row {line} (action {action_id}): {exc}")

    def _check_scope(
        self, row: dict[str, Any], action_id: int, org_id: int | None, org_name: str | None
    ) -> None:
        """A row may only change an action of the return's organisation (or, in a return not issued to
        one, of the organisation its own Organisation cell names)."""
        expected_id, expected = self.scope.organisation_id, self.scope.organisation
        if expected_id is None and _cell(row, self.cols, "organisation"):
            named = find_organisation(self.db, _cell(row, self.cols, "organisation"))
            if named is None:
                raise ValueError(f"organisation {_cell(row, self.cols, 'organisation')!r} is not registered")
            expected_id, expected = named["id"], named["name"]
        if expected_id is not None and org_id != expected_id:
            raise ValueError(
                f"action {action_id} belongs to {org_name or 'no organisation'}, not {expected}"
                f" (the organisation of this return); refused"
            )

    def _applied_before(self, action_id: int, ask: _Ask) -> bool:
        return (
            self.db.execute(
                "SELECT 1 FROM return_rows WHERE form_id = ? AND action_id = ? AND row_hash = ?",
                [self.scope.form_id, action_id, ask.digest()],
            ).fetchone()
            is not None
        )

    def _apply(self, action_id: int, ask: _Ask) -> None:
        result = None
        if ask.status is not None or ask.percent is not None or ask.note is not None:
            result = update_progress(
                self.db,
                action_id,
                status=ask.status,
                percent=ask.percent,
                note=ask.note,
                who=self.who,
                at=self.at,
            )
        moved = None
        current_due = self.db.execute("SELECT due FROM actions WHERE id = ?", [action_id]).fetchone()[0]
        if ask.due is not None and ask.due != current_due:
            moved = change_due_date(self.db, action_id, ask.due, reason=ask.reason, who=self.who, at=self.at)
        if (result is None or result["id"] is None) and moved is None:
            self.report.unchanged.append(action_id)
            return
        self.db.execute(
            "INSERT INTO return_rows (form_id, action_id, row_hash, applied_at, applied_by, file)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [self.scope.form_id, action_id, ask.digest(), now_iso(), self.who, self.path.name],
        )
        self.report.updated.append(_updated(self.db, action_id, result, moved, ask.note))


def _updated(
    db: sqlite_utils.Database,
    action_id: int,
    progress: dict[str, Any] | None,
    moved: dict[str, Any] | None,
    note: str | None,
) -> dict[str, Any]:
    """One applied row as the report lists it: the action, old and new status and percent (and due)."""
    if progress is None or progress["id"] is None:
        status, percent = db.execute(
            "SELECT status, percent FROM actions WHERE id = ?", [action_id]
        ).fetchone()
        progress = {
            "old_status": status,
            "new_status": status,
            "old_percent": percent,
            "new_percent": percent,
        }
    keys = ("old_status", "new_status", "old_percent", "new_percent")
    out = {"action_id": action_id, **{key: progress[key] for key in keys}, "note": note}
    if moved is not None:
        out |= {"old_due": moved["old_due"], "new_due": moved["new_due"], "reason": moved["reason"]}
    return out
