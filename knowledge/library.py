"""The document library: import files into documents and passages, list, edit, delete and restore them.

Every import, edit, delete and restore is an entry in the change log. A deleted document moves to the
document bin (its row, passages, vectors and links, kept whole) and leaves every list and index."""

from __future__ import annotations

import base64
import errno
import hashlib
import itertools
import json
import os
import re
import sqlite3
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date as _date
from pathlib import Path
from typing import Any, Literal

import sqlite_utils

from knowledge.changelog import record, who_of
from knowledge.dates import now_iso
from knowledge.ingest.base import IngestError, ParsedDocument, StoredPassage, reading
from knowledge.ingest.chunker import chunk
from knowledge.ingest.common import cannot_read, check_file_size, failure_reason, one_line
from knowledge.ingest.readers import FOLDER_EXTENSIONS, read_documents
from knowledge.vocab import Change, DocumentKind, Entity, values

Progress = Callable[[int, int, str], None]


@dataclass
class ImportOutcome:
    """What happened to one file (or one .jsonl line)."""

    path: str
    status: Literal["imported", "duplicate", "failed"]
    document_id: int | None = None
    title: str | None = None
    reason: str | None = None
    passages: int = 0
    actions: int = 0
    file: str = ""  # the file it came from: path without the ":line" of a .jsonl line
    # Imported, but not all as one might expect: "no action column found: imported as a document", a row
    # whose organisation is no name. One line each; the command line prints them, the window lists them.
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.file = self.file or self.path
        # A reason is shown on one line (a terminal, a table cell), whatever a library put in its message.
        if self.reason is not None:
            self.reason = one_line(self.reason)


# -- finding the files ---------------------------------------------------------------------------------------


def _hidden(name: str) -> bool:
    return name.startswith((".", "~$"))


def _file_problem(path: Path) -> str | None:
    """Why a path cannot be read as a file (a broken or looping link, a pipe, far too large, ...); None when
    it can. Checked before the file's bytes are hashed: hashing gigabytes would take minutes."""
    try:
        info = path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a link that loops back on itself"
        if path.is_symlink():
            return "a broken link (what it points to does not exist)"
        return cannot_read(exc)
    if not stat.S_ISREG(info.st_mode):  # reading a pipe or a device would wait forever or never end
        return "not a regular file"
    try:
        check_file_size(info.st_size)
    except IngestError as exc:
        return str(exc)
    return None


def _walk(root: Path) -> list[tuple[Path, str | None]]:
    """Every importable file under root, hidden ones left out, with the problem of each that has one, and
    the folders that could not be read. Linked folders are followed, each real folder once (a link back
    to a parent would otherwise loop forever)."""
    found: list[tuple[Path, str | None]] = []

    def unreadable(error: OSError) -> None:
        found.append((Path(error.filename or root), f"cannot read the folder ({error.strerror or error})"))

    seen: set[tuple[int, int]] = set()
    for folder, folders, files in os.walk(root, followlinks=True, onerror=unreadable):
        try:
            info = os.stat(folder)
        except OSError as exc:
            unreadable(exc)
            folders.clear()
            continue
        if (info.st_dev, info.st_ino) in seen:
            folders.clear()
            continue
        seen.add((info.st_dev, info.st_ino))
        folders[:] = [name for name in folders if not _hidden(name)]
        for name in files:
            path = Path(folder, name)
            if not _hidden(name) and path.suffix.lower() in FOLDER_EXTENSIONS:
                found.append((path, _file_problem(path)))
    return sorted(found, key=lambda item: item[0])


def expand_paths(paths: Iterable[str | Path]) -> Iterator[tuple[Path, str | None]]:
    """(file, None) for each file to read, or (path, reason) for a path that cannot be imported at all.

    Folders are walked recursively in sorted order; hidden files and folders, and files no reader
    understands, are skipped silently there (a folder with nothing to import is reported; broken links,
    link loops and unreadable folders are reported). A file named explicitly is always tried."""
    for given in paths:
        path = Path(given).expanduser()
        if path.is_dir():
            found = _walk(path)
            if not found:
                kinds = " ".join(FOLDER_EXTENSIONS)
                yield path, f"no files to import in this folder (looked for {kinds})"
            yield from found
        elif os.path.lexists(path):
            yield path, _file_problem(path)
        else:
            yield path, "no such file or folder"


def path_text(path: Path) -> str:
    """A path as text that can be stored: bytes of a file name that are not UTF-8 written as \\xNN."""
    return os.fsencode(path).decode("utf-8", errors="backslashreplace")


# -- hashing -------------------------------------------------------------------------------------------------


def file_hash(path: Path) -> str:
    """sha256 of the file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def text_hash(title: str, text: str) -> str:
    """sha256 of the title and the whitespace-normalised text (documents that come from .jsonl lines)."""
    normalised = " ".join(text.split())
    return hashlib.sha256(f"{' '.join(title.split())}\x00{normalised}".encode()).hexdigest()


def _existing(db: sqlite_utils.Database, content_hash: str) -> tuple[int, str] | None:
    row = db.execute("SELECT id, title FROM documents WHERE content_hash = ?", [content_hash]).fetchone()
    return (row[0], row[1]) if row else None


# -- storing one document ------------------------------------------------------------------------------------


@dataclass
class _Options:
    kind: str | None
    title: str | None
    date: str | None
    org: str | None
    who: str | None = None


def _validate_kind(kind: str | None) -> str | None:
    if kind is not None and kind not in values(DocumentKind):
        raise ValueError(f"unknown document kind {kind!r}; use one of: {', '.join(values(DocumentKind))}")
    return kind


def _validate_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return _date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    raise ValueError(f"{value!r} is not a date; use YYYY-MM-DD")


def _store(
    db: sqlite_utils.Database,
    parsed: ParsedDocument,
    content_hash: str,
    source_path: str,
    options: _Options,
    *,
    from_jsonl: bool,
) -> tuple[int, int, int]:
    """Document row, passages and post-import hook in ONE transaction; (document id, passages, actions)."""
    from knowledge.extract import extract_actions

    kind = options.kind or parsed.kind or DocumentKind.OTHER
    if kind not in values(DocumentKind):
        kind = DocumentKind.OTHER
    given_title = options.title if options.title and not from_jsonl else None
    title = given_title or parsed.title or Path(source_path).name
    parsed.title, parsed.kind = title, kind
    parsed.date = options.date or parsed.date
    if parsed.rows is not None:
        # A tracker row is one passage of its own, so a search hit or an action points at exactly one row.
        passages = [p for block in parsed.blocks for p in chunk(parsed.text, [block])]
    else:
        passages = chunk(parsed.text, parsed.blocks)
    with db.atomic():
        from knowledge.organisations import ensure_organisation, organisation_name

        org_name = options.org or parsed.org
        if not options.org and org_name and organisation_name(org_name) is None:
            # A file's own "org" of "n/a" or a zero-width space names nobody: kept without one, and said.
            parsed.metadata.setdefault("warnings", []).append(
                f"organisation {org_name!r} is no name: imported without an organisation"
            )
            org_name = None
        org_id = ensure_organisation(db, org_name, who=options.who) if org_name else None
        doc_id = db.execute(
            "INSERT INTO documents (title, kind, date, source_path, content_hash, organisation_id,"
            " external_id, pages, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                title,
                kind,
                parsed.date,
                source_path,
                content_hash,
                org_id,
                parsed.external_id,
                parsed.pages,
                now_iso(),
            ],
        ).lastrowid
        db.conn.executemany(
            "INSERT INTO passages (document_id, ordinal, text, page, section, char_start, char_end,"
            " ocr_confidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(doc_id, i, p.text, p.page, p.section, p.start, p.end, p.ocr) for i, p in enumerate(passages)],
        )
        ids = db.execute(
            "SELECT id FROM passages WHERE document_id = ? ORDER BY ordinal", [doc_id]
        ).fetchall()
        stored = [
            StoredPassage(row[0], i, p.text, p.page, p.section, p.start, p.end)
            for i, (row, p) in enumerate(zip(ids, passages, strict=True))
        ]
        actions = extract_actions(db, doc_id, parsed, stored) or 0
        after = {"title": title, "kind": kind, "date": parsed.date, "organisation_id": org_id}
        after |= {"passages": len(stored), "actions": int(actions), "source_path": source_path}
        after |= {"content_hash": content_hash, "external_id": parsed.external_id}
        record(
            db, who=options.who, entity=Entity.DOCUMENT, entity_id=doc_id, change=Change.IMPORTED, after=after
        )
    return doc_id, len(stored), int(actions)


def _import_one(
    db: sqlite_utils.Database,
    parsed: ParsedDocument,
    content_hash: str,
    label: str,
    source_path: str,
    options: _Options,
    *,
    from_jsonl: bool,
) -> ImportOutcome:
    found = _existing(db, content_hash)
    if found:
        return ImportOutcome(label, "duplicate", document_id=found[0], title=found[1])
    if not parsed.blocks:
        return ImportOutcome(label, "failed", reason="no text to import", title=parsed.title)
    try:
        doc_id, count, actions = _store(db, parsed, content_hash, source_path, options, from_jsonl=from_jsonl)
    except sqlite3.IntegrityError as exc:
        found = _existing(db, content_hash)
        if found:  # imported meanwhile by another connection
            return ImportOutcome(label, "duplicate", document_id=found[0], title=found[1])
        return ImportOutcome(label, "failed", title=parsed.title, reason=f"could not be stored ({exc})")
    except (IngestError, ValueError) as exc:
        return ImportOutcome(label, "failed", title=parsed.title, reason=str(exc))
    except Exception as exc:  # noqa: BLE001 - a failing hook costs this document (rolled back), not the import
        return ImportOutcome(
            label, "failed", title=parsed.title, reason=f"could not be stored ({type(exc).__name__}: {exc})"
        )
    return ImportOutcome(
        label,
        "imported",
        document_id=doc_id,
        title=parsed.title,
        passages=count,
        actions=actions,
        # What the reader and the action import noticed (knowledge.extract adds its own there too).
        warnings=list(parsed.metadata.get("warnings") or ()),
    )


JSONL_BATCH = 250


def _import_jsonl(
    db: sqlite_utils.Database,
    path: Path,
    options: _Options,
    report: Callable[[str], None],
    cancel: Callable[[], bool] | None,
) -> list[ImportOutcome]:
    """One outcome per line. Documents are committed in batches: each document still has its own savepoint
    (db.atomic() nests), so a failure or crash leaves whole documents only, but 5,000 abstracts do not pay
    for 5,000 commits."""
    label = str(path)
    outcomes: list[ImportOutcome] = []
    items = read_documents(path)
    while True:
        batch = list(itertools.islice(items, JSONL_BATCH))
        if not batch:
            break
        with db.atomic():
            for line_no, item in batch:
                where = f"{label}:{line_no}" if line_no else label
                if isinstance(item, IngestError):
                    outcomes.append(ImportOutcome(where, "failed", reason=str(item), file=label))
                    continue
                content_hash = text_hash(item.title, item.text)
                source = item.source or path_text(path)
                outcome = _import_one(db, item, content_hash, where, source, options, from_jsonl=True)
                outcome.file = label
                if outcome.status == "failed":  # as the reasons of lines that could not be read
                    outcome.reason = f"line {line_no}: {outcome.reason}"
                outcomes.append(outcome)
        report(f"{path.name}: {len(outcomes)} documents")
        if cancel is not None and cancel():
            break
    return outcomes


def _import_single(db: sqlite_utils.Database, path: Path, options: _Options) -> ImportOutcome:
    label = str(path)
    try:
        # The file's bytes identify it: a re-import is recognised before the file is parsed at all.
        content_hash = file_hash(path)
    except OSError as exc:
        return ImportOutcome(label, "failed", reason=cannot_read(exc))
    found = _existing(db, content_hash)
    if found:
        return ImportOutcome(label, "duplicate", document_id=found[0], title=found[1])
    _, item = next(iter(read_documents(path)))
    if isinstance(item, IngestError):
        return ImportOutcome(label, "failed", reason=str(item))
    return _import_one(db, item, content_hash, label, path_text(path.resolve()), options, from_jsonl=False)


def _import_file(
    db: sqlite_utils.Database,
    path: Path,
    options: _Options,
    report: Callable[[str], None],
    cancel: Callable[[], bool] | None,
) -> list[ImportOutcome]:
    try:
        problem = _file_problem(path)
        if problem:
            return [ImportOutcome(str(path), "failed", reason=problem)]
        if path.suffix.lower() == ".jsonl":
            return _import_jsonl(db, path, options, report, cancel)
        return [_import_single(db, path, options)]
    except Exception as exc:  # noqa: BLE001 - the last safety net: one bad file never stops a folder import
        return [ImportOutcome(str(path), "failed", reason=failure_reason(exc))]


def import_paths(
    db: sqlite_utils.Database,
    paths: Iterable[str | Path],
    *,
    kind: str | None = None,
    title: str | None = None,
    date: str | None = None,
    org: str | None = None,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    who: str | None = None,
) -> list[ImportOutcome]:
    """Import files and folders (recursively); one outcome per file, or per line of a .jsonl file.

    Each document is stored atomically together with its passages and extracted actions (its own
    transaction; .jsonl documents get a savepoint each inside a transaction per 250 lines).
    Duplicates (same file bytes; for .jsonl lines the same title and text) are skipped.
    kind/date/org apply to every document; title applies to files but not to .jsonl lines (each has its
    own). Raises ValueError for an invalid kind or date (a usage error, before anything is read)."""
    if isinstance(paths, str | Path):
        paths = [paths]
    options = _Options(
        _validate_kind(kind),
        title.strip() if title else None,
        _validate_date(date),
        org.strip() if org else None,
        who,
    )
    items = list(expand_paths(paths))
    total = len(items)
    outcomes: list[ImportOutcome] = []
    for done, (path, problem) in enumerate(items):
        if cancel is not None and cancel():
            break
        if progress is not None:
            progress(done, total, path.name)
        if problem:
            outcomes.append(ImportOutcome(str(path), "failed", reason=problem))
            continue

        def report(label: str, done: int = done) -> None:
            if progress is not None:
                progress(done, total, label)

        with reading(report, cancel):  # long reads (text recognition) report and cancel through it
            outcomes.extend(_import_file(db, path, options, report, cancel))
    if progress is not None and (cancel is None or not cancel()):
        progress(total, total, "")
    return outcomes


# -- the library ---------------------------------------------------------------------------------------------

_DOC_COLUMNS = (
    "d.id, d.title, d.kind, d.date, o.name AS organisation, d.organisation_id, d.pages,"
    " (SELECT count(*) FROM passages p WHERE p.document_id = d.id) AS passages,"
    " d.source_path, d.external_id, d.imported_at"
)


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def list_documents(
    db: sqlite_utils.Database, *, kind: str | None = None, text_filter: str | None = None
) -> list[dict[str, Any]]:
    """Documents newest first: id, title, kind, date, organisation (name), pages, passages (count),
    source_path, external_id, imported_at. text_filter matches title or organisation, any case."""
    where, params = [], []
    if kind:
        where.append("d.kind = ?")
        params.append(kind)
    if text_filter and text_filter.strip():
        where.append("(d.title LIKE ? ESCAPE '\\' OR o.name LIKE ? ESCAPE '\\')")
        params += [_like(text_filter.strip())] * 2
    sql = (
        f"SELECT {_DOC_COLUMNS} FROM documents d LEFT JOIN organisations o ON o.id = d.organisation_id"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY d.imported_at DESC, d.id DESC"
    )
    return [dict(row) for row in db.query(sql, params)]


def get_document(db: sqlite_utils.Database, document_id: int) -> dict[str, Any] | None:
    """One document as list_documents shows it, plus its content_hash; None when there is none."""
    rows = list(
        db.query(
            f"SELECT {_DOC_COLUMNS}, d.content_hash FROM documents d"
            " LEFT JOIN organisations o ON o.id = d.organisation_id WHERE d.id = ?",
            [document_id],
        )
    )
    return dict(rows[0]) if rows else None


def document_passages(db: sqlite_utils.Database, document_id: int) -> list[dict[str, Any]]:
    """A document's passages in reading order (id, ordinal, text, page, section, char_start, char_end, and
    ocr_confidence: the OCR engine's confidence for text recognised from a scan, else None)."""
    return [
        dict(row)
        for row in db.query(
            "SELECT id, document_id, ordinal, text, page, section, char_start, char_end, ocr_confidence"
            " FROM passages"
            " WHERE document_id = ? ORDER BY ordinal",
            [document_id],
        )
    ]


def update_document(
    db: sqlite_utils.Database,
    document_id: int,
    *,
    title: str | None = None,
    kind: str | None = None,
    date: str | None = None,
    organisation: str | None = None,
    who: str | None = None,
) -> None:
    """Change a document's details; None leaves a field alone, "" clears date or organisation.

    Raises ValueError with a readable message for an empty title, unknown kind, bad date or no document."""
    changes: dict[str, Any] = {}
    if title is not None:
        if not title.strip():
            raise ValueError("a document needs a title")
        changes["title"] = " ".join(title.split())
    if kind is not None:
        changes["kind"] = _validate_kind(kind)
    if date is not None:
        changes["date"] = _validate_date(date.strip())
    with db.atomic():
        current = _rows(db, "SELECT * FROM documents WHERE id = ?", [document_id])
        if not current:
            raise ValueError(f"no document with id {document_id}")
        if organisation is not None:
            if organisation.strip():
                from knowledge.organisations import ensure_organisation

                changes["organisation_id"] = ensure_organisation(db, organisation.strip(), who=who)
            else:
                changes["organisation_id"] = None
        changes = {column: value for column, value in changes.items() if current[0][column] != value}
        if changes:
            assignments = ", ".join(f"{column} = ?" for column in changes)
            db.execute(f"UPDATE documents SET {assignments} WHERE id = ?", [*changes.values(), document_id])
            before = {column: current[0][column] for column in changes}
            record(
                db,
                who=who,
                entity=Entity.DOCUMENT,
                entity_id=document_id,
                change=Change.EDITED,
                before=before,
                after=changes,
            )


# -- delete and undo -----------------------------------------------------------------------------------------


# A passage's stored columns, as the bin keeps them (a team workspace's generated full-text column is
# rebuilt by the server, never copied).
_BIN_PASSAGE = "id, document_id, ordinal, text, page, section, char_start, char_end, ocr_confidence"


def _rows(db: sqlite_utils.Database, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    return [dict(row) for row in db.query(sql, params)]


def _encode(snapshot: dict[str, Any]) -> str:
    """A snapshot as JSON for the bin: vectors (bytes) as base64 text."""
    vectors = [{**v, "vector": base64.b64encode(v["vector"]).decode("ascii")} for v in snapshot["vectors"]]
    return json.dumps({**snapshot, "vectors": vectors}, ensure_ascii=False)


def _decode(text: str) -> dict[str, Any]:
    snapshot = json.loads(text)
    snapshot["vectors"] = [
        {**v, "vector": base64.b64decode(v["vector"])} for v in snapshot.get("vectors", [])
    ]
    return snapshot


def _deletion_summary(snapshot: dict[str, Any]) -> dict[str, Any]:
    """What the log keeps of a deleted document (the bin keeps the rest)."""
    document = snapshot["document"]
    keys = ("title", "kind", "date", "organisation_id", "source_path", "content_hash", "external_id")
    return {key: document.get(key) for key in keys} | {
        "passages": len(snapshot["passages"]),
        "evidence_links": len(snapshot["evidence_links"]),
    }


def _to_bin(db: sqlite_utils.Database, snapshot: dict[str, Any], who: str) -> int:
    document = snapshot["document"]
    return db.execute(
        "INSERT INTO document_bin (document_id, title, content_hash, deleted_at, deleted_by, snapshot)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [document["id"], document["title"], document["content_hash"], now_iso(), who, _encode(snapshot)],
    ).lastrowid


def delete_document(
    db: sqlite_utils.Database, document_id: int, *, who: str | None = None
) -> dict[str, Any] | None:
    """Delete a document: it leaves the library and every index (its passages, vectors and keyword entries
    go with it) and moves, whole, to the document bin, from which restore_document() puts it back. Returns
    the snapshot kept there, or None when there is no such document."""
    with db.atomic():
        document = _rows(db, "SELECT * FROM documents WHERE id = ?", [document_id])
        if not document:
            return None
        passage_filter = "SELECT id FROM passages WHERE document_id = ?"
        snapshot = {
            "document": document[0],
            "passages": _rows(
                db,
                f"SELECT {_BIN_PASSAGE} FROM passages WHERE document_id = ? ORDER BY ordinal",
                [document_id],
            ),
            "vectors": _rows(
                db, f"SELECT * FROM passage_vectors WHERE passage_id IN ({passage_filter})", [document_id]
            ),
            "evidence_links": _rows(
                db, f"SELECT * FROM evidence_links WHERE passage_id IN ({passage_filter})", [document_id]
            ),
            "roundtable_documents": _rows(
                db, "SELECT * FROM roundtable_documents WHERE document_id = ?", [document_id]
            ),
            # Actions survive a document's deletion (their source is set to NULL); undo points them back.
            "action_sources": _rows(
                db,
                f"SELECT id, source_document_id, source_passage_id FROM actions WHERE source_document_id = ?"
                f" OR source_passage_id IN ({passage_filter})",
                [document_id, document_id],
            ),
        }
        name = who_of(db, who)
        snapshot["bin_id"] = _to_bin(db, snapshot, name)
        db.execute("DELETE FROM documents WHERE id = ?", [document_id])
        record(
            db,
            who=name,
            entity=Entity.DOCUMENT,
            entity_id=document_id,
            change=Change.DELETED,
            before=_deletion_summary(snapshot),
            note="kept in the document bin: it can be restored",
        )
    return snapshot


def _insert(db: sqlite_utils.Database, table: str, row: dict[str, Any]) -> int:
    columns = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    return db.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values())).lastrowid


def _free(db: sqlite_utils.Database, table: str, row_id: int) -> bool:
    return db.execute(f"SELECT 1 FROM {table} WHERE id = ?", [row_id]).fetchone() is None


def _from_bin(db: sqlite_utils.Database, document_id: int) -> dict[str, Any]:
    """The snapshot of the last deletion of this document still in the bin; LookupError when none is."""
    row = db.execute(
        "SELECT id, snapshot FROM document_bin WHERE document_id = ? AND restored_at IS NULL"
        " ORDER BY id DESC LIMIT 1",
        [document_id],
    ).fetchone()
    if row is None:
        raise LookupError(f"no deleted document with id {document_id} (see `roundtable document deleted`)")
    return {**_decode(row[1]), "bin_id": row[0]}


def restore_document(
    db: sqlite_utils.Database, snapshot: dict[str, Any] | int, *, who: str | None = None
) -> int:
    """Put back a deleted document from the bin, by its id or by the snapshot delete_document returned
    (Undo); returns its id (the old one when still free). Its passages come back with their vectors.

    Raises ValueError when the same content has been imported again since (or it is already back),
    LookupError when the bin holds no such document."""
    if not isinstance(snapshot, dict):
        snapshot = _from_bin(db, int(snapshot))
    document = dict(snapshot["document"])
    with db.atomic():
        if _existing(db, document["content_hash"]):
            raise ValueError("this document has been imported again since it was deleted")
        if document.get("organisation_id") is not None and _free(
            db, "organisations", document["organisation_id"]
        ):
            document["organisation_id"] = None
        if not _free(db, "documents", document["id"]):
            document.pop("id")
        doc_id = _insert(db, "documents", document)
        passage_ids: dict[int, int] = {}
        for passage in snapshot["passages"]:
            row = {**passage, "document_id": doc_id}
            if not _free(db, "passages", row["id"]):
                row.pop("id")
            passage_ids[passage["id"]] = _insert(db, "passages", row)
        for vector in snapshot.get("vectors", []):
            _insert(db, "passage_vectors", {**vector, "passage_id": passage_ids[vector["passage_id"]]})
        for link in snapshot.get("evidence_links", []):
            row = {**link, "passage_id": passage_ids[link["passage_id"]]}
            if not _free(db, "evidence_links", row["id"]):
                row.pop("id")
            db.execute(
                "INSERT OR IGNORE INTO evidence_links ({}) VALUES ({})".format(
                    ", ".join(row), ", ".join("?" for _ in row)
                ),
                list(row.values()),
            )
        for link in snapshot.get("roundtable_documents", []):
            db.execute(
                "INSERT OR IGNORE INTO roundtable_documents (roundtable_id, document_id)"
                " SELECT ?, ? WHERE EXISTS (SELECT 1 FROM roundtables WHERE id = ?)",
                [link["roundtable_id"], doc_id, link["roundtable_id"]],
            )
        for action in snapshot.get("action_sources", []):
            db.execute(
                "UPDATE actions SET source_document_id = coalesce(source_document_id, ?),"
                " source_passage_id = coalesce(source_passage_id, ?) WHERE id = ?",
                [
                    doc_id if action["source_document_id"] == snapshot["document"]["id"] else None,
                    passage_ids.get(action["source_passage_id"]),
                    action["id"],
                ],
            )
        _mark_restored(db, snapshot)
        moved = f"; back as document {doc_id}" if doc_id != snapshot["document"]["id"] else ""
        record(
            db,
            who=who,
            entity=Entity.DOCUMENT,
            entity_id=doc_id,
            change=Change.RESTORED,
            before={"deleted": True, "document_id": snapshot["document"]["id"]},
            after=_deletion_summary(snapshot),
            note=f"restored from the document bin{moved}",
        )
    return doc_id


def _mark_restored(db: sqlite_utils.Database, snapshot: dict[str, Any]) -> None:
    """The bin entry the snapshot came from is spent (a snapshot from before the bin existed has none)."""
    document = snapshot["document"]
    db.execute(
        "UPDATE document_bin SET restored_at = ? WHERE restored_at IS NULL AND"
        " (id = ? OR (? IS NULL AND document_id = ? AND content_hash = ?))",
        [now_iso(), snapshot.get("bin_id"), snapshot.get("bin_id"), document["id"], document["content_hash"]],
    )


def deleted_documents(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """The documents in the bin that can be restored, most recently deleted first (document_id, title,
    deleted_at, deleted_by); a document deleted twice is listed once, by its last deletion."""
    return _rows(
        db,
        "SELECT document_id, title, deleted_at, deleted_by FROM document_bin b WHERE restored_at IS NULL"
        " AND id = (SELECT max(id) FROM document_bin WHERE document_id = b.document_id"
        " AND restored_at IS NULL)"
        " AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.content_hash = b.content_hash)"
        " ORDER BY deleted_at DESC, id DESC",
        [],
    )


def library_counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Documents, passages, and passages with no stored vector for any model."""
    docs = db.execute("SELECT count(*) FROM documents").fetchone()[0]
    passages = db.execute("SELECT count(*) FROM passages").fetchone()[0]
    vectors = db.execute("SELECT count(*) FROM passage_vectors").fetchone()[0]
    return {"documents": docs, "passages": passages, "unindexed": max(passages - vectors, 0)}


def passage_context(db: sqlite_utils.Database, passage_id: int, around: int = 2) -> list[dict[str, Any]]:
    """The passage with up to `around` passages either side of it in its document, in order."""
    row = db.execute("SELECT document_id, ordinal FROM passages WHERE id = ?", [passage_id]).fetchone()
    if row is None:
        return []
    return _rows(
        db,
        "SELECT id, text, page, section FROM passages WHERE document_id = ? AND ordinal BETWEEN ? AND ?"
        " ORDER BY ordinal",
        [row[0], row[1] - around, row[1] + around],
    )


def document_evidence_for(db: sqlite_utils.Database, document_id: int) -> list[dict[str, Any]]:
    """The recommendations a document's passages are linked to as evidence (number, title)."""
    return _rows(
        db,
        "SELECT DISTINCT r.number, r.title FROM evidence_links e"
        " JOIN passages p ON p.id = e.passage_id JOIN recommendations r ON r.id = e.recommendation_id"
        " WHERE p.document_id = ? ORDER BY r.number",
        [document_id],
    )
