"""Bring the vector index up to date: embed passages lacking a vector, then update or rebuild faiss."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import sqlite_utils

from indexes.embedder import (
    Embedder,
    EmbedderUnavailable,
    default_embedder_name,
    embedder_loaded,
    get_embedder,
)
from indexes.terms import FILE as TERMS_FILE
from indexes.terms import TermIndex, TermIndexUnavailable, sync_terms
from indexes.vectors import (
    IndexState,
    VectorIndex,
    index_folder,
    open_index,
    reconcile,
    saved_index_current,
)

BATCH_SIZE = 256

# Whether passages are embedded as "title text" (as BEIR encodes documents) or text alone. Measured on
# SciFact train queries with all-MiniLM-L6-v2 (see benchmarks/scifact.py): the title helps.
EMBED_TITLE = True

Progress = Callable[[int, int, str], None]


class IndexUnavailable(Exception):
    """The embedding model or vector index cannot be used; keyword search still works."""


@dataclass
class SyncReport:
    """What one sync did."""

    embedded: int = 0
    pending: int = 0  # passages that lacked a vector when the sync started
    cancelled: bool = False
    index: IndexState | None = None
    embedded_ids: list[int] = field(default_factory=list)


def embedding_text(title: str | None, text: str) -> str:
    """The text a passage is embedded as."""
    if EMBED_TITLE and title:
        return f"{title}\n{text}"
    return text


def pending_ids(db: sqlite_utils.Database, model: str) -> list[int]:
    """Passages without a vector for this model, shortest first (similar lengths batch efficiently)."""
    rows = db.execute(
        "SELECT p.id FROM passages p WHERE NOT EXISTS "
        "(SELECT 1 FROM passage_vectors v WHERE v.passage_id = p.id AND v.model = ?) "
        "ORDER BY length(p.text), p.id",
        [model],
    )
    return [r[0] for r in rows]


def unembedded_count(db: sqlite_utils.Database, model: str | None = None) -> int:
    """How many passages still lack a vector for model (default: the embedder in use), without loading it."""
    if model is None:
        model = _current_model_name()
    row = db.execute(
        "SELECT count(*) FROM passages p WHERE NOT EXISTS "
        "(SELECT 1 FROM passage_vectors v WHERE v.passage_id = p.id AND v.model = ?)",
        [model],
    ).fetchone()
    return int(row[0])


def _current_model_name() -> str:
    return default_embedder_name()


def missing_vectors(db: sqlite_utils.Database, model: str) -> int:
    """How many passages lack a vector for `model`: two counts on indexes, cheap enough for every search
    (a vector cannot outlive its passage, so equal counts mean none is missing)."""
    passages = db.execute("SELECT count(*) FROM passages").fetchone()[0]
    if not passages:
        return 0
    vectors = db.execute("SELECT count(*) FROM passage_vectors WHERE model = ?", [model]).fetchone()[0]
    return int(passages - vectors) if vectors < passages else 0


def up_to_date(db: sqlite_utils.Database, db_path: str | Path, model: str | None = None) -> bool:
    """Every passage has a vector for the model (default: the embedder in use) and the saved faiss
    index holds exactly those: nothing to embed, nothing to rebuild, no model or faiss to load."""
    model = model or _current_model_name()
    return unembedded_count(db, model) == 0 and saved_index_current(db, db_path, model)


def _texts(db: sqlite_utils.Database, ids: Sequence[int]) -> tuple[list[int], list[str]]:
    marks = ", ".join("?" for _ in ids)
    rows = db.execute(
        f"SELECT p.id, d.title, p.text FROM passages p JOIN documents d ON d.id = p.document_id "
        f"WHERE p.id IN ({marks})",
        list(ids),
    ).fetchall()
    by_id = {r[0]: embedding_text(r[1], r[2]) for r in rows}
    kept = [i for i in ids if i in by_id]  # a passage deleted meanwhile is simply skipped
    return kept, [by_id[i] for i in kept]


def _store(db: sqlite_utils.Database, model: str, ids: Sequence[int], vectors: np.ndarray) -> None:
    dim = int(vectors.shape[1])
    rows = [
        (int(i), model, dim, np.ascontiguousarray(v, dtype=np.float32).tobytes())
        for i, v in zip(ids, vectors, strict=True)
    ]
    with db.atomic():
        # Only passages that still exist: a concurrent delete must not leave an orphan vector behind.
        db.conn.executemany(
            "INSERT OR REPLACE INTO passage_vectors (passage_id, model, dim, vector) "
            "SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM passages WHERE id = ?)",
            [(*row, row[0]) for row in rows],
        )


def embed_pending(
    db: sqlite_utils.Database,
    embedder: Embedder,
    *,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> SyncReport:
    """Embed every passage lacking a vector for the embedder's model, one committed transaction per batch.

    Killing the process loses at most the batch in flight; running again embeds only what is left.
    """
    ids = pending_ids(db, embedder.name)
    report = SyncReport(pending=len(ids))
    if progress and ids:
        progress(0, len(ids), "embedding passages")
    for start in range(0, len(ids), batch_size):
        if cancel is not None and cancel():
            report.cancelled = True
            break
        batch, texts = _texts(db, ids[start : start + batch_size])
        if not batch:
            continue
        vectors = embedder.encode(texts)
        _store(db, embedder.name, batch, vectors)
        report.embedded += len(batch)
        report.embedded_ids.extend(batch)
        if progress:
            progress(min(start + batch_size, len(ids)), len(ids), "embedding passages")
    return report


def _saved_model(db_path: str | Path) -> tuple[str, int] | None:
    try:
        config = json.loads((index_folder(db_path) / "config.json").read_text(encoding="utf-8"))
        return str(config["model"]), int(config["dim"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def sync_index(
    db: sqlite_utils.Database,
    db_path: str | Path,
    *,
    embed: bool = True,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
    embedder: Embedder | None = None,
    rebuild: bool = False,
) -> SyncReport:
    """Embed passages without vectors (unless embed=False) and make the faiss index agree with the database.

    With embed=False and no model in memory, only the saved index is reconciled (after a delete),
    so the model is not loaded for nothing. Raises IndexUnavailable when the model cannot load (the
    keyword term index is brought up to date first, so keyword search is fast either way).
    """
    update_term_index(db, db_path, rebuild=rebuild, progress=progress)
    if not rebuild and embed and up_to_date(db, db_path, embedder.name if embedder else None):
        return SyncReport(index=IndexState("loaded"))
    if embedder is None and (embed or embedder_loaded()):
        try:
            embedder = get_embedder()
        except EmbedderUnavailable as exc:
            raise IndexUnavailable(str(exc)) from exc
    if embedder is not None:
        model, dim = embedder.name, embedder.dim
    else:
        saved = _saved_model(db_path)
        if saved is None:
            return SyncReport()  # no index yet: it is built on the first sync that embeds
        model, dim = saved
    report = SyncReport()
    if embed and embedder is not None:
        report = embed_pending(db, embedder, progress=progress, cancel=cancel)
    if progress:
        progress(0, 1, "updating vector index")
    _, report.index = open_index(db, db_path, model, dim, rebuild=rebuild, refresh=report.embedded_ids)
    if progress:
        progress(1, 1, "updating vector index")
    return report


def refresh_index(db: sqlite_utils.Database, index: VectorIndex, refresh: Sequence[int] = ()) -> IndexState:
    """Bring an in-memory index up to date with the database (no embedding)."""
    return reconcile(db, index, refresh)


def update_term_index(
    db: sqlite_utils.Database, db_path: str | Path, *, rebuild: bool = False, progress: Progress | None = None
) -> TermIndex | None:
    """Bring the saved BM25 term index up to date (indexes/terms.py); None when it cannot be kept.

    It is derived data that only speeds keyword ranking up, so a database without the FTS5 table or
    a folder that cannot be written leaves search on FTS5 instead of failing the sync.
    """
    if str(db_path) == ":memory:":
        return None
    folder = index_folder(db_path)
    if rebuild:
        (folder / TERMS_FILE).unlink(missing_ok=True)
    if progress:
        progress(0, 1, "updating keyword index")
    try:
        index = sync_terms(db, folder)
    except (TermIndexUnavailable, OSError):
        return None
    if progress:
        progress(1, 1, "updating keyword index")
    return index
