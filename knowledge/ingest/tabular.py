"""Row-shaped files: .csv action trackers (a searchable block per row) and .jsonl (a document per line)."""

from __future__ import annotations

import csv
import io
import json
import re
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

# -- which column is which ---------------------------------------------------------------------------------
# Headers are compared as words (see header_words), so "Action_Owner", "action-owner", "ActionOwner" and
# "Action owner(s)" are one header; each field is recognised by the words its headers are made of, not by
# a list of whole headers.
_SPELLINGS = {
    "organization": "organisation",
    "organisations": "organisation",
    "percentage": "percent",
    "pct": "percent",
    "recommendation": "recommendation",
    "recs": "rec",
    "no": "no",
}
_LEAD_WORDS = frozenset({"action", "task"})  # "Action owner" is the owner, "Task due date" the due date
_REF = frozenset({"id", "ref", "reference", "no", "number", "num", "item", "key", "identifier", "code"})
_ORG = frozenset({"organisation", "org", "body", "partner", "provider", "stakeholder", "agency", "trust"})
_TYPE = frozenset({"type", "category", "sector", "kind"})
_OWNER = frozenset(
    {
        "owner",
        "lead",
        "responsible",
        "responsibility",
        "accountable",
        "assignee",
        "assigned",
        "who",
        "officer",
        "person",
        "sro",
        "champion",
    }
)
_DUE_DATE_WORDS = frozenset(
    {"target", "completion", "complete", "end", "finish", "expected", "planned", "delivery", "by"}
)
_PERCENT = frozenset({"percent", "progress", "completion", "complete", "done"})
_ACTION = frozenset({"action", "task", "commitment", "activity", "deliverable"})
# What may follow a leading "Action": "Action description", "Action agreed", "Action to be taken".
_ACTION_TAIL = frozenset(
    {
        "description",
        "text",
        "detail",
        "agreed",
        "required",
        "summary",
        "title",
        "name",
        "wording",
        "point",
        "item",
        "proposed",
        "to",
        "be",
        "taken",
    }
)
# Columns of registers and logs: "Mitigating actions" and "Risk description" are not actions to track.
_REGISTER = frozenset(
    {
        "risk",
        "mitigation",
        "mitigating",
        "mitigate",
        "control",
        "incident",
        "hazard",
        "cause",
        "consequence",
        "impact",
        "likelihood",
        "severity",
        "issue",
        "complaint",
        "event",
    }
)


def _stem(word: str) -> str:
    word = _SPELLINGS.get(word, word)
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    return _SPELLINGS.get(word, word)


def header_words(header: str) -> tuple[str, ...]:
    """A header as lower-case word stems: case, camelCase, '_', '-', '.', spaces and other punctuation
    ignored, '%' read as 'percent' and '#' as 'number', plurals singular ('Owners' is 'owner')."""
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", str(header).lstrip("\ufeff"))
    text = text.lower().replace("%", " percent ").replace("#", " number ")
    return tuple(_stem(w) for w in re.findall(r"[^\W_]+", text))


def _is_due(words: frozenset[str]) -> bool:
    if words & {"due", "deadline"} or words in ({"by", "when"}, {"when"}):
        return True
    if "date" in words and words & _DUE_DATE_WORDS:
        return True
    return "target" in words and words <= {"target", "date", "completion", "by", "when"}


def header_field(header: str, register: bool = False) -> str | None:
    """Which field a header holds ('action', 'owner', 'due', 'status', 'percent', 'organisation',
    'org_type', 'ref', 'recommendation', 'last_update'), or None. `register`: the table's other headers
    name risks or incidents, so a bare 'Description' describes those, not an action."""
    words = header_words(header)
    core = list(words)
    while len(core) > 1 and core[0] in _LEAD_WORDS:
        core.pop(0)
    led = len(core) < len(words)
    s = frozenset(core)
    if not s:
        return None
    if s & {"recommendation", "rec"}:
        return "recommendation"
    if s <= _REF and not (led and s <= {"item", "point"}):
        return "ref"
    if s & _TYPE and s <= _TYPE | _ORG:
        return "org_type"
    if s & _ORG:
        return "organisation"
    if (s & {"update", "updated"} and (s & {"last", "date", "on"} or s == {"updated"})) or core == [
        "as",
        "at",
    ]:
        return "last_update"
    if _is_due(s):
        return "due"
    if s & {"status", "state", "rag"}:
        return "status"
    if s & _PERCENT:
        return "percent"
    if s & _OWNER or core == ["by"]:
        return "owner"
    if s & _REGISTER:
        return None
    if s & _ACTION or (led and s <= _ACTION_TAIL and core != ["taken"]):
        return "action"
    return "action" if core == ["description"] and not register else None


def map_columns(headers: list[str]) -> dict[str, str]:
    """Which header holds each field ('action', 'owner', 'due', ...); the first header of a field wins."""
    register = any(set(header_words(h)) & _REGISTER for h in headers)
    mapping: dict[str, str] = {}
    for header in headers:
        name = header_field(header, register)
        if name is not None and name not in mapping:
            mapping[name] = header
    return mapping


_ROLE_FIELDS = {
    "organisation": "organisation",
    "type": "org_type",
    "action": "action",
    "owner": "owner",
    "due": "due",
    "status": "status",
}
_LABELS = {"owner": "Owner", "due": "Due", "status": "Status"}
# Each row is a passage of its own, so rows, not characters, decide how long embedding takes: 10,000
# rows are about eight minutes at ~20 passages a second. An action tracker has hundreds.
MAX_ROWS = 10_000


def row_roles(headers: list[str]) -> dict[str, str]:
    """Which header plays each part in a row's readable text (the same matching as action import)."""
    mapping = map_columns(headers)
    return {role: mapping[name] for role, name in _ROLE_FIELDS.items() if name in mapping}


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


def _records(content: str, dialect: type[csv.Dialect]) -> tuple[list[list[str]], list[int]]:
    """The CSV's records and the line of `content` (from 1) each starts on; a quoted cell may span lines."""
    reader = csv.reader(io.StringIO(content), dialect)
    table, starts, previous = [], [], 0
    for cells in reader:
        table.append(cells)
        starts.append(previous + 1)
        previous = reader.line_num
    return table, starts


@register_reader(".csv", label="CSV action tracker", damaged="not a readable CSV file")
def read_csv(path: Path) -> ParsedDocument:
    """A tracker .csv: rows keyed by the header as written; each row also becomes one block of text."""
    raw, encoding = read_text_file(path)
    kept = [(number, line) for number, line in enumerate(raw.split("\n"), 1) if line.strip(" ,;\t")]
    if not kept:
        raise IngestError("the file is empty")
    content = "\n".join(line for _, line in kept)
    dialect = _dialect(content)
    _allow_fields_of(len(content) + 1)
    try:
        table, starts = _records(content, dialect)
    except csv.Error as exc:
        raise IngestError(f"not a readable CSV file ({one_line(str(exc))})") from exc
    if len(table) - 1 > MAX_ROWS:
        raise IngestError(f"too many rows: {len(table) - 1:,} (the limit is {MAX_ROWS:,}; split the file)")
    header = [h.strip().lstrip("\ufeff") for h in table[0]]
    if len(header) < 2 or not any(header):
        raise IngestError("no header row with column names found")
    rows: list[dict[str, str]] = []
    row_lines: list[int] = []  # the file's line number where each row starts, for messages about a row
    for cells, start in zip(table[1:], starts[1:], strict=True):
        if not any(c.strip() for c in cells):
            continue
        cells = cells + [""] * (len(header) - len(cells))
        rows.append({h: c.strip() for h, c in zip(header, cells, strict=False) if h})
        row_lines.append(kept[start - 1][0])
    if not rows:
        raise IngestError("the tracker has a header but no rows")
    roles = row_roles(header)
    paras = [Para(text) for text in (row_text(r, roles) for r in rows) if text]
    text, blocks = assemble(paras)
    title = title_from_path(path)
    return ParsedDocument(
        title=title,
        text=text,
        blocks=blocks,
        kind="tracker",
        rows=rows,
        metadata={
            "encoding": encoding,
            "columns": header,
            "delimiter": dialect.delimiter,
            "row_lines": row_lines,
        },
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
