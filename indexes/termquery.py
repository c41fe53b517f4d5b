"""FTS5's MATCH and bm25() worked out over the in-memory term index, for a back end without FTS5 (PostgreSQL).

A PostgreSQL team workspace has no passages_fts table. Its own full text (the `tsv` column) stems with
Snowball's English and drops stop words, so it matches other passages than FTS5's porter tokenizer does
("generous" finds "generate" in FTS5, not in PostgreSQL; "the" finds nothing there): used as the source of
candidates it would make results depend on the back end. Instead every keyword question is answered from
the term index (indexes/terms.py), which holds FTS5's own terms and statistics, exactly as FTS5 would:

- the expression is the one indexes/query.py writes for FTS5 (fts_match, fts_exclusions, the quoted words
  of a snippet, the organisation-name phrase), built here as a tree rather than a string;
- a one-term phrase is its postings; a prefix the union of the postings of every term starting with it;
  a longer phrase (or one restricted to a column) takes the rows holding all its terms and checks word
  order in their text, tokenised by the same FTS5 tokenizer;
- AND, OR and NOT combine rows and phrase instances as fts5_expr.c does (a branch that does not match a
  row contributes no instances to it), and the score is fts5_aux.c's bm25 in double precision, phrase by
  phrase in the expression's order, so scores equal SQLite's to the last bit or nearly.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np

from indexes.query import All, Any_, Node, ParsedQuery, Phrase, Term, prefix_shorter
from indexes.terms import K1, B, TermIndex, sync_terms

Ranked = list[tuple[int, float]]
TEXT_COLUMN = 0  # passages_fts columns: text, section, title
FETCH_ROWS = 900  # passage texts fetched per statement (SQLite's default limit on parameters is 999)
TOKEN_CACHE_LIMIT = 50_000  # tokenised passages kept between searches (a few hundred bytes each)


@dataclass(frozen=True)
class Words:
    """One FTS5 phrase: a quoted string's words (tokenised at evaluation), its last term a prefix or not,
    optionally restricted to some columns (`text : "..."`)."""

    words: tuple[str, ...]
    prefix: bool = False
    columns: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Op:
    """AND / OR of the parts, or NOT: the first part without the rows the second matches."""

    kind: str
    parts: tuple[Expr, ...]


Expr = Words | Op


def _op(kind: str, parts: Sequence[Expr]) -> Expr:
    return parts[0] if len(parts) == 1 else Op(kind, tuple(parts))


def node_expr(node: Node) -> Expr:
    """The expression indexes.query.fts_node writes for a node."""
    if isinstance(node, Term):
        if not node.prefix:
            return Words((node.word,))
        shorter = prefix_shorter(node.word)
        prefix = Words((node.word,), prefix=True)
        return Op("OR", (prefix, *(Words((w,)) for w in shorter))) if shorter else prefix
    if isinstance(node, Phrase):
        return Words(tuple(node.words))
    kind = "AND" if isinstance(node, All) else "OR"
    assert isinstance(node, (All, Any_))
    return Op(kind, tuple(node_expr(p) for p in node.parts))


def match_expr(query: ParsedQuery, operator: str = "OR") -> Expr | None:
    """The expression of indexes.query.fts_match; None when the query has no word."""
    if query.match is None:
        return None
    if query.plain:
        expr = _op(operator.strip().upper(), [Words((w,)) for w in query.words])
    else:
        expr = node_expr(query.match)
    excluded = exclusions_expr(query)
    return Op("NOT", (expr, excluded)) if excluded is not None else expr


def exclusions_expr(query: ParsedQuery) -> Expr | None:
    """The expression of indexes.query.fts_exclusions: what the query excludes; None when nothing."""
    if not query.excluded:
        return None
    return _op("OR", [node_expr(x) for x in query.excluded])


def words_expr(words: Sequence[str]) -> Expr | None:
    """Any of the words, each quoted (indexes.keyword.words_query)."""
    return _op("OR", [Words((w,)) for w in words]) if words else None


_EMPTY_ROWS = np.zeros(0, dtype=np.int64)
_EMPTY_FREQ = np.zeros(0, dtype=np.float64)

Fetch = Callable[[list[int]], list[tuple[int, str, str, str]]]


class Evaluation:
    """One question put to the term index; phrases and tokenised passages are reused within it."""

    def __init__(self, index: TermIndex, fetch: Fetch):
        self.index = index
        self.fetch = fetch
        self._hits: dict[tuple[Words, bytes | None], tuple[np.ndarray, np.ndarray]] = {}
        self._nhit: dict[int, int] = {}
        self._next = 0

    # -- phrases -----------------------------------------------------------------------------------
    def terms_of(self, words: Words) -> tuple[str, ...]:
        """The FTS5 terms of a quoted string (a word FTS5 cuts in two, `x_ray`, is two terms)."""
        tokenizer = self.index.tokenizer
        chunks = list(chain.from_iterable(tokenizer.chunks(w) for w in words.words))
        return tuple(chain.from_iterable(tokenizer.terms_of(chunks)))

    def _term_rows(self, term: str, prefix: bool) -> tuple[np.ndarray, np.ndarray]:
        index = self.index
        ids = index.terms_starting(term) if prefix else [index.vocab.get(term)]
        parts = [index.weighted_postings(t) for t in ids if t is not None]
        if not parts:
            return _EMPTY_ROWS, _EMPTY_FREQ
        if len(parts) == 1:
            return parts[0]
        rows = np.concatenate([r for r, _f in parts])
        freq = np.concatenate([f for _r, f in parts])
        unique, inverse = np.unique(rows, return_inverse=True)
        return unique, np.bincount(inverse, weights=freq, minlength=len(unique))

    def hits(self, words: Words, within: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(rows holding the phrase, its weighted frequency in each), rows ascending; within limits the
        rows looked at (a match test), never the statistics of a scored phrase."""
        key = (words, None if within is None else within.tobytes())
        found = self._hits.get(key)
        if found is None:
            found = self._hits[key] = self._find(words, within)
        return found

    def _find(self, words: Words, within: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        terms = self.terms_of(words)
        if not terms:  # a string with no token is an empty phrase: FTS5 matches nothing with it
            return _EMPTY_ROWS, _EMPTY_FREQ
        last = len(terms) - 1
        if len(terms) == 1 and words.columns is None:
            rows, freq = self._term_rows(terms[0], words.prefix)
            if within is not None:
                keep = np.isin(rows, within)
                rows, freq = rows[keep], freq[keep]
            return rows, freq
        candidates: np.ndarray | None = within
        for k, term in enumerate(terms):
            rows, _ = self._term_rows(term, words.prefix and k == last)
            candidates = rows if candidates is None else np.intersect1d(candidates, rows)
            if not len(candidates):
                return _EMPTY_ROWS, _EMPTY_FREQ
        assert candidates is not None
        weights = self.index.weights
        columns = range(3) if words.columns is None else words.columns
        out_rows, out_freq = [], []
        for row, tokens in zip(candidates.tolist(), self._tokenised(candidates), strict=True):
            freq, count = 0.0, 0
            for column in columns:
                n = _instances(tokens[column], terms, words.prefix)
                count += n
                freq += n * weights[column]  # FTS5 adds the column weight per instance: exact in halves
            if count:
                out_rows.append(row)
                out_freq.append(freq)
        return np.asarray(out_rows, dtype=np.int64), np.asarray(out_freq, dtype=np.float64)

    def _tokenised(self, rows: np.ndarray) -> list[tuple[list[str], ...]]:
        """Each row's (text, section, title) as FTS5 terms in order, the passages read from the database
        once and kept with the term index (a search asks about the same phrase two or three times)."""
        index = self.index
        cache = index.token_cache
        pids = index.pids[rows].tolist()
        missing = [pid for pid in pids if pid not in cache]
        if len(cache) + len(missing) > TOKEN_CACHE_LIMIT:
            cache.clear()
        tokenizer = index.tokenizer
        for start in range(0, len(missing), FETCH_ROWS):
            for pid, text, section, title in self.fetch(missing[start : start + FETCH_ROWS]):
                if index.row_of(pid) is None:
                    continue
                cache[int(pid)] = tuple(
                    list(chain.from_iterable(tokenizer.terms_of(tokenizer.chunks(column or ""))))
                    for column in (text, section, title)
                )
        empty: tuple[list[str], ...] = ([], [], [])
        return [cache.get(pid, empty) for pid in pids]

    # -- expressions ---------------------------------------------------------------------------------
    def evaluate(
        self, expr: Expr, within: np.ndarray | None = None
    ) -> tuple[np.ndarray, list[tuple[int, np.ndarray, np.ndarray]]]:
        """(matching rows, [(phrase number, rows, frequencies)] of the instances that count for them).

        Phrases are numbered in the expression's written order, as FTS5 numbers them for bm25."""
        if isinstance(expr, Words):
            number = self._next
            self._next += 1
            rows, freq = self.hits(expr, within)
            self._nhit[number] = len(rows)
            return rows, [(number, rows, freq)]
        results = [self.evaluate(part, within) for part in expr.parts]
        if expr.kind == "OR":
            rows = results[0][0]
            for other, _ in results[1:]:
                rows = np.union1d(rows, other)
            return rows, [c for _r, contributions in results for c in contributions]
        if expr.kind == "AND":
            rows = results[0][0]
            for other, _ in results[1:]:
                rows = np.intersect1d(rows, other, assume_unique=True)
            contributions = [c for _r, cs in results for c in cs]
        else:  # NOT: the right side never contributes (a row it matches is dropped)
            rows = np.setdiff1d(results[0][0], results[1][0], assume_unique=True)
            contributions = results[0][1]
        # An AND or NOT branch that fails a row contributes nothing to it (fts5ExprNodeZeroPoslist).
        return rows, [_restrict(c, rows) for c in contributions]

    def matching(self, expr: Expr | None, within: Sequence[int] | None = None) -> np.ndarray:
        """Passage ids the expression matches (among the passage ids `within`, when given), ascending."""
        if expr is None:
            return _EMPTY_ROWS
        rows = None
        if within is not None:
            held = (self.index.row_of(pid) for pid in within)
            rows = np.unique(np.fromiter((r for r in held if r is not None), dtype=np.int64))
        found, _ = self.evaluate(expr, rows)
        return np.sort(self.index.pids[found])

    def bm25(self, expr: Expr, limit: int, allowed: np.ndarray | None = None) -> Ranked:
        """[(passage_id, bm25 score)] best first, as FTS5's bm25() with the index's column weights."""
        index = self.index
        rows, contributions = self.evaluate(expr)
        if allowed is not None:
            rows = rows[np.isin(index.pids[rows], allowed)]
        n = index.count
        if not len(rows) or limit <= 0 or n == 0:
            return []
        avgdl = index.total_length / n
        lengths = index.lengths[rows]
        score = np.zeros(len(rows), dtype=np.float64)
        by_phrase: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
        for number, phrase_rows, freq in contributions:
            by_phrase.setdefault(number, []).append((phrase_rows, freq))
        for number in sorted(by_phrase):  # FTS5 sums phrase by phrase; a phrase absent from a row adds 0
            f = np.zeros(len(rows), dtype=np.float64)
            for phrase_rows, freq in by_phrase[number]:
                keep = np.isin(phrase_rows, rows)
                f[np.searchsorted(rows, phrase_rows[keep])] += freq[keep]
            hit = self._nhit[number]
            idf = math.log((n - hit + 0.5) / (hit + 0.5))
            if idf <= 0.0:
                idf = 1e-6
            score += idf * ((f * (K1 + 1.0)) / (f + K1 * (1 - B + B * lengths / avgdl)))
        pids = index.pids[rows]
        order = np.lexsort((pids, -score))[:limit]  # best first; equal scores by passage id
        return [(int(p), float(s)) for p, s in zip(pids[order], score[order], strict=True)]


def _restrict(
    contribution: tuple[int, np.ndarray, np.ndarray], rows: np.ndarray
) -> tuple[int, np.ndarray, np.ndarray]:
    number, phrase_rows, freq = contribution
    keep = np.isin(phrase_rows, rows, assume_unique=True)
    return number, phrase_rows[keep], freq[keep]


def _instances(tokens: list[str], terms: tuple[str, ...], prefix: bool) -> int:
    """How many times the phrase occurs in a column's tokens (every starting position counts)."""
    size = len(terms)
    if len(tokens) < size:
        return 0
    last = size - 1
    count = 0
    first = terms[0]
    for start in range(len(tokens) - size + 1):
        token = tokens[start]
        if not (token.startswith(first) if prefix and last == 0 else token == first):
            continue
        for k in range(1, size):
            token = tokens[start + k]
            if not (token.startswith(terms[k]) if prefix and k == last else token == terms[k]):
                break
        else:
            count += 1
    return count


# -- the PostgreSQL back end's term index: one per open workspace, kept current by the change counter --
def fetch_passages(db: Any) -> Fetch:
    """A function reading (id, text, section, title) of passages, in the FTS5 table's column order."""

    def fetch(ids: list[int]) -> list[tuple[int, str, str, str]]:
        if not ids:
            return []
        marks = ", ".join("?" for _ in ids)
        return db.execute(
            "SELECT p.id, p.text, coalesce(p.section, ''), d.title FROM passages p "
            f"JOIN documents d ON d.id = p.document_id WHERE p.id IN ({marks})",
            list(ids),
        ).fetchall()

    return fetch


def evaluation(db: Any, index: TermIndex | None = None) -> Evaluation:
    """An Evaluation over `index`, else over the workspace's own current term index."""
    return Evaluation(index if index is not None else live_index(db), fetch_passages(db))


_LIVE: weakref.WeakKeyDictionary[Any, tuple[tuple, TermIndex]] = weakref.WeakKeyDictionary()
_LIVE_LOCK = threading.Lock()


def live_index(db: Any) -> TermIndex:
    """The term index of an open workspace, loaded from the local cache (or built from the server) once,
    then caught up whenever the server's change counter or this connection's writes move."""
    from indexes.vectors import index_folder

    key = (db.execute("PRAGMA data_version").fetchone()[0], db.conn.total_changes)
    with _LIVE_LOCK:
        held = _LIVE.get(db)
        if held is not None and held[0] == key:
            return held[1]
        if held is None:
            try:
                index = sync_terms(db, index_folder(db.url))
            except OSError:  # an unwritable cache folder: keep the index in memory only
                index = TermIndex.build(db)
        else:
            index = held[1]
            index.reconcile(db)
        _LIVE[db] = ((db.execute("PRAGMA data_version").fetchone()[0], db.conn.total_changes), index)
        return index


def forget(db: Any) -> None:
    """Drop a workspace's in-memory term index (after a rebuild of the cache)."""
    with _LIVE_LOCK:
        _LIVE.pop(db, None)
