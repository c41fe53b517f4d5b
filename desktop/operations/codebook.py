"""Recommendation-set operations: import a codebook file (with its source report), export, delete."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop.operations.changes import Changes, Result

SETS = Changes(recommendations=True, links=True)


@dataclass
class SetImport:
    """What a codebook import did: the set, whether it was new, how many recommendations it now holds."""

    slug: str
    title: str
    created: bool
    recommendations: int
    document_id: int | None = None
    changed: bool = True

    def message(self) -> str:
        source = f", source document {self.document_id}" if self.document_id else ""
        if not self.changed:
            return f"set {self.slug} is already up to date: {self.recommendations} recommendation(s){source}"
        verb = "imported" if self.created else "updated"
        return f"{verb} set {self.slug}: {self.recommendations} recommendation(s){source}"


def import_codebook(
    db: Any,
    path: str | Path,
    *,
    slug: str | None = None,
    title: str | None = None,
    source: str | Path | None = None,
    document_id: int | None = None,
    who: str | None = None,
) -> Result[SetImport]:
    """Read a codebook file (JSON, CSV, XLSX) and load it whole, or refuse it whole (CodebookError).

    `source` is the report the recommendations come from (imported into the library if it is not there
    yet) or `document_id` one already there: its passages teach the matcher how each is discussed."""
    from knowledge.codebook import get_set, list_sets, load_codebook
    from knowledge.codebook_files import read_codebook_file

    data = read_codebook_file(path, slug=slug, title=title)
    before = {s["slug"]: s for s in list_sets(db)}.get(data["slug"])
    changes = SETS
    if source is not None:
        document_id = _source_document(db, source)
        changes = changes | Changes(documents=True, passages=True)
    logged = _set_log_size(db, before)
    load_codebook(db, data, who=who, document_id=document_id)
    head = get_set(db, data["slug"])
    summary = SetImport(
        head["slug"],
        head["title"],
        before is None,
        head["recommendations"],
        head["document_id"],
        # A load logs an entry only when the content changed (loaded_at has one-second precision: no use)
        changed=before is None or _set_log_size(db, head) != logged,
    )
    return Result(summary, changes)


def _set_log_size(db: Any, head: dict[str, Any] | None) -> int:
    """How many change-log entries a set has (0 for a set not loaded yet)."""
    from knowledge.changelog import entries
    from knowledge.vocab import Entity

    return len(entries(db, entity=Entity.RECOMMENDATION_SET, entity_id=head["id"])) if head else 0


def _source_document(db: Any, source: str | Path) -> int:
    """The library id of the source report, importing it first when it is new."""
    from knowledge.codebook import CodebookError
    from knowledge.library import import_paths

    outcomes = import_paths(db, [str(source)])
    found = [o for o in outcomes if o.document_id]
    if len(found) != 1:
        reasons = "; ".join(o.reason or o.status for o in outcomes if not o.document_id) or "not one document"
        raise CodebookError(f"cannot use {source} as the source report: {reasons}")
    return int(found[0].document_id)


def export_codebook(db: Any, slug: str, path: str | Path) -> Result[int]:
    """Write a set as JSON (or CSV, by the file's extension) whole; the value is its recommendation count."""
    from knowledge.codebook import CodebookError
    from knowledge.codebook import export_codebook as _export
    from knowledge.codebook_files import WRITERS
    from knowledge.files import replacing

    path = Path(path)
    writer = WRITERS.get(path.suffix.lower())
    if writer is None:
        raise CodebookError(f"{path.name}: export a set as .json or .csv")
    data = _export(db, slug)
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path) as tmp:
        tmp.write_text(writer(data), encoding="utf-8", newline="")
    return Result(len(data["recommendations"]))


def delete_codebook(db: Any, slug: str, *, who: str | None = None) -> Result[int]:
    """Delete a set that nobody has linked actions or evidence to; the value is how many recommendations."""
    from knowledge.codebook import delete_set

    return Result(delete_set(db, slug, who=who), SETS)


def set_choices(db: Any) -> list[tuple[str, str]]:
    """(label, slug) of every set, the built-in one first: what a set switcher offers."""
    from knowledge.codebook import list_sets

    return [(f"{s['title']} ({s['recommendations']})", s["slug"]) for s in list_sets(db)]
