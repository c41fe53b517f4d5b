"""Row-shaped files: .csv action trackers (a searchable block per row) and .jsonl (a document per line)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

from knowledge.dates import parse_any_date
from knowledge.ingest.base import IngestError, ParsedDocument, register_reader
from knowledge.ingest.common import (
    Para,
    assemble,
    failure_reason,
    finish_document,
    guess_kind,
    normalise_space,
    one_line,
    read_text_file,
    split_paragraphs,
    title_from_path,
)
from knowledge.vocab import DocumentKind, values

# Which header names play which part in a row's readable text (matched lower-cased, first match wins).
_ROLES = {
    "organisation": ("organisation", "organization", "org", "organisation name", "body", "provider"),
    "type": ("organisation type", "organization type", "org type", "type"),
    "action": ("action", "action text", "description", "task", "commitment", "activity"),
    "owner": ("owner", "lead", "responsible", "action owner"),
    "due": ("due", "due date", "deadline", "target date", "by when"),
    "status": ("status", "rag", "state"),
}
_LABELS = {"owner": "Owner", "due": "Due", "status": "Status"}
# Each row is a passage of its own, so rows, not characters, decide how long embedding takes: 10,000
# rows are about eight minutes at ~20 passages a second. An action tracker has hundreds.
MAX_ROWS = 10_000


def _roles(headers: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for role, names in _ROLES.items():
        for header in headers:
            if header.strip().lower() in names and header not in found.values():
                found[role] = header
                break
    return found


def row_text(row: dict[str, str], roles: dict[str, str]) -> str:
    """One row as searchable text: 'Org (type): action. Owner: X. Due: Y. Status: Z. Other: v.'"""

    def get(role: str) -> str:
        return (row.get(roles[role]) or "").strip() if role in roles else ""

    used = set(roles.values())
    lead = get("action")
    org, org_type = get("organisation"), get("type")
    if org:
        lead = f"{org} ({org_type}): {lead}" if org_type else f"{org}: {lead}"
    parts = [lead.rstrip(". ")] if lead.strip(": ") else []
    parts += [f"{_LABELS[r]}: {get(r)}" for r in ("owner", "due", "status") if get(r)]
    parts += [
        f"{k.strip()}: {v.strip()}" for k, v in row.items() if k and k not in used and (v or "").strip()
    ]
    return ". ".join(parts) + "." if parts else ""


def _allow_fields_of(size: int) -> None:
    """Let the csv module read a field as long as the whole file (its default limit is 128 KB, and the
    file is already known to be within MAX_TEXT_CHARS). The limit is process-wide and only ever raised."""
    if csv.field_size_limit() < size:
        csv.field_size_limit(size)


class _Excel(csv.excel):
    """Quoting as every spreadsheet program writes it: a '"' quotes a cell, '""' is a quote inside it."""


def _dialect(content: str) -> type[csv.Dialect]:
    """The delimiter that splits the first lines into the most columns, consistently; the quoting is
    always Excel's. Guessing the quoting from a sample (csv.Sniffer) reads a file whose first doubled
    quote comes after the sample with the wrong rules: stray quotes kept and, with commas, columns shifted."""
    sample = content[:65536]
    best, best_score = ",", (-1, -1)
    for delimiter in ",;\t|":
        dialect = type("_Sniffed", (_Excel,), {"delimiter": delimiter})
        try:
            rows = [r for _, r in zip(range(50), csv.reader(io.StringIO(sample), dialect), strict=False)]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        consistent = sum(len(r) == len(rows[0]) for r in rows[1:-1] or rows)
        score = (consistent, len(rows[0]))
        if score > best_score:
            best, best_score = delimiter, score
    return type("_Sniffed", (_Excel,), {"delimiter": best})


@register_reader(".csv", label="CSV action tracker", damaged="not a readable CSV file")
def read_csv(path: Path) -> ParsedDocument:
    """A tracker .csv: rows keyed by the header as written; each row also becomes one block of text."""
    raw, encoding = read_text_file(path)
    lines = [line for line in raw.split("\n") if line.strip(" ,;\t")]
    if not lines:
        raise IngestError("the file is empty")
    content = "\n".join(lines)
    dialect = _dialect(content)
    _allow_fields_of(len(content) + 1)
    try:
        table = list(csv.reader(io.StringIO(content), dialect))
    except csv.Error as exc:
        raise IngestError(f"not a readable CSV file ({one_line(str(exc))})") from exc
    if len(table) - 1 > MAX_ROWS:
        raise IngestError(f"too many rows: {len(table) - 1:,} (the limit is {MAX_ROWS:,}; split the file)")
    header = [h.strip().lstrip("\ufeff") for h in table[0]]
    if len(header) < 2 or not any(header):
        raise IngestError("no header row with column names found")
    rows: list[dict[str, str]] = []
    for cells in table[1:]:
        if not any(c.strip() for c in cells):
            continue
        cells = cells + [""] * (len(header) - len(cells))
        rows.append({h: c.strip() for h, c in zip(header, cells, strict=False) if h})
    if not rows:
        raise IngestError("the tracker has a header but no rows")
    roles = _roles(header)
    paras = [Para(text) for text in (row_text(r, roles) for r in rows) if text]
    text, blocks = assemble(paras)
    title = title_from_path(path)
    return ParsedDocument(
        title=title,
        text=text,
        blocks=blocks,
        kind="tracker",
        rows=rows,
        metadata={"encoding": encoding, "columns": header, "delimiter": dialect.delimiter},
    )


# -- JSON lines ----------------------------------------------------------------------------------------------


def _jsonl_document(record: object, path: Path, line_no: int) -> ParsedDocument:
    if not isinstance(record, dict):
        raise IngestError("expected a JSON object")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise IngestError('no "text"')
    raw_id = record.get("id", record.get("_id"))  # "_id": BEIR-style corpora such as SciFact
    external_id = str(raw_id) if raw_id is not None and str(raw_id).strip() else None
    title = " ".join(str(record.get("title") or "").split())
    if not title:
        title = f"{path.stem} {external_id}" if external_id else f"{path.stem} line {line_no}"
    kind = record.get("kind")
    if kind is not None and (not isinstance(kind, str) or kind not in values(DocumentKind)):
        raise IngestError(f"unknown kind {kind!r} (use one of: {', '.join(values(DocumentKind))})")
    date = record.get("date")
    iso = parse_any_date(str(date)) if date else None
    if date and not iso:
        raise IngestError(f"date {date!r} is not a date (use YYYY-MM-DD)")
    paras = [Para(normalise_space(p)) for p in split_paragraphs(text.replace("\r\n", "\n"))]
    body, blocks = assemble(paras)
    org = record.get("org")
    source = record.get("source")
    return ParsedDocument(
        title=title,
        text=body,
        blocks=blocks,
        kind=kind or guess_kind(title, body),
        date=iso,
        org=str(org).strip() if org else None,
        external_id=external_id,
        source=str(source) if source else None,
    )


def _jsonl_line(line: str, path: Path, line_no: int) -> ParsedDocument:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise IngestError(f"not valid JSON ({exc.msg})") from exc
    except RecursionError as exc:
        raise IngestError("not readable JSON (nested too deeply)") from exc
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise IngestError(f"not readable JSON ({one_line(str(exc), 80)})") from exc
    document = _jsonl_document(record, path, line_no)
    return finish_document(document, f"{path.stem} line {line_no}")


@register_reader(".jsonl", label="JSON lines", many=True)
def iter_jsonl(path: Path) -> Iterator[tuple[int, ParsedDocument | IngestError]]:
    """(line number, document) per non-blank line; a bad line yields (line number, IngestError) instead,
    and the lines after it are still read."""
    raw, _encoding = read_text_file(path, one_document=False)
    if not raw.strip():
        raise IngestError("the file is empty")
    for line_no, line in enumerate(raw.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield line_no, _jsonl_line(line, path, line_no)
        except Exception as exc:  # noqa: BLE001 - whatever is wrong with one line costs that line only
            yield line_no, IngestError(f"line {line_no}: {failure_reason(exc)}")


def is_jsonl(path: Path) -> bool:
    return path.suffix.lower() == ".jsonl"
