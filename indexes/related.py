"""Related passages: the nearest passages by meaning in other documents, for a passage or a recommendation."""

from __future__ import annotations

import numpy as np
import sqlite_utils

from indexes.search import Hit, Searcher, build_hits


def _passage_vector(
    db: sqlite_utils.Database, searcher: Searcher, passage_id: int
) -> tuple[np.ndarray, int] | None:
    """The stored vector of a passage (no re-embedding) and its document; None if either is missing."""
    embedder = searcher.embedder()
    if embedder is None:
        return None
    row = db.execute(
        "SELECT v.dim, v.vector, p.document_id FROM passages p "
        "JOIN passage_vectors v ON v.passage_id = p.id AND v.model = ? WHERE p.id = ?",
        [embedder.name, int(passage_id)],
    ).fetchone()
    if row is None:
        text_row = db.execute(
            "SELECT text, document_id FROM passages WHERE id = ?", [int(passage_id)]
        ).fetchone()
        if text_row is None:
            return None
        return embedder.encode([text_row[0]])[0], text_row[1]
    return np.frombuffer(row[1], dtype=np.float32).reshape(row[0]), row[2]


def related_passages(
    db: sqlite_utils.Database,
    searcher_or_index: Searcher,
    passage_id: int | None = None,
    text: str | None = None,
    limit: int = 5,
    exclude_document_id: int | None = None,
) -> list[Hit]:
    """Passages closest in meaning to a passage (by id) or to a text, from documents other than its own.

    Returns [] when the model or index is unavailable, or the passage does not exist.
    """
    searcher = searcher_or_index
    index = searcher.vector_index()
    if index is None or limit <= 0:
        return []
    if passage_id is not None:
        found = _passage_vector(db, searcher, passage_id)
        if found is None:
            return []
        vector, own_document = found
        exclude = {own_document}
    elif text and text.strip():
        vector = searcher.embedder().encode([text.strip()])[0]
        exclude = set()
    else:
        return []
    if exclude_document_id is not None:
        exclude.add(int(exclude_document_id))
    # Over-fetch, then drop passages of excluded documents (usually few of the nearest are).
    depth = limit * 4 + 20
    while True:
        ranked = index.search(vector, depth)[0]
        doc_of = searcher._documents_of({pid for pid, _ in ranked})
        kept = [(pid, score) for pid, score in ranked if doc_of.get(pid) not in exclude and pid in doc_of]
        if len(kept) >= limit or depth >= index.count:
            break
        depth *= 4
    return build_hits(db, None, kept[:limit])


def related_to_recommendation(
    db: sqlite_utils.Database, searcher: Searcher, recommendation_id: int, limit: int = 5
) -> list[Hit]:
    """Passages closest in meaning to a recommendation (its title and summary)."""
    row = db.execute(
        "SELECT title, summary FROM recommendations WHERE id = ?", [int(recommendation_id)]
    ).fetchone()
    if row is None:
        return []
    return related_passages(db, searcher, text=f"{row[0]}. {row[1]}", limit=limit)
