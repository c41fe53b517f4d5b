"""Actions from imported documents: draft actions from roundtable notes, tracked actions from tracker CSVs.

Notes: markdown tables with an Action column (other columns matched by name, case-insensitively) and
free-text "Action: ... (Owner: X, due 30 April 2024)" lines become DRAFT actions linked to the passage
that holds them; roundtable notes also get a roundtables row. Trackers: one action per row with an
action text; re-importing a tracker updates the actions it created (matched by an ID column if there
is one, else organisation + action wording) and records history only when something changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from knowledge.actions import (
    change_due_date,
    create_action,
    link_recommendation,
    parse_percent,
    parse_status,
    recommendation_id,
    update_progress,
)
from knowledge.changelog import record
from knowledge.dates import parse_date
from knowledge.ingest.base import ParsedDocument, StoredPassage
from knowledge.ingest.tabular import map_columns
from knowledge.organisations import ensure_organisation, infer_type, organisation_name
from knowledge.roundtables import create_roundtable, find_roundtable, link_document
from knowledge.vocab import NOTES_KINDS, Change, DocumentKind, Entity, LinkOrigin, LinkState, OrgType, Status

# Kinds a reader leaves a document when it cannot tell: the title or header may still show it is notes.
_UNCLASSIFIED = (DocumentKind.OTHER, None)
_NOTES_TITLE = re.compile(r"roundtable|round table|notes|minutes|meeting|action log|workshop", re.IGNORECASE)
# "Action: ...", "ACTION A3 - ...", "- Agreed action: ..."; a bare hyphen ("Action-oriented") is not enough.
_ACTION_LINE = re.compile(
    r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?(?:agreed\s+)?action(?:\s+point)?(?:\s+([A-Za-z]?\d+))?"
    r"(?:\s*:|\s+[-\u2013\u2014]\s+)\s*(.+)$",
    re.IGNORECASE,
)
_KEYED = re.compile(r"(?:^|(?<=\.\s))([A-Za-z%#][\w %#/()'-]{0,30}?):\s")
_DETAIL_KEYS = re.compile(
    r"\b(owner|lead|due|deadline|by|status|org|organisation|organization)\b", re.IGNORECASE
)


@dataclass
class _Found:
    """One action as read from a table row or an Action: line, before it is stored."""

    text: str
    organisation: str | None = None
    org_type: str | None = None
    owner: str | None = None
    due: str | None = None
    status: str | None = None
    percent: int | None = None
    recommendations: list[int] = field(default_factory=list)
    last_update: str | None = None
    ref: str | None = None
    passage_id: int | None = None
    remarks: list[str] = field(default_factory=list)  # values we could not use, kept in the history note
    where: str | None = None  # where the source has it ("line 7"), for warnings about this row


# What the importer says about a tracker whose rows were stored as text only.
NO_ACTION_COLUMN = "no action column found: imported as a document"


def extract_actions(
    db: sqlite_utils.Database,
    document_id: int,
    parsed: ParsedDocument,
    passages: list[StoredPassage],
) -> int:
    """Create or update actions found in a just-stored document; returns how many were created or
    updated. Runs inside its import transaction; odd rows are skipped, never raised. What a person should
    know about the rest (a tracker with no action column, a row whose organisation is no name) is added
    to parsed.metadata["warnings"], one line each, where the importer reports what its readers noticed."""
    warnings = parsed.metadata.setdefault("warnings", [])
    doc = _document(db, document_id, parsed)
    if parsed.rows is not None or doc["kind"] == DocumentKind.TRACKER:
        # Where each row is, for messages: CSV line numbers, or a workbook's "sheet 'Actions' row 7".
        lines = parsed.metadata.get("row_places") or parsed.metadata.get("row_lines") or []
        return _import_tracker(db, doc, parsed.rows or [], passages, parsed.text or "", lines, warnings)
    meta = _meta(parsed.metadata)
    if not _looks_like_notes(doc, meta):
        return 0
    raw = parsed.metadata.get("raw_text") or ""
    # Markdown keeps its tables in raw_text; other readers (docx, html) flatten table rows into
    # "Organisation: X. Action: Y. Owner: Z." lines of the text, which are read as a fallback.
    found = _dedupe(
        (_table_actions(raw) if raw else []) or _keyed_line_actions(parsed.text or ""),
        _line_actions(raw or parsed.text or ""),
    )
    is_roundtable = doc["kind"] == DocumentKind.ROUNDTABLE_NOTES or (
        doc["kind"] in (*_UNCLASSIFIED, DocumentKind.MINUTES) and "roundtable" in (doc["title"] or "").lower()
    )
    if not found and not is_roundtable:
        return 0
    for item in found:
        item.passage_id = _passage_for(item.text, parsed.text or "", passages)
    meeting_date = _safe_date(meta.get("date")) or doc["date"]
    roundtable_id = None
    if is_roundtable:
        roundtable_id = _roundtable(db, doc, meta, meeting_date, found)
    needs_default = any(not organisation_name(item.organisation) for item in found)
    default_org = _default_org(db, doc, roundtable_id) if needs_default else None
    count = 0
    for item in found:
        count += _store(
            db,
            doc,
            item,
            at=meeting_date,
            draft=True,
            roundtable_id=roundtable_id,
            default_org=default_org,
            origin=LinkOrigin.NOTES,
            warnings=warnings,
        )
    return count


# -- documents and metadata ------------------------------------------------------------------------


def _document(db: sqlite_utils.Database, document_id: int, parsed: ParsedDocument) -> dict[str, Any]:
    rows = list(
        db.query("SELECT id, title, kind, date, organisation_id FROM documents WHERE id = ?", [document_id])
    )
    if rows:
        return dict(rows[0])
    return {
        "id": document_id,
        "title": parsed.title,
        "kind": parsed.kind,
        "date": parsed.date,
        "organisation_id": None,
    }


def _meta(metadata: dict[str, Any]) -> dict[str, str]:
    out = {}
    for key, value in metadata.items():
        if key != "raw_text" and isinstance(value, str):
            out[re.sub(r"[^a-z]+", "_", key.lower()).strip("_")] = value.strip()
    return out


def _safe_date(value: Any) -> str | None:
    try:
        return parse_date(value)
    except ValueError:
        return None


def _norm_text(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def _cell_values(values: dict[str, str], mapping: dict[str, str]) -> _Found | None:
    def get(name: str) -> str:
        header = mapping.get(name)
        return (values.get(header) or "").strip() if header else ""

    text = " ".join(get("action").split())
    if not text:
        return None
    item = _Found(
        text=text,
        organisation=get("organisation") or None,
        org_type=get("org_type") or None,
        owner=get("owner") or None,
        ref=get("ref") or None,
    )
    raw_due, raw_status = get("due"), get("status")
    item.due = _safe_date(raw_due)
    if raw_due and not item.due:
        item.remarks.append(f"due given as {raw_due!r}")
    item.status = parse_status(raw_status) if raw_status else None
    if raw_status and not item.status:
        item.remarks.append(f"status given as {raw_status!r}")
    try:
        item.percent = parse_percent(get("percent"))
    except ValueError:
        item.status = item.status or parse_status(get("percent"))
    item.recommendations = [int(n) for n in re.findall(r"\d+", get("recommendation"))]
    item.last_update = _safe_date(get("last_update"))
    return item


def _looks_like_notes(doc: dict[str, Any], meta: dict[str, str]) -> bool:
    """Notes and minutes always; an unclassified document when its title or header says it is a meeting's."""
    if doc["kind"] in NOTES_KINDS:
        return True
    if doc["kind"] not in _UNCLASSIFIED:
        return False  # reports and guidance recommend; they do not record who agreed to do what
    return bool(_NOTES_TITLE.search(doc["title"] or "")) or "chair" in meta or "attendees" in meta


def _dedupe(*groups: list[_Found]) -> list[_Found]:
    seen, out = set(), []
    for group in groups:
        for item in group:
            key = _norm_text(item.text)
            if key not in seen:
                seen.add(key)
                out.append(item)
    return out


def _keyed_line_actions(text: str) -> list[_Found]:
    """Table rows flattened by a reader into 'Organisation: X. Action: Y. Owner: Z.' lines."""
    found = []
    for line in text.splitlines():
        matches = list(_KEYED.finditer(line))
        if len(matches) < 2:
            continue
        pairs = {}
        for index, match in enumerate(matches):
            end = matches[index + 1].start() if index + 1 < len(matches) else len(line)
            pairs[match.group(1).strip()] = line[match.end() : end].strip().rstrip(".").strip()
        mapping = map_columns(list(pairs))
        if "action" not in mapping or len(mapping) < 2:
            continue
        item = _cell_values(pairs, mapping)
        if item is not None:
            ref = re.match(r"^\s*([A-Za-z]{0,3}\d{1,4})\.\s", line[: matches[0].start()] or "")
            item.ref = item.ref or (ref.group(1) if ref else None)
            found.append(item)
    return found


# -- notes: tables and Action: lines ---------------------------------------------------------------


def _split_row(line: str) -> list[str]:
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    cells = re.split(r"(?<!\\)\|", body)
    return [re.sub(r"(\*\*|__|`)", "", c).replace("\\|", "|").strip() for c in cells]


def _table_actions(raw: str) -> list[_Found]:
    """Rows of every markdown table that has an Action column."""
    found: list[_Found] = []
    lines = raw.splitlines()
    i = 0
    while i < len(lines):
        if not lines[i].strip().startswith("|"):
            i += 1
            continue
        block = []
        while i < len(lines) and lines[i].strip().startswith("|"):
            block.append(lines[i])
            i += 1
        if len(block) < 3 or not re.fullmatch(r"\|?(\s*:?-{2,}:?\s*\|)*\s*:?-{2,}:?\s*\|?", block[1].strip()):
            continue
        headers = _split_row(block[0])
        mapping = map_columns(headers)
        if "action" not in mapping:
            continue
        for line in block[2:]:
            cells = _split_row(line)
            item = _cell_values(dict(zip(headers, cells, strict=False)), mapping)
            if item:
                found.append(item)
    return found


def _line_actions(raw: str) -> list[_Found]:
    """'Action: ...' lines outside tables, with '(Owner: X, due Y)' style details where present."""
    found = []
    for line in raw.splitlines():
        if line.strip().startswith("|"):
            continue
        match = _ACTION_LINE.match(re.sub(r"(\*\*|__)", "", line))
        if not match:
            continue
        text, details = _split_details(match.group(2).strip())
        if len(text) < 3:
            continue
        item = _Found(text=text, ref=match.group(1))
        _apply_details(item, details)
        if item.organisation is None:
            lead = re.match(r"^(.{3,80}?)\s+(?:to|will)\s+(\w.*)$", item.text)
            if lead and infer_type(lead.group(1)) != OrgType.OTHER:
                item.organisation = lead.group(1).strip()
                item.text = lead.group(2)[0].upper() + lead.group(2)[1:]
        found.append(item)
    return found


def _split_details(text: str) -> tuple[str, list[str]]:
    paren = re.search(r"\(([^()]*)\)\s*\.?\s*$", text)
    if paren and _DETAIL_KEYS.search(paren.group(1)):
        return text[: paren.start()].strip().rstrip(".;,"), re.split(r"[;,]", paren.group(1))
    inline = re.search(
        r"\s*(?:[;.]|\s[-\u2013\u2014])\s*(?=(?:owner|lead|due|deadline|status)\s*:)", text, re.IGNORECASE
    )
    if inline:
        return text[: inline.start()].strip(), re.split(r"[;,]", text[inline.end() :])
    return text.rstrip("."), []


def _apply_details(item: _Found, parts: list[str]) -> None:
    for part in (p.strip() for p in parts):
        if not part:
            continue
        keyed = re.match(
            r"(owner|lead|due|deadline|by|status|org|organisation|organization)\b\s*[:=-]?\s*(.+)",
            part,
            re.IGNORECASE,
        )
        if keyed:
            key, value = keyed.group(1).lower(), keyed.group(2).strip()
            if key in ("owner", "lead"):
                item.owner = value
            elif key in ("due", "deadline", "by"):
                item.due = _safe_date(value)
                if not item.due:
                    item.remarks.append(f"due given as {value!r}")
            elif key == "status":
                item.status = parse_status(value)
            else:
                item.organisation = value
        elif _safe_date(part):
            item.due = _safe_date(part)
        elif infer_type(part) != OrgType.OTHER:
            item.organisation = part
        elif item.owner is None:
            item.owner = part


# -- linking to passages, roundtables, organisations ------------------------------------------------


def _passage_for(text: str, full_text: str, passages: list[StoredPassage]) -> int | None:
    """The passage whose character range holds the action's wording (else whose text contains it)."""
    if not passages:
        return None
    position = full_text.find(text)
    if position < 0:
        words = re.findall(r"\w+", text)
        if words:
            found = re.search(r"\W+".join(map(re.escape, words)), full_text)
            position = found.start() if found else -1
    if position >= 0:
        for p in passages:
            if p.char_start is not None and p.char_end is not None and p.char_start <= position < p.char_end:
                return p.id
    key = _norm_text(text)
    for p in passages:
        if key and key in _norm_text(p.text):
            return p.id
    return None


def _roundtable(
    db: sqlite_utils.Database,
    doc: dict[str, Any],
    meta: dict[str, str],
    date: str | None,
    found: list[_Found],
) -> int:
    title = doc["title"] or "Roundtable"
    roundtable_id = find_roundtable(db, title, date)
    if roundtable_id is None:
        orgs = []
        for item in found:
            if organisation_name(item.organisation) and item.organisation not in orgs:
                orgs.append(item.organisation)
        host = meta.get("host") or _host_from(db, meta, orgs)
        partners = [p.strip() for p in re.split(r"[;,]", meta.get("partners", "")) if p.strip()]
        if not partners:
            partners = [o for o in orgs if not host or o.lower() != host.lower()]
        roundtable_id = create_roundtable(
            db, title=title, date=date, chair=meta.get("chair"), host=host, partners=partners
        )
    link_document(db, roundtable_id, doc["id"])
    return roundtable_id


def _host_from(db: sqlite_utils.Database, meta: dict[str, str], orgs: list[str]) -> str | None:
    """The host: an organisation named in the venue, else the organisation in the chair's line."""
    venue = meta.get("venue", "")
    known = orgs + [r[0] for r in db.execute("SELECT name FROM organisations").fetchall()]
    in_venue = [o for o in known if o and o.lower() in venue.lower()]
    if in_venue:
        return max(in_venue, key=len)
    chair_parts = [p.strip() for p in meta.get("chair", "").split(",")]
    for part in reversed(chair_parts[1:]):
        if infer_type(part) != OrgType.OTHER:
            return part
    return None


def _default_org(db: sqlite_utils.Database, doc: dict[str, Any], roundtable_id: int | None) -> int | None:
    if doc.get("organisation_id"):
        return doc["organisation_id"]
    if roundtable_id:
        host = db.execute("SELECT host FROM roundtables WHERE id = ?", [roundtable_id]).fetchone()
        if host and organisation_name(host[0]):
            # The host is an organisation by construction (metadata, venue or the chair's line).
            return ensure_organisation(db, host[0])
    return None


# -- storing: create or update ----------------------------------------------------------------------


def _match(
    db: sqlite_utils.Database, org_id: int | None, item: _Found, roundtable_id: int | None, by_ref: bool
) -> dict[str, Any] | None:
    """An existing action this row describes: same reference (when the source has an ID column) within
    the organisation or roundtable, else same organisation and same wording."""
    if by_ref and item.ref:
        scope, value = ("roundtable_id", roundtable_id) if roundtable_id else ("organisation_id", org_id)
        rows = list(
            db.query(
                f"SELECT * FROM actions WHERE source_ref = ? AND {scope} IS ? ORDER BY id", [item.ref, value]
            )
        )
        if rows:
            return dict(rows[0])
    key = _norm_text(item.text)
    for row in db.query("SELECT * FROM actions WHERE organisation_id IS ? ORDER BY id", [org_id]):
        if _norm_text(row["text"]) == key:
            return dict(row)
    return None


def _store(
    db: sqlite_utils.Database,
    doc: dict[str, Any],
    item: _Found,
    *,
    at: str | None,
    draft: bool,
    roundtable_id: int | None,
    default_org: int | None,
    origin: str,
    warnings: list[str],
    by_ref: bool = True,
) -> int:
    """Create the action or bring the matching one up to date; 1 if anything was written, else 0."""
    org_id = _organisation(db, item, default_org, warnings)
    source = f"{'tracker' if origin == LinkOrigin.TRACKER else 'notes'} {doc['title']!r}"
    existing = _match(db, org_id, item, roundtable_id, by_ref)
    if existing is not None and existing["deleted_at"] is not None:
        # Someone deleted this action: a later tracker naming it does not bring it back (restore does).
        where = item.where or repr(item.text[:40])
        warnings.append(f"{where}: action {existing['id']} was deleted: row skipped")
        return 0
    if existing is None:
        remarks = "; ".join(item.remarks)
        action_id = create_action(
            db,
            text=item.text,
            organisation=org_id,
            owner=item.owner,
            due=item.due,
            status=item.status or Status.NOT_STARTED,
            percent=item.percent or 0,
            source_passage_id=item.passage_id,
            source_document_id=doc["id"],
            source_ref=item.ref,
            roundtable_id=roundtable_id,
            draft=draft,
            at=item.last_update or at,
            note=f"from {source}" + (f" ({remarks})" if remarks else ""),
        )
        _link_recs(db, action_id, item.recommendations, origin)
        return 1
    return int(
        _update_existing(
            db,
            doc,
            existing,
            item,
            at=item.last_update or at,
            draft=draft,
            roundtable_id=roundtable_id,
            source=source,
            origin=origin,
        )
    )


def _organisation(
    db: sqlite_utils.Database, item: _Found, default_org: int | None, warnings: list[str]
) -> int | None:
    """The row's organisation; a value that names none ("\u200b", "-", "n/a") is reported and the action
    kept under the document's organisation or none, never filed under a shared nameless one."""
    if not item.organisation:
        return default_org
    if organisation_name(item.organisation) is None:
        where = item.where or f"action {item.text[:40]!r}"
        filed = "without an organisation" if default_org is None else "under the document's organisation"
        warnings.append(f"{where}: organisation {item.organisation!r} is no name: action filed {filed}")
        return default_org
    return ensure_organisation(db, item.organisation, item.org_type)


def _update_existing(
    db: sqlite_utils.Database,
    doc: dict[str, Any],
    action: dict[str, Any],
    item: _Found,
    *,
    at: str | None,
    draft: bool,
    roundtable_id: int | None,
    source: str,
    origin: str,
) -> bool:
    changed = False
    action_id = action["id"]
    if item.due and item.due != action["due"]:
        change_due_date(db, action_id, item.due, reason=f"changed in {source}", at=at)
        changed = True
    last = db.execute("SELECT max(at) FROM progress_updates WHERE action_id = ?", [action_id]).fetchone()[0]
    current = db.execute("SELECT status, percent FROM actions WHERE id = ?", [action_id]).fetchone()
    status = item.status or current[0]
    percent = 100 if status == Status.DONE else (current[1] if item.percent is None else item.percent)
    # A snapshot older than the latest recorded update must not roll the status back.
    newer = not (at and last and at[:10] < last[:10])
    if newer and (status, percent) != tuple(current):
        update_progress(
            db,
            action_id,
            status=status,
            percent=percent,
            note=f"updated from {source}",
            at=at,
            validate=False,
        )
        changed = True
    fields: dict[str, Any] = {}
    if item.owner and item.owner != action["owner"]:
        fields["owner"] = item.owner
    if action["draft"] and not draft:
        fields["draft"] = 0  # a tracker confirms what the notes proposed
    if roundtable_id and not action["roundtable_id"]:
        fields["roundtable_id"] = roundtable_id
    source_kind = db.execute(
        "SELECT kind FROM documents WHERE id = ?", [action["source_document_id"]]
    ).fetchone()
    if action["source_document_id"] != doc["id"] and (source_kind is None or source_kind[0] == doc["kind"]):
        fields.update(source_document_id=doc["id"], source_passage_id=item.passage_id)
    if fields:
        sets = ", ".join(f"{k} = ?" for k in fields)
        db.execute(f"UPDATE actions SET {sets} WHERE id = ?", [*fields.values(), action_id])
        changed = changed or bool({"owner", "draft"} & set(fields))
        _log_edit(db, action, {k: v for k, v in fields.items() if k in ("owner", "draft")}, source, at)
    if _link_recs(db, action_id, item.recommendations, origin):
        changed = True
    return changed


def _log_edit(
    db: sqlite_utils.Database, action: dict[str, Any], edited: dict[str, Any], source: str, at: str | None
) -> None:
    """The change log's entry for an owner or draft flag a source changed (a draft accepted by a tracker)."""
    if not edited:
        return
    change = Change.ACCEPTED if edited.get("draft") == 0 else Change.EDITED
    before = {k: bool(action[k]) if k == "draft" else action[k] for k in edited}
    after = {k: bool(v) if k == "draft" else v for k, v in edited.items()}
    note = f"updated from {source}"
    record(
        db,
        who=None,
        entity=Entity.ACTION,
        entity_id=action["id"],
        change=change,
        before=before,
        after=after,
        note=note,
        at=at,
    )


def _link_recs(db: sqlite_utils.Database, action_id: int, numbers: list[int], origin: str) -> bool:
    """Confirmed links for the recommendation numbers a source states; a person's rejection stands."""
    added = False
    for number in numbers:
        try:
            rec_id = recommendation_id(db, number)
        except LookupError:
            continue  # a number the built-in set does not have
        state = db.execute(
            "SELECT state FROM action_recommendations WHERE action_id = ? AND recommendation_id = ?",
            [action_id, rec_id],
        ).fetchone()
        if state and state[0] != LinkState.SUGGESTED:
            continue
        link_recommendation(db, action_id, rec_id, state=LinkState.CONFIRMED, origin=origin)
        added = True
    return added


# -- trackers --------------------------------------------------------------------------------------


def _where(lines: list[int | str], index: int) -> str:
    if index >= len(lines):
        return f"row {index + 1}"
    return lines[index] if isinstance(lines[index], str) else f"line {lines[index]}"


def _import_tracker(
    db: sqlite_utils.Database,
    doc: dict[str, Any],
    rows: list[dict[str, str]],
    passages: list[StoredPassage],
    text: str,
    lines: list[int | str],
    warnings: list[str],
) -> int:
    headers: list[str] = []
    for row in rows:
        headers += [h for h in row if h is not None and h not in headers]
    mapping = map_columns(headers)
    if "action" not in mapping:
        warnings.append(NO_ACTION_COLUMN)
        return 0
    by_index = len(passages) == len(rows)
    count, found = 0, 0
    for index, row in enumerate(rows):
        item = _cell_values({k: v for k, v in row.items() if k is not None and isinstance(v, str)}, mapping)
        if item is None:
            continue
        found += 1
        item.where = _where(lines, index)
        if by_index:
            item.passage_id = passages[index].id
        else:
            item.passage_id = _passage_for(item.text, text, passages)
        has_id = "ref" in mapping and item.ref
        if not has_id:
            item.ref = None
        count += _store(
            db,
            doc,
            item,
            at=item.last_update,
            draft=False,
            roundtable_id=None,
            default_org=doc.get("organisation_id"),
            origin=LinkOrigin.TRACKER,
            warnings=warnings,
            by_ref=bool(has_id),
        )
    if not found:
        warnings.append(
            f"the action column {mapping['action']!r} is empty in every row: imported as a document"
        )
    return count
