"""The progress return as an Excel workbook: the form written with drop-downs and locks, read back as rows.

knowledge.returns owns the rules; this module only turns its rows into a workbook and a filled-in workbook
back into the same rows (header -> text) the CSV reader gives, so one import path applies both."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from knowledge.vocab import Status

SHEET = "Return"
INFO_SHEET = "Form"  # hidden: the form id and organisation, for a program reading the file back
FORM_NAME, ORG_NAME = "ReturnFormID", "ReturnOrganisation"  # workbook-level defined names, the same
EDITABLE = ("New status", "New %", "New due", "Reason", "Note")
STATUS_CHOICES = tuple(status.display for status in Status)  # "Not started" ... "Dropped"
_WIDTHS = {"Action ID": 10, "Organisation": 24, "Action": 56, "Owner": 22, "Due": 12, "Note": 40}
_HEADER_ROW = 5  # below the title, the form id, the instructions and a blank row
_MAX_HEADER_SEARCH = 30  # how far down a sheet the header row is looked for on the way back in
_INSTRUCTIONS = (
    "Fill in the white columns: New status (pick from the list), New % (0 to 100), New due with its Reason,"
    " and a Note. Leave a cell blank for no change. The grey columns are locked; send the file back as it is."
)


class WorkbookError(ValueError):
    """A file that is not a readable workbook, or holds no return; str() is the reason."""


def write_form(
    path: str | Path,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    form_id: str,
    organisation: str,
) -> None:
    """Write the return form at `path`: a visible header naming the organisation and form id, the rows
    under `headers` with the current columns locked (sheet protection, no password) and the editable ones
    validated: status from the six statuses, percent a whole number 0-100, due a date."""
    from openpyxl import Workbook
    from openpyxl.workbook.defined_name import DefinedName

    wb = Workbook()
    sheet = wb.active
    sheet.title = SHEET
    _heading(sheet, organisation, form_id)
    _table(sheet, headers, rows)
    _validate(sheet, headers, len(rows))
    _protect(sheet)
    info = wb.create_sheet(INFO_SHEET)
    for row in (("Form ID", form_id), ("Organisation", organisation), ("Issued", date.today())):
        info.append(row)
    info.sheet_state = "hidden"
    for name, cell in ((FORM_NAME, "$B$1"), (ORG_NAME, "$B$2")):
        wb.defined_names[name] = DefinedName(name, attr_text=f"'{INFO_SHEET}'!{cell}")
    wb.properties.title = f"Progress return: {organisation}"
    wb.properties.creator = "Roundtable Desk"
    wb.save(str(path))


def _heading(sheet: Any, organisation: str, form_id: str) -> None:
    from openpyxl.styles import Alignment, Font

    sheet["A1"] = f"Progress return: {organisation}"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = f"Form ID: {form_id}"
    sheet["A2"].font = Font(bold=True)
    sheet["A3"] = _INSTRUCTIONS
    sheet["A3"].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.merge_cells(start_row=3, start_column=1, end_row=3, end_column=8)
    sheet.row_dimensions[3].height = 32


def _table(sheet: Any, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter

    locked_fill = PatternFill("solid", fgColor="EDEFF2")
    header_fill = PatternFill("solid", fgColor="DCE6F1")
    editable = {i for i, h in enumerate(headers, 1) if h in EDITABLE}
    for column, header in enumerate(headers, 1):
        cell = sheet.cell(_HEADER_ROW, column, header)
        cell.font, cell.fill = Font(bold=True), header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        width = _WIDTHS.get(header, 14 if column in editable else 12)
        sheet.column_dimensions[get_column_letter(column)].width = width
    unlocked, top, wrapped = (
        Protection(locked=False),
        Alignment(vertical="top"),
        Alignment(vertical="top", wrap_text=True),
    )
    for number, row in enumerate(rows, _HEADER_ROW + 1):
        for column, value in enumerate(row, 1):
            cell = sheet.cell(number, column, _cell_value(headers[column - 1], value))
            cell.alignment = wrapped if headers[column - 1] in ("Action", "Note", "Reason") else top
            if column in editable:
                cell.protection = unlocked
            else:
                cell.fill = locked_fill
            if headers[column - 1] in ("Due", "New due"):
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = sheet.cell(_HEADER_ROW + 1, 1)


def _cell_value(header: str, value: Any) -> Any:
    """Dates as dates (so Excel sorts and filters them), the current status in words; the rest as given."""
    if header == "Due" and value:
        try:
            return date.fromisoformat(str(value)[:10])
        except ValueError:
            return value
    if header == "Current status" and value in {s.value for s in Status}:
        return Status(value).display
    return value


def _validate(sheet: Any, headers: Sequence[str], count: int) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    last = _HEADER_ROW + max(count, 1)
    rules = {
        "New status": DataValidation(
            type="list",
            formula1='"' + ",".join(STATUS_CHOICES) + '"',
            error="Pick one of the six statuses from the list.",
        ),
        "New %": DataValidation(
            type="whole",
            operator="between",
            formula1="0",
            formula2="100",
            error="A whole number from 0 to 100.",
        ),
        "New due": DataValidation(
            type="date", operator="greaterThan", formula1="36526", error="A date, such as 2025-03-31."
        ),  # 36526: 1 January 2000 as Excel counts days
    }
    for header, rule in rules.items():
        if header not in headers:
            continue
        letter = get_column_letter(list(headers).index(header) + 1)
        rule.errorTitle, rule.showErrorMessage, rule.allow_blank = "Not accepted", True, True
        rule.add(f"{letter}{_HEADER_ROW + 1}:{letter}{last}")
        sheet.add_data_validation(rule)


def _protect(sheet: Any) -> None:
    """Lock the sheet without a password: the id and current columns cannot be typed over by accident,
    and whoever must can unprotect it. Columns and rows may still be resized, and rows filtered."""
    protection = sheet.protection
    protection.sheet = True
    protection.formatColumns = protection.formatRows = protection.autoFilter = False


def read_rows(path: str | Path, is_header: Callable[[list[str]], bool]) -> list[dict[str, str]]:
    """The filled-in return's rows as header -> text, as csv.DictReader gives them: from the first sheet
    (the form's own first) with a row that `is_header` accepts in its first rows, each row below it;
    dates as YYYY-MM-DD, whole numbers without '.0', a percent-formatted cell as its percent, blank cells
    as ''. The workbook's form id fills a row's empty Form ID cell (the form is the workbook's, whichever
    cells were copied into it)."""
    wb = _open(path)
    try:
        sheets = sorted(wb.worksheets, key=lambda ws: ws.title != SHEET)
        for sheet in sheets:
            rows = _sheet_rows(sheet, is_header)
            if rows is not None:
                return _with_form_id(rows, _defined(wb, FORM_NAME))
        raise WorkbookError("not a progress return (no sheet has an 'Action ID' header row)")
    finally:
        wb.close()


def _open(path: str | Path) -> Any:
    """The workbook, read-only; a damaged file, another format or a zip bomb refused before parsing."""
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    from knowledge.ingest.base import IngestError
    from knowledge.ingest.package import check_package

    try:
        check_package(
            Path(path),
            main="xl/workbook.xml",
            label="an Excel workbook",
            unreadable="not a readable Excel workbook",
        )
    except IngestError as exc:
        raise WorkbookError(str(exc)) from None
    try:
        return load_workbook(str(path), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, OSError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc).strip() or type(exc).__name__
        raise WorkbookError(f"not a readable Excel workbook ({reason})") from None


def _sheet_rows(sheet: Any, is_header: Callable[[list[str]], bool]) -> list[dict[str, str]] | None:
    """The sheet's rows under its header row, or None when none of its first rows is one."""
    lines = sheet.iter_rows()
    headers: list[str] | None = None
    for _ in range(_MAX_HEADER_SEARCH):
        line = next(lines, None)
        if line is None:
            return None
        texts = [_text(cell) for cell in line]
        if is_header(texts):
            headers = texts
            break
    if headers is None:
        return None
    rows = []
    for line in lines:
        texts = [_text(cell) for cell in line][: len(headers)]
        if any(texts):
            rows.append(dict(zip(headers, texts + [""] * (len(headers) - len(texts)), strict=True)))
    return rows


def _text(cell: Any) -> str:
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float) and "%" in str(getattr(cell, "number_format", "")):
        value = value * 100  # 40% typed into a percent-formatted cell is stored as 0.4
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _defined(wb: Any, name: str) -> str:
    """The value a workbook-level defined name points to ('' when there is none or it is not readable)."""
    try:
        defined = wb.defined_names.get(name)
        if defined is None:
            return ""
        for title, ref in defined.destinations:
            value = wb[title][ref.replace("$", "")].value
            return "" if value is None else str(value).strip()
    except (KeyError, ValueError, AttributeError):
        return ""
    return ""


def _with_form_id(rows: list[dict[str, str]], form_id: str) -> list[dict[str, str]]:
    if not form_id:
        return rows
    column = next((h for h in (rows[0] if rows else {}) if h.strip().lower() == "form id"), "Form ID")
    for row in rows:
        if not row.get(column):
            row[column] = form_id
    return rows
