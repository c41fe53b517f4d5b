"""Library operations: import, index, search, edit, delete and restore documents, load the demo."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.operations.changes import Changes, Result

Progress = Callable[[int, int, str], None] | None
Cancel = Callable[[], bool] | None

DOCUMENTS = Changes(documents=True, passages=True, actions=True, links=True, organisations=True)
INDEX = Changes(passages=True, links=True)  # new vectors, and suggested links for new draft actions


@dataclass
class ImportSummary:
    """What an import did, for the status bar, the failure dialog and the command line's summary."""

    imported: int = 0
    duplicates: int = 0
    passages: int = 0
    actions: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    cancelled: bool = False
    document_ids: list[int] = field(default_factory=list)
    outcomes: list[Any] = field(default_factory=list)  # knowledge.library.ImportOutcome, one per file/line

    @property
    def changes(self) -> Changes:
        return DOCUMENTS if self.imported or self.actions else Changes()

    def failed_outcomes(self) -> list[Any]:
        return [o for o in self.outcomes if o.status == "failed"]

    def warnings(self) -> list[tuple[str, str]]:
        """(file or .jsonl line, warning) for what was imported but not as expected, in import order."""
        return [(str(o.path), w) for o in self.outcomes for w in getattr(o, "warnings", None) or ()]

    def message(self) -> str:
        """The window's status-bar line."""
        text = f"Imported {self.imported} document(s), {self.passages} passage(s)"
        if self.actions:
            text += f", {self.actions} action(s)"
        if self.duplicates:
            text += f"; {self.duplicates} already in the library"
        if self.failed:
            text += f"; {len(self.failed)} failed"
        notes = self.warnings()
        if notes:
            path, first = notes[0]
            more = f" (and {len(notes) - 1} more)" if len(notes) > 1 else ""
            text += f"; {Path(path).name}: {first}{more}"
        if self.cancelled:
            text += " (cancelled: documents imported so far are kept)"
        return text

    def cli_line(self) -> str:
        """The command line's summary on stderr (scripts read its start: keep the wording)."""
        text = f"imported {self.imported} document(s), {self.passages} passage(s)"
        if self.actions:
            text += f", {self.actions} action(s)"
        if self.duplicates:
            text += f"; skipped {self.duplicates} already imported"
        if self.failed:
            text += f"; {len(self.failed)} failed"
        return text


def summarise(outcomes: list[Any], cancelled: bool = False) -> ImportSummary:
    """Count import outcomes once, for both the window and the command line."""
    summary = ImportSummary(cancelled=cancelled, outcomes=list(outcomes))
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


def import_files(
    db: Any,
    paths: list[str],
    options: dict[str, Any] | None = None,
    *,
    progress: Progress = None,
    cancel: Cancel = None,
    who: str | None = None,
) -> Result[ImportSummary]:
    """Import files and folders, one transaction per document; progress in file counts.

    Raises ValueError for an invalid kind or date (nothing was read)."""
    from knowledge.library import import_paths

    options = options or {}
    outcomes = import_paths(
        db,
        [str(p) for p in paths],
        kind=options.get("kind"),
        title=options.get("title"),
        date=options.get("date"),
        org=options.get("org"),
        progress=progress,
        cancel=cancel,
        who=who,
    )
    summary = summarise(outcomes, cancelled=bool(cancel and cancel()))
    return Result(summary, summary.changes)


def index_passages(
    db: Any,
    db_path: str | Path,
    *,
    embedder: Any = None,
    embed: bool = True,
    progress: Progress = None,
    cancel: Cancel = None,
) -> Result[str]:
    """Embed passages without a vector, bring the indexes up to date, then suggest recommendations for
    new draft actions. Raises indexes.sync.IndexUnavailable when the model cannot load."""
    from indexes.sync import sync_index

    sync_index(db, db_path, embed=embed, progress=progress, cancel=cancel, embedder=embedder)
    if cancel is not None and cancel():
        return Result("cancelled", Changes(passages=True))
    if embed:
        from indexes.matching import suggest_for_pending

        suggest_for_pending(db, embedder=embedder)
    return Result("ready", INDEX)


def pending_passages(db: Any) -> int:
    """Passages still waiting for a vector (an import interrupted while embedding)."""
    from indexes.sync import unembedded_count

    return unembedded_count(db)


def load_demo(db: Any, *, progress: Progress = None) -> Result[str]:
    """Fill the database with the demo workspace; raises knowledge.demo.DemoAlreadyLoaded."""
    from knowledge.demo import load_demo as _load

    if progress:
        progress(0, 1, "demo workspace")
    message = _load(db)
    if progress:
        progress(1, 1, "demo workspace")
    return Result(message, Changes.everything())


def update_document(
    db: Any, document_id: int, fields: dict[str, Any], *, who: str | None = None
) -> Result[Any]:
    from knowledge.library import update_document as _update

    return Result(_update(db, document_id, **fields, who=who), Changes(documents=True, organisations=True))


def delete_document(db: Any, document_id: int, *, who: str | None = None) -> Result[Any]:
    """Move a document, with its passages, vectors and links, to the document bin; the value is the
    snapshot that restore_document undoes it with (None when there was no such document)."""
    from knowledge.library import delete_document as _delete

    snapshot = _delete(db, document_id, who=who)
    return Result(snapshot, DOCUMENTS if snapshot else Changes())


def _sync_indexes(db: Any, db_path: str | Path) -> None:
    """Bring the saved indexes in step with passages that left or came back (no model needed)."""
    from indexes.sync import IndexUnavailable

    try:
        index_passages(db, db_path, embed=False)
    except IndexUnavailable:
        pass  # the vector index reconciles itself with the database on next load


def delete_documents(
    db: Any, db_path: str | Path, document_ids: list[int], *, who: str | None = None
) -> Result[list[int]]:
    """Delete several documents (to the bin) and take their passages out of the indexes; the value is the
    missing ids."""
    missing = [doc_id for doc_id in document_ids if not delete_document(db, doc_id, who=who).value]
    if len(missing) == len(document_ids):
        return Result(missing, Changes())
    _sync_indexes(db, db_path)
    return Result(missing, DOCUMENTS)


def restore_document(db: Any, snapshot: Any, *, who: str | None = None) -> Result[int]:
    """Put a deleted document back from the bin, by id or by the snapshot delete_document gave (Undo); its
    passages come back with their vectors. Raises LookupError (not in the bin) or ValueError (imported
    again since)."""
    from knowledge.library import restore_document as _restore

    return Result(_restore(db, snapshot, who=who), DOCUMENTS)


def restore_documents(
    db: Any, db_path: str | Path, document_ids: list[int], *, who: str | None = None
) -> Result[list[tuple[int, int | str]]]:
    """Restore several documents from the bin and put their passages back in the indexes; the value is
    (id asked for, id restored as, or the reason it could not be) for each."""
    outcomes: list[tuple[int, int | str]] = []
    for doc_id in document_ids:
        try:
            outcomes.append((doc_id, restore_document(db, doc_id, who=who).value))
        except (LookupError, ValueError) as exc:
            outcomes.append((doc_id, str(exc)))
    if any(isinstance(result, int) for _, result in outcomes):
        _sync_indexes(db, db_path)
        return Result(outcomes, DOCUMENTS)
    return Result(outcomes, Changes())


def deleted_documents(db: Any) -> list[dict[str, Any]]:
    """The documents in the bin that can be restored (document_id, title, deleted_at, deleted_by)."""
    from knowledge.library import deleted_documents as _deleted

    return _deleted(db)


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


def search(db: Any, db_path: str | Path, request: SearchRequest, embedder: Any = None) -> tuple[int, Any]:
    """Run one search; returns (seq, SearchResult) so late answers to old queries can be dropped."""
    from indexes.search import SearchFilters

    filters = SearchFilters(**request.filters) if request.filters else None
    searcher = searcher_for(db, db_path, embedder)
    kwargs: dict[str, Any] = {"mode": request.mode, "limit": request.limit}
    if filters is not None:
        kwargs["filters"] = filters
    return request.seq, searcher.search(request.query, **kwargs)
