"""Excel workbooks (.xlsx, .xlsm) with openpyxl: sheets with a tracker header row are an action tracker
(the CSV tracker's column matching); any other workbook is a document of its sheets' text."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knowledge.ingest.base import IngestError, ParsedDocument, register_reader
from knowledge.ingest.common import Para, assemble, failure_reason, guess_kind, title_from_path
from knowledge.ingest.package import check_package
from knowledge.ingest.tabular import MAX_ROWS, map_columns, row_roles, row_text
from knowledge.vocab import DocumentKind

UNREADABLE = "not a readable Excel workbook"
# A tracker's header sits below its title and a blank row or two; past this many rows it is not one.
HEADER_SEARCH_ROWS = 30
# A workbook read as a document: each cell's text is searchable, so past this it is a data set, not
# evidence (and reading it would take minutes). A tracker is bounded by MAX_ROWS instead.
MAX_CELLS = 200_000
# Cells looked at, empty ones included (a row reaching column XFD is 16,384 of them): a bound on time.
MAX_SCANNED_CELLS = 3_000_000
# The XML of a sheet is about thirty bytes a cell: this is several times MAX_CELLS of generous cells.
MAX_XML_BYTES = 128 * 2**20
# What a cell of a formula that failed holds: nothing to search.
_ERRORS = frozenset({"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"})
# What a tracker header must name besides the action: a title row such as "Action tracker" is one cell.
_TRACKER_FIELDS = frozenset({"organisation", "owner", "due", "status", "percent", "ref", "recommendation"})


def cell_text(cell: Any) -> str:
    """A cell as the person sees it: dates as YYYY-MM-DD, 0.4 formatted as a percentage as '40%', whole
    numbers without '.0', text on one line, error values and empty cells as ''."""
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ", "minutes")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        if "%" in (getattr(cell, "number_format", "") or ""):
            value = value * 100
            return f"{round(value, 6):g}%"
        return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else f"{value:.15g}"
    text = " ".join(str(value).split())
    return "" if text in _ERRORS else text


@dataclass
class _Sheet:
    """One visible sheet as read: its tracker header (if it has one) and its rows of cell texts."""

    name: str
    header: list[str] | None = None
    header_row: int = 0
    above: list[str] = field(default_factory=list)  # text above the header: the tracker's title
    rows: list[tuple[int, list[str]]] = field(default_factory=list)  # (row number from 1, cells)
    overflow: bool = False  # reading stopped at MAX_CELLS: too big to be a document


def _is_header(cells: list[str]) -> bool:
    """A row naming the action and at least one other tracker field (organisation, owner, due, ...)."""
    if sum(bool(c) for c in cells) < 2:
        return False
    mapping = map_columns([c for c in cells if c])
    return "action" in mapping and bool(_TRACKER_FIELDS & set(mapping))


def _unique(header: list[str]) -> list[str]:
    """Header cells as row keys: a repeated name numbered ('Notes', 'Notes (2)'), an empty one left empty."""
    seen: dict[str, int] = {}
    out = []
    for name in header:
        if name:
            seen[name] = seen.get(name, 0) + 1
            name = name if seen[name] == 1 else f"{name} ({seen[name]})"
        out.append(name)
    return out


def too_many_cells(sheet: str) -> IngestError:
    return IngestError(
        f"too many cells: more than {MAX_CELLS:,} with text (sheet {sheet!r} passes the limit for a"
        " workbook read as a document; split the file or keep the sheets worth searching)"
    )


@dataclass
class _Budget:
    """What is left to read in a workbook: cells with text (for a document) and cells looked at at all."""

    text: int = MAX_CELLS
    scanned: int = MAX_SCANNED_CELLS


def _read_sheet(worksheet: Any, budget: _Budget) -> _Sheet:
    """A sheet's rows of cell texts (trailing empty cells dropped). A tracker sheet is refused past MAX_ROWS;
    any other stops being read when the workbook's cells with text pass MAX_CELLS."""
    sheet = _Sheet(worksheet.title)
    for number, row in enumerate(worksheet.iter_rows(), start=1):
        budget.scanned -= len(row)
        if budget.scanned < 0:  # rows padded to column XFD, or millions of formatted empty cells
            raise IngestError(
                f"too many cells: the sheets hold more than {MAX_SCANNED_CELLS:,} (split the file)"
            )
        cells = [cell_text(cell) for cell in row]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        if sheet.header is None and number <= HEADER_SEARCH_ROWS and _is_header(cells):
            sheet.header, sheet.header_row = _unique(cells), number
            sheet.above = [text for _, row_cells in sheet.rows for text in row_cells if text]
            sheet.rows = []
            continue
        if sheet.header is not None:
            if len(sheet.rows) >= MAX_ROWS:
                raise IngestError(
                    f"too many rows: sheet {sheet.name!r} has more than {MAX_ROWS:,} (the limit is"
                    f" {MAX_ROWS:,}; split the file)"
                )
        else:
            budget.text -= sum(bool(c) for c in cells)
            if budget.text < 0:
                sheet.overflow = True
                break
        sheet.rows.append((number, cells))
    return sheet


@contextlib.contextmanager
def _sizes_unread() -> Iterator[None]:
    """openpyxl's read-only mode reads each sheet's <dimension> on opening, and parses a sheet without one
    to its very end (its parser sees only end tags): seconds for a big sheet, before the first row. The size
    is not needed (rows are read as the file has them) and a hostile one would pad every row to 16,384
    columns, so it is not read while this workbook opens."""
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    with _OPENING:
        original = ReadOnlyWorksheet._get_size
        ReadOnlyWorksheet._get_size = lambda self: None  # type: ignore[method-assign]
        try:
            yield
        finally:
            ReadOnlyWorksheet._get_size = original  # type: ignore[method-assign]


_OPENING = threading.Lock()


def _sheets(path: Path) -> tuple[list[_Sheet], str | None]:
    """Every visible sheet, read in one pass of the workbook, and the workbook's own title."""
    import openpyxl

    check_package(
        path, main="xl/workbook.xml", label="an Excel workbook", unreadable=UNREADABLE, limit=MAX_XML_BYTES
    )
    try:
        with _sizes_unread():
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises assorted errors (KeyError, XML errors) for damaged files
        raise IngestError(failure_reason(exc, UNREADABLE)) from exc
    try:
        budget = _Budget()
        sheets = [
            _read_sheet(ws, budget)
            for ws in workbook.worksheets
            if getattr(ws, "sheet_state", "visible") == "visible"  # hidden sheets hold drop-down lists
        ]
        title = (workbook.properties.title or "").strip() or None
    finally:
        workbook.close()
    return sheets, title


# -- a tracker -----------------------------------------------------------------------------------------------


def _harmonised(sheets: list[_Sheet]) -> dict[str, dict[str, str]]:
    """For each tracker sheet, its headers renamed to the first tracker sheet's header of the same field
    ('Task' on the second sheet is 'Action' of the first), so one column mapping reads every row."""
    first: dict[str, str] = {}
    renames: dict[str, dict[str, str]] = {}
    for sheet in sheets:
        mapping = map_columns([h for h in sheet.header or [] if h])
        for name, header in mapping.items():
            first.setdefault(name, header)
        renames[sheet.name] = {header: first[name] for name, header in mapping.items()}
    return renames


_DATE_FIELDS = ("due", "last_update")
# Excel counts days from 1900: 30000 is 1982, 80000 is 2119. A date column's plain number in that range is a
# date whose cell lost its date format (pasted values, a CSV opened and saved again).
_SERIAL = re.compile(r"[3-7]\d{4}(?:\.\d+)?")


def _serial_date(text: str) -> str:
    if not _SERIAL.fullmatch(text):
        return text
    from openpyxl.utils.datetime import from_excel

    return from_excel(float(text)).date().isoformat()


def _tracker(sheets: list[_Sheet], others: list[_Sheet], path: Path, title: str | None) -> ParsedDocument:
    renames = _harmonised(sheets)
    rows: list[dict[str, str]] = []
    places: list[str] = []
    paras: list[Para] = []
    columns: list[str] = []
    for sheet in sheets:
        header = [renames[sheet.name].get(h, h) for h in sheet.header or []]
        columns += [h for h in header if h and h not in columns]
        roles = row_roles([h for h in header if h])
        mapping = map_columns([h for h in header if h])
        dated = {mapping[name] for name in _DATE_FIELDS if name in mapping}
        for number, cells in sheet.rows:
            cells = cells + [""] * (len(header) - len(cells))
            row = {h: _serial_date(c) if h in dated else c for h, c in zip(header, cells, strict=False) if h}
            text = row_text(row, roles)
            if not text:
                continue
            rows.append(row)
            places.append(f"sheet {sheet.name!r} row {number}")
            paras.append(Para(text, section=sheet.name))
    if not rows:
        raise IngestError("the tracker has a header but no rows")
    text, blocks = assemble(paras)
    warnings = [
        f"sheet {s.name!r} has no tracker columns: not imported" for s in others if s.rows or s.overflow
    ]
    heading = next((line for line in sheets[0].above if len(line) <= 120), None)
    return ParsedDocument(
        title=title or heading or title_from_path(path),
        text=text,
        blocks=blocks,
        kind=DocumentKind.TRACKER,
        rows=rows,
        metadata={
            "columns": columns,
            "sheets": [s.name for s in sheets],
            "row_places": places,
            "warnings": warnings,
        },
    )


# -- a document ----------------------------------------------------------------------------------------------


def _regions(rows: list[tuple[int, list[str]]]) -> Iterator[list[list[str]]]:
    """Runs of rows with no blank row between them: the tables and notes a sheet is laid out in."""
    region: list[list[str]] = []
    previous = None
    for number, cells in rows:
        if region and previous is not None and number != previous + 1:
            yield region
            region = []
        region.append(cells)
        previous = number
    if region:
        yield region


def _region_lines(grid: list[list[str]]) -> list[str]:
    """A region's rows as lines: 'Header: value; Header: value' under a header row of text, else the cells."""
    left = min(next(i for i, c in enumerate(r) if c) for r in grid)
    grid = [r[left:] for r in grid]
    width = max(len(r) for r in grid)
    header = grid[0] + [""] * (width - len(grid[0]))
    if len(grid) > 1 and width > 1 and all(h and not re.fullmatch(r"[\d.,%-]+", h) for h in header):
        lines = []
        for cells in grid[1:]:
            pairs = [f"{h}: {v}" for h, v in zip(header, cells, strict=False) if v]
            if pairs:
                lines.append("; ".join(pairs))
        return ["; ".join(header)] + lines
    return ["; ".join(c for c in cells if c) for cells in grid]


def _document(sheets: list[_Sheet], path: Path, title: str | None) -> ParsedDocument:
    paras: list[Para] = []
    for sheet in sheets:
        if sheet.overflow:
            raise too_many_cells(sheet.name)
        for region in _regions(sheet.rows):
            lines = [line for line in _region_lines(region) if line]
            paras += [Para(line, section=sheet.name, new_passage=i == 0) for i, line in enumerate(lines)]
    if not paras:
        raise IngestError("the workbook has no text (its sheets are empty)")
    text, blocks = assemble(paras)
    title = title or title_from_path(path)
    return ParsedDocument(
        title=title,
        text=text,
        blocks=blocks,
        kind=guess_kind(title, text),
        metadata={"sheets": [s.name for s in sheets]},
    )


@register_reader(".xlsx", ".xlsm", label="Excel workbook", signature=b"PK", damaged=UNREADABLE)
def read_xlsx(path: Path) -> ParsedDocument:
    """A workbook: its tracker sheets as one action tracker (a row per action, the sheet as section), or
    when it has none, its sheets' text with one passage per region of rows and the sheet as section."""
    with warnings.catch_warnings():  # openpyxl warns of every feature it skips: the user needs none of it
        warnings.simplefilter("ignore")
        sheets, title = _sheets(path)
    trackers = [s for s in sheets if s.header is not None]
    if trackers:
        return _tracker(trackers, [s for s in sheets if s.header is None], path, title)
    return _document(sheets, path, title)
