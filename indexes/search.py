"""Keyword, semantic and hybrid search over passages, with filters, per-document grouping and snippets."""

from __future__ import annotations

import html
import sqlite3
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sqlite_utils

from indexes.embedder import Embedder, EmbedderUnavailable, get_embedder
from indexes.fusion import collapse, reciprocal_rank_fusion, score_fusion
from indexes.keyword import (
    MARK_CLOSE,
    MARK_OPEN,
    SearchFilters,
    clean_text,
    coverage,
    filter_sql,
    highlight,
    highlight_pattern,
    keyword_search,
    opening_words,
    word_patterns,
    words_query,
)
from indexes.query import ParsedQuery, fts_exclusions, fts_match, parse
from indexes.relevance import NEAREST, Levels, Relevance, best, keyword_level, levels_for, semantic_level
from indexes.termquery import Evaluation, exclusions_expr, fetch_passages, match_expr, words_expr
from indexes.terms import FILE as TERMS_FILE
from indexes.terms import TermIndex, TermIndexUnavailable, sync_terms
from indexes.vectors import VectorIndex, index_folder, load_vectors, open_index, reconcile, stored_stats

__all__ = [
    "Hit",
    "SearchFilters",
    "SearchResult",
    "Searcher",
    "snippet_to_html",
    "snippet_to_plain",
]

MODES = ("hybrid", "semantic", "keyword")
CANDIDATES = 100  # per list; bounded so fusion and metadata cost stay tiny beside the model and faiss
# Passages a search may tokenise to bring the saved term index up to date in memory; past this, FTS5
# ranks until the next sync (import, delete, `roundtable index`) saves a fresh term index.
TERMS_CATCH_UP = 5_000

# Fusion chosen on SciFact train queries (benchmarks/scifact.py --fusion, per-document nDCG@10): min-max
# normalised score fusion with equal, untuned weights 0.737 vs reciprocal rank fusion (k=60) 0.723;
# keyword alone 0.703, semantic alone 0.660. Min-max keeps how far ahead the best candidates of each list
# are, which RRF throws away.
FUSION = "score"  # or "rrf"
RRF_K = 60
FUSION_WEIGHTS = (0.5, 0.5)  # (keyword, semantic)


@dataclass
class Hit:
    """One search result: a passage, where it comes from, and a snippet with <mark>ed matching words."""

    passage_id: int
    document_id: int
    external_id: str | None
    title: str
    page: int | None
    section: str | None
    kind: str
    date: str | None
    score: float
    snippet: str
    text: str
    relevance: str = Relevance.LOW  # high / medium / low (indexes/relevance.py), what the window shows
    similarity: float | None = None  # cosine to the query, when the search used the model

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SearchResult:
    """The hits for one query, the mode actually used, and a warning to show the user (at most once)."""

    query: str
    mode: str
    hits: list[Hit]
    warning: str | None = None
    # When no semantic or hybrid result passes the relevance floor: the closest few, offered on request.
    nearest: list[Hit] = field(default_factory=list)

    @property
    def no_close_match(self) -> bool:
        """Nothing passed the relevance floor (there may still be nearest passages to offer)."""
        return not self.hits and self.mode != "keyword"


def snippet_to_html(snippet: str) -> str:
    """Escape a snippet for HTML, keeping its <mark> highlights as real tags."""
    parts = []
    for i, chunk in enumerate(snippet.split(MARK_OPEN)):
        if i == 0:
            parts.append(html.escape(chunk))
            continue
        marked, _, rest = chunk.partition(MARK_CLOSE)
        parts.append(f"<mark>{html.escape(marked)}</mark>{html.escape(rest)}")
    return "".join(parts)


def snippet_to_plain(snippet: str, open_mark: str = "", close_mark: str = "") -> str:
    """A snippet as plain text; highlights become open_mark/close_mark (e.g. ANSI bold, or brackets)."""
    return snippet.replace(MARK_OPEN, open_mark).replace(MARK_CLOSE, close_mark)


class Searcher:
    """Searches one database; keeps the vector index in memory and in step with the database.

    The model is loaded on the first semantic or hybrid search (or never, for keyword search). If it
    cannot be loaded, those searches fall back to keyword mode; the first such result carries a warning.
    """

    def __init__(self, db: sqlite_utils.Database, db_path: str | Path, embedder: Embedder | None = None):
        self.db = db
        self.db_path = db_path
        self._embedder = embedder
        self.unavailable: str | None = None  # why semantic search cannot run, once known
        self._warned = False
        self._index: VectorIndex | None = None
        self._index_key: tuple | None = None
        self._lock = threading.RLock()
        self._pool: ThreadPoolExecutor | None = None
        self._reader: sqlite3.Connection | None = None
        self._terms: TermIndex | None = None
        self._terms_key: tuple | None = None

    # -- the model and the index ---------------------------------------------------------------------
    def embedder(self) -> Embedder | None:
        """The embedding model, loading it on first use; None when it cannot be loaded."""
        if self._embedder is None and self.unavailable is None:
            try:
                self._embedder = get_embedder()
            except EmbedderUnavailable as exc:
                self.unavailable = str(exc)
        return self._embedder

    def _change_key(self, file: str = "config.json") -> tuple:
        # data_version moves when another connection commits; total_changes when this one writes.
        version = self.db.execute("PRAGMA data_version").fetchone()[0]
        try:
            mtime = (index_folder(self.db_path) / file).stat().st_mtime_ns
        except OSError:
            mtime = None
        return version, self.db.conn.total_changes, mtime

    def vector_index(self) -> VectorIndex | None:
        """The in-memory faiss index, loaded (or rebuilt from SQLite) on first use and kept current."""
        embedder = self.embedder()
        if embedder is None:
            return None
        with self._lock:
            key = self._change_key()
            if self._index is None or (self._index_key is not None and key[2] != self._index_key[2]):
                self._index, _ = open_index(self.db, self.db_path, embedder.name, embedder.dim)
                key = self._change_key()
            elif key != self._index_key and self._index.stats() != stored_stats(self.db, embedder.name):
                reconcile(self.db, self._index)
            self._index_key = key
            return self._index

    @property
    def on_server(self) -> bool:
        """Whether the database is a PostgreSQL team workspace (no FTS5: the term index answers all)."""
        return getattr(self.db, "dialect", "sqlite") == "postgresql"

    def term_index(self) -> TermIndex | None:
        """The saved BM25 term index, kept current in memory; None means rank keywords with FTS5.

        A team workspace has no FTS5 to fall back on: its index (a local cache) is built from the server
        when missing and caught up however far behind it is."""
        if str(self.db_path) == ":memory:":
            return None
        if self.on_server:
            return self._server_terms()
        with self._lock:
            key = self._change_key(TERMS_FILE)
            if key == self._terms_key:
                return self._terms
            if self._terms is None or self._terms_key is None or key[2] != self._terms_key[2]:
                try:
                    self._terms = TermIndex.load(index_folder(self.db_path), self.db)
                except TermIndexUnavailable:
                    self._terms = None
            if self._terms is not None and self._terms.reconcile(self.db, TERMS_CATCH_UP) is None:
                self._terms = None  # too far behind to catch up during a search
            self._terms_key = key
            return self._terms

    def _server_terms(self) -> TermIndex:
        with self._lock:
            key = self._change_key(TERMS_FILE)
            if self._terms is not None and key == self._terms_key:
                return self._terms
            if self._terms is None or self._terms_key is None or key[2] != self._terms_key[2]:
                self._terms = TermIndex.load(index_folder(self.db_path), self.db)
            if self._terms is None or self._terms.reconcile(self.db, TERMS_CATCH_UP) is None:
                try:  # missing, or too far behind to catch up in memory: bring the saved cache up to date
                    self._terms = sync_terms(self.db, index_folder(self.db_path))
                except OSError:  # a cache folder that cannot be written: keep the index in memory only
                    self._terms = TermIndex.build(self.db)
            self._terms_key = self._change_key(TERMS_FILE)
            return self._terms

    def refresh(self) -> None:
        """Forget the in-memory indexes so the next search reloads them (after an outside rebuild)."""
        with self._lock:
            self._index = None
            self._index_key = None
            self._terms = None
            self._terms_key = None

    # -- searching -----------------------------------------------------------------------------------
    def search(
        self,
        query: str,
        *,
        mode: str = "hybrid",
        limit: int = 10,
        per_document: bool = False,
        filters: SearchFilters | None = None,
    ) -> SearchResult:
        """Search passages; see search_many."""
        return self.search_many([query], mode=mode, limit=limit, per_document=per_document, filters=filters)[
            0
        ]

    def search_many(
        self,
        queries: Sequence[str | ParsedQuery],
        *,
        mode: str = "hybrid",
        limit: int = 10,
        per_document: bool = False,
        filters: SearchFilters | None = None,
    ) -> list[SearchResult]:
        """Search several queries with one model call for all their vectors."""
        if mode not in MODES:
            raise ValueError(f"unknown search mode {mode!r} (expected one of {', '.join(MODES)})")
        # Parsed once: keyword matching, the syntax filters and embedding all use it. Callers searching
        # with prose rather than typed queries (evidence for a report) may pass query.plain_words(text).
        parsed = [
            q if isinstance(q, ParsedQuery) else parse(clean_text(q) if isinstance(q, str) else "")
            for q in queries
        ]
        texts = [q.text for q in parsed]
        limit = max(0, int(limit))
        depth = max(CANDIDATES, limit * (2 if per_document else 1))
        used, warning = mode, None
        index = None
        if mode != "keyword":
            index, warning = self._semantic_ready()
            if index is None:
                used = "keyword"
        allowed = self._allowed_ids(filters) if filters and not filters.is_empty() else None
        keyword_lists = self._keyword_lists(parsed, depth, filters, allowed) if used != "semantic" else None
        semantic_lists: list[list[tuple[int, float]]] = [[] for _ in parsed]
        vectors = None
        if used != "keyword" and parsed:
            semantic_lists, vectors = self._semantic_lists(index, parsed, depth, allowed)
        keyword_all = keyword_lists() if keyword_lists is not None else [[] for _ in parsed]
        levels = levels_for(self._embedder)
        results = []
        for row, query in enumerate(parsed):
            keyword = keyword_all[row]
            semantic = semantic_lists[row]
            ranked = self._rank(keyword, semantic, used, per_document)
            nearest: list[tuple[int, float]] = []
            if used != "keyword":
                # Semantic mode ranks by meaning alone, but a passage sharing the query's words is no
                # "no close match" either: its candidates that do are found with one FTS5 lookup.
                words = keyword if used == "hybrid" else self._sharing_words(query, semantic)
                ranked, nearest = self._above_floor(ranked, words, semantic, levels.floor, per_document)
            scoring = _Scoring(used, semantic, vectors[row] if vectors is not None else None, levels)
            hits = self._hits(query, ranked[:limit], scoring)
            near = self._hits(query, nearest[: min(limit, NEAREST)], scoring) if not hits else []
            results.append(SearchResult(texts[row], used, hits, warning if row == 0 else None, near))
        return results

    def _semantic_lists(
        self, index: VectorIndex, queries: list[ParsedQuery], depth: int, allowed: np.ndarray | None
    ) -> tuple[list[list[tuple[int, float]]], np.ndarray]:
        """Nearest passages per query by meaning, honouring each query's syntax (exclusions, phrases).

        Queries without syntax share one faiss call; the others are restricted to the passages their
        syntax allows (an excluded word removes a passage in every mode)."""
        texts = [q.semantic_text for q in queries]
        vectors = self._embedder.encode(texts)
        lists: list[list[tuple[int, float]]] = [[] for _ in queries]
        shared = []
        for row, query in enumerate(queries):
            if not texts[row]:
                continue
            own = self._syntax_allowed(query, allowed, index)
            if own is None:
                shared.append(row)
            else:
                lists[row] = index.search(vectors[row : row + 1], depth, own)[0]
        if shared:
            found = index.search(vectors[shared], depth, allowed)  # one faiss call for the batch
            for row, ranked in zip(shared, found, strict=True):
                lists[row] = ranked
        return lists, vectors

    def _syntax_allowed(
        self, query: ParsedQuery, allowed: np.ndarray | None, index: VectorIndex
    ) -> np.ndarray | None:
        """The passages a query's syntax allows, within `allowed`; None when the syntax changes nothing.

        The same FTS5 expressions either way: matched by FTS5 in a file, by the term index on a team
        workspace (which has no FTS5)."""
        excludes_only = query.excluded and not query.constrains
        if self.on_server:
            with self._lock:
                found = self._evaluation()
                constrained = found.matching(match_expr(query)) if query.constrains else None
                drop = found.matching(exclusions_expr(query)) if excludes_only else None
        else:
            constrained = self._fts_ids(fts_match(query)) if query.constrains else None
            drop = self._fts_ids(fts_exclusions(query)) if excludes_only else None
        if constrained is not None and allowed is not None:
            return np.intersect1d(constrained, allowed, assume_unique=True)
        if constrained is not None:
            return constrained
        if drop is None or not len(drop):
            return None
        return np.setdiff1d(index.ids() if allowed is None else allowed, drop, assume_unique=True)

    def _evaluation(self) -> Evaluation:
        return Evaluation(self._server_terms(), fetch_passages(self.db))

    def _fts_ids(self, match: str | None) -> np.ndarray:
        if match is None:
            return np.zeros(0, dtype=np.int64)
        rows = self.db.execute("SELECT rowid FROM passages_fts WHERE passages_fts MATCH ?", [match])
        return np.unique(np.fromiter((r[0] for r in rows), dtype=np.int64))

    def _sharing_words(
        self, query: ParsedQuery, candidates: list[tuple[int, float]]
    ) -> list[tuple[int, float]]:
        """The candidates holding at least one of the query's searched words (as FTS5 matches them)."""
        match = words_query(query)
        if match is None or not candidates:
            return []
        ids = [int(pid) for pid, _ in candidates]
        if self.on_server:
            with self._lock:
                held = set(self._evaluation().matching(words_expr(query.words), ids).tolist())
            return [(pid, score) for pid, score in candidates if pid in held]
        marks = ", ".join("?" for _ in ids)
        rows = self.db.execute(
            f"SELECT rowid FROM passages_fts WHERE passages_fts MATCH ? AND rowid IN ({marks})", [match, *ids]
        )
        found = {r[0] for r in rows}
        return [(pid, score) for pid, score in candidates if pid in found]

    def _above_floor(
        self,
        ranked: list[tuple[int, float]],
        keyword: list[tuple[int, float]],
        semantic: list[tuple[int, float]],
        floor: float,
        per_document: bool,
    ) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
        """(results that pass the relevance floor, the nearest ones when none does).

        A result passes when it holds the query's words (`keyword`) or is at least `floor` similar by
        meaning: nonsense has neither. Ranking is left as fused, so what passes keeps its order and score."""
        passing = {pid for pid, _ in keyword} | {pid for pid, cos in semantic if cos >= floor}
        if per_document:
            doc_of = self._documents_of({pid for pid, _ in ranked} | passing)
            documents = {doc_of.get(pid) for pid in passing}
            kept = [(pid, score) for pid, score in ranked if doc_of.get(pid) in documents]
        else:
            kept = [(pid, score) for pid, score in ranked if pid in passing]
        return kept, ([] if kept else ranked)

    def _keyword_lists(
        self,
        queries: list[ParsedQuery],
        depth: int,
        filters: SearchFilters | None,
        allowed: np.ndarray | None,
    ) -> Callable[[], list[list[tuple[int, float]]]]:
        """Keyword candidates per query, ranked by the term index where it can, else by FTS5.

        Returns a function to call for the lists: FTS5 work runs on a second connection meanwhile.
        """
        terms = self.term_index()
        fast: list[list[tuple[int, float]] | None] = [None] * len(queries)
        if terms is not None:
            with self._lock:
                fast = [terms.search(q, depth, allowed) for q in queries]
        missing = [i for i, found in enumerate(fast) if found is None]
        if not missing:
            return lambda: fast  # type: ignore[return-value]
        pending = self._keyword_async([queries[i] for i in missing], depth, filters)

        def collect() -> list[list[tuple[int, float]]]:
            for i, found in zip(missing, pending.result(), strict=True):
                fast[i] = found
            return fast  # type: ignore[return-value]

        return collect

    def _keyword_async(self, queries: list[ParsedQuery], depth: int, filters: SearchFilters | None) -> Future:
        """Keyword candidates computed on a second, read-only connection while the model encodes.

        SQLite releases the GIL while it ranks, so with a spare core the bm25 cost hides behind the model
        (measured: batch search 0.92x the sequential bare pipeline; on 2 busy cores single queries gain
        nothing, and lose nothing).
        """
        if self.on_server:  # the term index answers in this process: nothing to wait for on the server
            done: Future = Future()
            with self._lock:
                terms = self._server_terms()
                done.set_result(
                    [keyword_search(self.db, q, limit=depth, filters=filters, terms=terms) for q in queries]
                )
            return done
        reader = self._read_connection()
        if reader is None:  # an in-memory database has no second connection: run inline
            done = Future()
            done.set_result([keyword_search(self.db, q, limit=depth, filters=filters) for q in queries])
            return done
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="keyword-search")
        database = sqlite_utils.Database(reader)
        return self._pool.submit(
            lambda: [keyword_search(database, q, limit=depth, filters=filters) for q in queries]
        )

    def _read_connection(self) -> sqlite3.Connection | None:
        if self._reader is None and str(self.db_path) != ":memory:" and Path(self.db_path).exists():
            uri = Path(self.db_path).resolve().as_uri() + "?mode=ro"
            try:
                self._reader = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
            except sqlite3.Error:
                return None
        return self._reader

    def close(self) -> None:
        """Release the worker thread and the read connection."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def _semantic_ready(self) -> tuple[VectorIndex | None, str | None]:
        """The vector index when semantic search can run, else (None, warning-to-show-once)."""
        index = self.vector_index()
        reason = self.unavailable
        if index is not None and index.count == 0 and self._has_passages():
            reason = "no passage has been embedded yet (run `roundtable index`)"
        elif index is not None:
            return index, None
        if reason is None:
            return index, None
        if self._warned:
            return None, None
        self._warned = True
        return None, f"semantic search unavailable: {reason}; showing keyword results"

    def _has_passages(self) -> bool:
        return self.db.execute("SELECT 1 FROM passages LIMIT 1").fetchone() is not None

    def _allowed_ids(self, filters: SearchFilters) -> np.ndarray:
        terms = self._server_terms() if self.on_server else None
        condition, params = filter_sql(filters, db=self.db, terms=terms)
        rows = self.db.execute(
            f"SELECT p.id FROM passages p JOIN documents d ON d.id = p.document_id WHERE {condition}", params
        )
        return np.fromiter((r[0] for r in rows), dtype=np.int64)

    def _rank(
        self,
        keyword: list[tuple[int, float]],
        semantic: list[tuple[int, float]],
        mode: str,
        per_document: bool,
    ) -> list[tuple[int, float]]:
        """One ranked list of (passage_id, score); per_document keeps each document's best passage."""
        lists = [keyword] if mode == "keyword" else [semantic] if mode == "semantic" else [keyword, semantic]
        if not per_document:
            return lists[0] if len(lists) == 1 else fuse(lists)
        doc_of = self._documents_of({pid for ranked in lists for pid, _ in ranked})
        collapsed = [collapse(ranked, doc_of) for ranked in lists]
        if len(lists) == 1:
            return [(pid, score) for _doc, score, pid in collapsed[0]]
        # Fuse at document level (a document's rank in each list is that of its best passage); show the
        # passage the stronger list ranked best for it.
        best_passage: dict[int, tuple[int, int]] = {}
        for ranked in collapsed:
            for rank, (doc, _score, pid) in enumerate(ranked):
                if doc not in best_passage or rank < best_passage[doc][0]:
                    best_passage[doc] = (rank, pid)
        fused = fuse([[(doc, score) for doc, score, _pid in ranked] for ranked in collapsed])
        return [(best_passage[doc][1], score) for doc, score in fused]

    def _documents_of(self, passage_ids: set[int]) -> dict[int, int]:
        if not passage_ids:
            return {}
        ids = list(passage_ids)
        out: dict[int, int] = {}
        for start in range(0, len(ids), 900):
            part = ids[start : start + 900]
            marks = ", ".join("?" for _ in part)
            out.update(
                self.db.execute(
                    f"SELECT id, document_id FROM passages WHERE id IN ({marks})", part
                ).fetchall()
            )
        return out

    def _hits(self, query: ParsedQuery, ranked: list[tuple[int, float]], scoring: _Scoring) -> list[Hit]:
        """Hits with document metadata and highlighted snippets, each labelled High/Medium/Low."""
        hits = build_hits(self.db, query, ranked)
        if not hits:
            return hits
        similarity = dict(scoring.semantic)
        missing = [h.passage_id for h in hits if h.passage_id not in similarity]
        if scoring.vector is not None and missing:
            similarity.update(self._similarities(missing, scoring.vector))
        patterns = word_patterns(query) if scoring.mode != "semantic" else []
        for hit in hits:
            hit.similarity = similarity.get(hit.passage_id)
            by_meaning = None if hit.similarity is None else semantic_level(hit.similarity, scoring.levels)
            by_words = keyword_level(coverage(f"{hit.title}\n{hit.text}", patterns)) if patterns else None
            hit.relevance = best(by_words, by_meaning)
        return hits

    def _similarities(self, passage_ids: list[int], vector: np.ndarray) -> dict[int, float]:
        """Cosine of stored passage vectors to the query (for hits that only the keyword list found)."""
        ids, matrix = load_vectors(self.db, self._embedder.name, passage_ids)
        if not len(ids):
            return {}
        return dict(zip(ids.tolist(), (matrix @ vector).tolist(), strict=True))


@dataclass
class _Scoring:
    """What labels one query's hits: the mode used, its semantic list, its vector, the embedder's levels."""

    mode: str
    semantic: list[tuple[int, float]]
    vector: np.ndarray | None
    levels: Levels


def fuse(lists: Sequence[Sequence[tuple[Any, float]]]) -> list[tuple[Any, float]]:
    """Fuse (keyword, semantic) ranked lists with the project's measured method."""
    if FUSION == "score":
        return score_fusion(lists, weights=FUSION_WEIGHTS)
    return reciprocal_rank_fusion(lists, k=RRF_K, weights=FUSION_WEIGHTS)


def build_hits(
    db: sqlite_utils.Database, query: str | ParsedQuery | None, ranked: Sequence[tuple[int, float]]
) -> list[Hit]:
    """Hit objects for ranked (passage_id, score) pairs, in that order; vanished passages are skipped."""
    if not ranked:
        return []
    ids = [int(pid) for pid, _ in ranked]
    marks = ", ".join("?" for _ in ids)
    rows = db.execute(
        "SELECT p.id, p.document_id, d.external_id, d.title, p.page, p.section, d.kind, d.date, p.text "
        f"FROM passages p JOIN documents d ON d.id = p.document_id WHERE p.id IN ({marks})",
        ids,
    ).fetchall()
    by_id = {r[0]: r for r in rows}
    pattern = highlight_pattern(query)
    hits = []
    for pid, score in ranked:
        row = by_id.get(int(pid))
        if row is None:
            continue
        snippet = highlight(row[8], pattern) or opening_words(row[8])
        hits.append(
            Hit(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], float(score), snippet, row[8])
        )
    return hits
