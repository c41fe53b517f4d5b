"""Small operations the window runs on worker threads: each takes (db, job, ...) and returns plain data."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.workers import Job

# Modules the first import, index and search need, but the window does not need to show. Importing one
# compiles and runs it holding the GIL (without cached bytecode, ~10-80 ms each), so warm_up() loads them
# on the model thread while the window is idle rather than in the middle of the user's first import.
WARM_MODULES = (
    "faiss",
    "knowledge.library",
    "knowledge.extract",
    "knowledge.ingest.text",
    "knowledge.ingest.html",
    "indexes.sync",
    "indexes.search",
    "indexes.matching",
)


@dataclass
class ImportSummary:
    """What an import did, for the status bar and the one failure dialog."""

    imported: int = 0
    duplicates: int = 0
    passages: int = 0
    actions: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    cancelled: bool = False
    document_ids: list[int] = field(default_factory=list)

    def message(self) -> str:
        text = f"Imported {self.imported} document(s), {self.passages} passage(s)"
        if self.actions:
            text += f", {self.actions} action(s)"
        if self.duplicates:
            text += f"; {self.duplicates} already in the library"
        if self.failed:
            text += f"; {len(self.failed)} failed"
        if self.cancelled:
            text += " (cancelled: documents imported so far are kept)"
        return text


def import_files(db: Any, job: Job, paths: list[str], options: dict[str, Any] | None = None) -> ImportSummary:
    """Import files and folders, one transaction per document; progress in file counts."""
    from knowledge.library import import_paths

    options = options or {}
    outcomes = import_paths(
        db,
        [str(p) for p in paths],
        kind=options.get("kind"),
        title=options.get("title"),
        date=options.get("date"),
        org=options.get("org"),
        progress=job.progress,
        cancel=job.cancelled,
    )
    summary = ImportSummary(cancelled=job.cancelled())
    for outcome in outcomes:
        if outcome.status == "imported":
            summary.imported += 1
            summary.passages += outcome.passages or 0
            if outcome.document_id:
                summary.document_ids.append(outcome.document_id)
        elif outcome.status == "duplicate":
            summary.duplicates += 1
        else:
            summary.failed.append((str(outcome.path), outcome.reason or "unknown error"))
        summary.actions += getattr(outcome, "actions", 0) or 0
    return summary


def sync_index(db: Any, job: Job, db_path: str | Path, embedder: Any = None) -> str:
    """Embed passages that have no vector yet and bring the vector index up to date."""
    from indexes.sync import sync_index as _sync

    _sync(db, db_path, embed=True, progress=job.progress, cancel=job.cancelled, embedder=embedder)
    job.check()
    try:
        from indexes.matching import suggest_for_pending

        suggest_for_pending(db, embedder=embedder)
    except ImportError:
        pass
    return "ready"


def counts(db: Any) -> dict[str, int]:
    """Documents, passages, and passages still waiting for a vector."""
    docs = db.execute("SELECT count(*) FROM documents").fetchone()[0]
    passages = db.execute("SELECT count(*) FROM passages").fetchone()[0]
    vectors = db.execute("SELECT count(*) FROM passage_vectors").fetchone()[0]
    return {"documents": docs, "passages": passages, "unindexed": max(passages - vectors, 0)}


def load_demo(db: Any, job: Job) -> str:
    from knowledge.demo import load_demo as _load

    job.progress(0, 1, "demo workspace")
    message = _load(db)
    job.progress(1, 1, "demo workspace")
    return message


def delete_document(db: Any, job: Job, document_id: int) -> Any:
    from knowledge.library import delete_document as _delete

    return _delete(db, document_id)


def restore_document(db: Any, job: Job, snapshot: Any) -> Any:
    from knowledge.library import restore_document as _restore

    return _restore(db, snapshot)


def update_document(db: Any, job: Job, document_id: int, fields: dict[str, Any]) -> Any:
    from knowledge.library import update_document as _update

    return _update(db, document_id, **fields)


_local = threading.local()


def searcher_for(db: Any, db_path: str | Path, embedder: Any) -> Any:
    """This thread's Searcher (it keeps the vector index in memory between queries)."""
    from indexes.search import Searcher

    searcher = getattr(_local, "searcher", None)
    if searcher is None or searcher.db is not db or searcher._embedder is not embedder:
        if searcher is not None:
            searcher.close()
        searcher = Searcher(db, db_path, embedder=embedder)
        _local.searcher = searcher
    return searcher


@dataclass
class SearchRequest:
    query: str
    mode: str = "hybrid"
    limit: int = 50
    filters: dict[str, Any] = field(default_factory=dict)
    seq: int = 0


def search(db: Any, job: Job, db_path: str | Path, request: SearchRequest, embedder: Any = None) -> Any:
    """Run one search; returns (seq, SearchResult) so late answers to old queries can be dropped."""
    from indexes.search import SearchFilters

    filters = SearchFilters(**request.filters) if request.filters else None
    searcher = searcher_for(db, db_path, embedder)
    kwargs: dict[str, Any] = {"mode": request.mode, "limit": request.limit}
    if filters is not None:
        kwargs["filters"] = filters
    return request.seq, searcher.search(request.query, **kwargs)


def render_report(
    db: Any, job: Job, db_path: str | Path, kind: str, target: Any, redact: bool
) -> tuple[str, str]:
    """Build a report's markdown, with quoted evidence, and its HTML rendering."""
    from desktop.reporting import build_report
    from indexes.embedder import embedder_loaded
    from knowledge import reports

    # Hybrid evidence search only once the model is in memory: a report must not wait ~5 s for it.
    md, _warning = build_report(
        db, db_path, kind, target, redact=redact, evidence="auto" if embedder_loaded() else "keyword"
    )
    return md, reports.render_html(md, reports.report_title(md))


def write_text(db: Any, job: Job, path: str, text: str) -> str:
    """Save an export whole or not at all: a failed write never leaves half a report over the last one."""
    from knowledge.files import replacing

    with replacing(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


# -- reads for the tracking pages (knowledge/ shapes them; these adapt them for the widgets) --------------
def action_rows(db: Any, organisation_ids: list[int] | None = None) -> list[dict]:
    """Actions as knowledge.actions.list_actions shapes them, optionally only these organisations'."""
    from knowledge.actions import list_actions

    rows = list_actions(db)
    if organisation_ids is not None:
        wanted = set(organisation_ids)
        rows = [r for r in rows if r["organisation_id"] in wanted]
    return rows


def recommendation_progress(db: Any) -> list[dict]:
    """Each recommendation with its confirmed actions' count, done count and mean completion."""
    from knowledge.dashboard import dashboard

    return [
        {
            **rec,
            "done": rec["by_status"]["done"],
            "completion": round(rec["mean_percent"] or 0),
        }
        for rec in dashboard(db)["recommendations"]
    ]


def update_action_field(
    db: Any, job: Job, action_id: int, field: str, value: Any, reason: str | None = None
) -> Any:
    """One inline edit from the actions table: status/percent become progress updates (kept in history)."""
    if field in ("status", "percent"):
        from knowledge.actions import update_progress

        return update_progress(db, action_id, **{field: value}, note=None, who=None)
    if field == "due":
        from knowledge.actions import change_due_date

        return change_due_date(db, action_id, value, reason=reason or "changed in the actions table")
    if field == "owner":
        from knowledge.actions import edit_action

        return edit_action(db, action_id, owner=value or "")
    raise ValueError(f"{field} cannot be edited here")


def backup_database(db: Any, job: Job, target: str) -> str:
    """Copy the database to target; the message to show."""
    from knowledge.backup import backup_database as backup

    info = backup(db, target, overwrite=True)  # the save dialog has already asked about overwriting
    return f"Backed up to {info.path} ({info.describe()})."


def restore_database(db: Any, job: Job, source: str, db_path: str | Path) -> tuple[str, str]:
    """Replace the database's contents with a backup; (the message to show, the copy that undoes it)."""
    from indexes.vectors import delete_index_folder
    from knowledge.backup import restore_database as restore

    report = restore(db, source)
    # The saved search indexes describe the replaced contents; searchers rebuild them from the database.
    delete_index_folder(db_path)
    message = (
        f"Restored {report.restored.describe()} from {Path(source).name}. The previous contents are in "
        f"{report.previous} (File → Undo restore)."
    )
    return message, str(report.previous)


def warm_up() -> None:
    """Import WARM_MODULES now (on the model thread, after the window is shown)."""
    import importlib

    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # an optional library missing shows up later, where it is used
            pass
