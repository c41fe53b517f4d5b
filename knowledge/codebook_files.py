"""Codebook files: a recommendation set read from JSON, CSV or XLSX, and written back as JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from knowledge.codebook import CodebookError, normalise_codebook, slugify

# Spreadsheet columns, by the names people give them (compared lower-cased, spaces and hyphens as "_").
COLUMNS = {
    "number": ("number", "no", "num", "rec", "recommendation", "recommendation_number", "#", "ref"),
    "title": ("title", "name", "heading", "recommendation_title", "short_title"),
    "summary": ("summary", "description", "text", "recommendation_text", "detail", "details"),
    "addressed_to": ("addressed_to", "org_types", "organisation_types", "audience", "for", "who"),
    "addressed_to_text": ("addressed_to_text", "addressees"),
    "includes": ("includes", "counts", "what_counts", "include"),
    "excludes": ("excludes", "does_not_count", "what_does_not_count", "exclude"),
    "example_actions": ("example_actions", "examples", "example_action"),
    "keywords": ("keywords", "keyword", "terms"),
}
_LIST_COLUMNS = ("includes", "excludes", "example_actions", "keywords")
_TYPE_SEPARATORS = re.compile(r"[;,|/\n]+")
MAX_BYTES = 20 * 1024 * 1024  # a codebook is small: a huge file is not one


def read_codebook_file(
    path: str | Path, *, slug: str | None = None, title: str | None = None
) -> dict[str, Any]:
    """A codebook from FILE.json (the shape of resources/codebook.json) or a spreadsheet (.csv, .xlsx) with
    columns number, title, summary and optional addressed_to, includes, excludes, example_actions,
    keywords (list cells: one item a line, or separated by ";"). `slug` and `title` name the set and
    override a JSON file's own (a spreadsheet's default: from the file name). Checked whole: raises
    CodebookError naming the first problem, before anything is stored."""
    path = Path(path)
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise CodebookError(f"{path.name}: a codebook is a .json, .csv or .xlsx file")
    try:
        if path.stat().st_size > MAX_BYTES:
            raise CodebookError(f"{path.name} is too large to be a codebook")
        data = reader(path)
    except OSError as exc:
        raise CodebookError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if slug:
        data["slug"] = slug
    if title:
        data["title"] = title
    if path.suffix.lower() != ".json":  # a spreadsheet names only recommendations: the set is the file
        data.setdefault("slug", slugify(path.stem))
        data.setdefault("title", path.stem.replace("_", " ").replace("-", " ").strip() or data["slug"])
    try:
        return normalise_codebook(data)
    except CodebookError as exc:
        raise CodebookError(f"{path.name}: {exc}") from None


def _read_json(path: Path) -> Any:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CodebookError(f"{path.name} is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise CodebookError(f"{path.name}: a codebook is a JSON object with slug, title and recommendations")
    return data


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _read_csv(path: Path) -> dict[str, Any]:
    text = _decode(path.read_bytes())
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    return _from_rows(path, rows)


def _read_xlsx(path: Path) -> dict[str, Any]:
    try:
        import openpyxl
    except ImportError:
        raise CodebookError("reading .xlsx codebooks needs openpyxl (pip install openpyxl)") from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a damaged or foreign file
        raise CodebookError(f"{path.name} cannot be read as a workbook ({type(exc).__name__})") from None
    try:
        for sheet in book.worksheets:
            rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            if _header(rows) is not None:
                return _from_rows(path, rows)
    finally:
        book.close()
    raise CodebookError(f"{path.name}: no sheet has the columns number, title and summary")


def _key(header: str) -> str:
    return "_".join(header.strip().lower().replace("-", " ").split())


def _header(rows: list[list[str]]) -> tuple[int, dict[str, int]] | None:
    """(row index, field -> column) of the first row naming number, title and summary columns."""
    for index, row in enumerate(rows[:20]):
        keys = [_key(cell) for cell in row]
        found = {}
        for field, names in COLUMNS.items():
            for column, key in enumerate(keys):
                if key in names and column not in found.values():
                    found[field] = column
                    break
        if {"number", "title", "summary"} <= set(found):
            return index, found
    return None


def _from_rows(path: Path, rows: list[list[str]]) -> dict[str, Any]:
    found = _header(rows)
    if found is None:
        raise CodebookError(f"{path.name}: needs a header row with the columns number, title and summary")
    start, columns = found
    recs = []
    for line, row in enumerate(rows[start + 1 :], start + 2):
        cells = {field: (row[i].strip() if i < len(row) else "") for field, i in columns.items()}
        if not any(cells.values()):
            continue
        if not cells["number"]:
            raise CodebookError(f"row {line} has no recommendation number")
        recs.append(_row_recommendation(cells))
    return {"recommendations": recs}


def _split_list(cell: str) -> list[str]:
    """List cells: one item a line, else items separated by ";" or "|"."""
    parts = cell.splitlines() if "\n" in cell else re.split(r"[;|]", cell)
    return [p.strip().lstrip("-•* ").strip() for p in parts if p.strip()]


def _row_recommendation(cells: dict[str, str]) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "number": cells["number"].rstrip(".").removeprefix("R").removeprefix("r"),
        "title": cells["title"],
        "summary": cells["summary"],
    }
    if cells.get("addressed_to"):
        rec["addressed_to"] = [t.strip() for t in _TYPE_SEPARATORS.split(cells["addressed_to"]) if t.strip()]
    if cells.get("addressed_to_text"):
        rec["addressed_to_text"] = cells["addressed_to_text"]
    for field in _LIST_COLUMNS:
        if cells.get(field):
            rec[field] = _split_list(cells[field])
    return rec


_READERS = {".json": _read_json, ".csv": _read_csv, ".xlsx": _read_xlsx}


def codebook_csv(data: dict[str, Any]) -> str:
    """A set as a spreadsheet: one row a recommendation, list cells one item a line (read_codebook_file
    reads it back)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    fields = ["number", "title", "summary", "addressed_to", "addressed_to_text", *_LIST_COLUMNS]
    writer.writerow(fields)
    for rec in data["recommendations"]:
        row = []
        for field in fields:
            value = rec.get(field, "")
            row.append(
                "; ".join(value)
                if field == "addressed_to"
                else "\n".join(value)
                if isinstance(value, list)
                else value
            )
        writer.writerow(row)
    return out.getvalue()


def codebook_json(data: dict[str, Any]) -> str:
    """A set as JSON in the shape of resources/codebook.json."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


WRITERS = {".json": codebook_json, ".csv": codebook_csv}
