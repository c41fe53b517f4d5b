"""An in-memory BM25 term index that ranks exactly as the FTS5 passage table does, in a fraction of the time.

FTS5 scores every passage that contains any query word before it can sort, so an OR query over a
large library costs tens of milliseconds (55 ms at 100,000 passages here). This index keeps the same
statistics as numpy postings (term -> passages, weighted term frequency) and scores only the postings
of the query's terms with a handful of vectorised operations.

Ranking is FTS5's own: text is cut into terms by an in-memory FTS5 table with the database's tokenizer
(so stemming, case and diacritic folding are identical), and scores follow fts5_aux.c's bm25()
(k1 = 1.2, b = 0.75, column weights, idf floor 1e-6). Anything it cannot answer exactly (a filter on
unknown columns, a word that the tokenizer splits in two) returns None and the caller uses FTS5.

It is derived data, saved in the index folder beside the faiss index (`keywords.npz`) and brought up to
date incrementally: new passage ids are found by comparing ids, deleted and edited ones through the
`keyword_changes` log that triggers write (migration 003).
"""

from __future__ import annotations

import bisect
import functools
import json
import math
import re
import sqlite3
import string
import threading
from collections.abc import Iterable, Sequence
from itertools import chain
from pathlib import Path

import numpy as np
import sqlite_utils

from indexes.keyword import WEIGHTS, Query, parsed
from knowledge.files import replacing

K1, B = 1.2, 0.75  # FTS5's bm25 constants
FILE = "keywords.npz"
FORMAT_VERSION = 1
BATCH_ROWS = 20_000  # passages tokenised at a time: bounds the temporary arrays to ~100 MB
MAX_TAIL_SHARE = 0.25  # merge recent additions into the sorted postings past this share

_ASCII_WORD = re.compile(r"[a-z0-9]+")
_PUNCTUATION = string.punctuation  # ASCII punctuation is always a separator for unicode61/ascii tokenizers
_TOKENIZE = re.compile(r"tokenize\s*=\s*(?:'((?:[^']|'')*)'|\"((?:[^\"]|\"\")*)\")", re.IGNORECASE)

Ranked = list[tuple[int, float]]


class TermIndexUnavailable(Exception):
    """The database has no FTS5 passage table this index can mirror."""


def fts_tokenizer_spec(db: sqlite_utils.Database) -> str:
    """The `tokenize=` argument of the passages_fts table, as written in its CREATE statement.

    A PostgreSQL workspace has no FTS5 table: its term index tokenises as a new SQLite file does (the
    spec of migration 002), so one library ranks the same on both back ends."""
    if getattr(db, "dialect", "sqlite") == "postgresql":
        return sqlite_tokenizer_spec()
    row = db.execute("SELECT sql FROM sqlite_master WHERE name = 'passages_fts'").fetchone()
    if row is None or not row[0]:
        raise TermIndexUnavailable("the database has no keyword index table")
    found = _TOKENIZE.search(row[0])
    if found is None:
        return "unicode61"  # FTS5's default
    return (
        found.group(1).replace("''", "'") if found.group(1) is not None else found.group(2).replace('""', '"')
    )


@functools.cache
def sqlite_tokenizer_spec() -> str:
    """The tokenizer SQLite's keyword index is created with (migration 002_keyword_index)."""
    from knowledge.db import MIGRATIONS

    script = dict(MIGRATIONS)["002_keyword_index"]
    found = _TOKENIZE.search(script)
    if found is None:
        return "unicode61"
    return found.group(1).replace("''", "'") if found.group(1) is not None else found.group(2)


class Tokenizer:
    """Cuts strings into FTS5 terms with a private in-memory FTS5 table using the same tokenizer.

    Whitespace always separates FTS5 tokens, so text is split on whitespace first and each distinct chunk
    is tokenised once; outer ASCII punctuation is stripped (always a separator) to share more chunks.
    """

    def __init__(self, spec: str, cache_limit: int = 50_000):
        self.spec = spec
        # For unicode61 and ascii without custom token characters, ASCII letters and digits are the only
        # ASCII token characters: pure-ASCII text can be cut into words by a regex, which shares far more
        # chunks than whitespace splitting ("cells," and "Cells" both become "cells").
        self._ascii_words = not any(option in spec for option in ("tokenchars", "separators", "trigram"))
        self._conn = sqlite3.connect(":memory:", check_same_thread=False)
        # FTS5 cuts a token past 32 KB at a byte, possibly inside a character (a run of ~11,000 CJK
        # characters): such a term decodes with U+FFFD rather than failing; the same text cuts the same way.
        self._conn.text_factory = lambda raw: raw.decode("utf-8", "replace")
        quoted = "'" + spec.replace("'", "''") + "'"
        # Contentless, so 'delete-all' empties it at once: a plain DELETE would leave tombstones that
        # every later vocabulary scan walks through (3.6 ms per query after a large build).
        self._conn.execute(f"CREATE VIRTUAL TABLE chunks USING fts5(x, content='', tokenize={quoted})")
        self._conn.execute("CREATE VIRTUAL TABLE chunk_terms USING fts5vocab(chunks, instance)")
        self._cache: dict[str, tuple[str, ...]] = {}
        self._cache_limit = cache_limit
        self._lock = threading.Lock()

    def chunks(self, text: str) -> list[str]:
        """Cut text into pieces that never straddle an FTS5 token boundary."""
        if self._ascii_words and text.isascii():
            return _ASCII_WORD.findall(text.lower())
        return text.split()

    def terms_of(self, chunks: Sequence[str]) -> list[tuple[str, ...]]:
        """The FTS5 terms of each chunk (a chunk may hold none, one, or several)."""
        with self._lock:
            keys = [c.strip(_PUNCTUATION) for c in chunks]
            unknown = list(dict.fromkeys(k for k in keys if k not in self._cache))
            if unknown:
                if len(self._cache) + len(unknown) > self._cache_limit:
                    self._cache.clear()  # a bounded cache: queries reuse a small vocabulary
                self._cache.update(self._tokenise(unknown))
            cache = self._cache
            result = [cache[k] for k in keys]
            if len(cache) > self._cache_limit:
                cache.clear()
            return result

    def _tokenise(self, chunks: list[str]) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[tuple[int, str]]] = {c: [] for c in chunks}
        conn = self._conn
        for start in range(0, len(chunks), 50_000):
            part = chunks[start : start + 50_000]
            conn.execute("BEGIN")
            try:
                conn.executemany("INSERT INTO chunks (rowid, x) VALUES (?, ?)", enumerate(part))
                for doc, offset, term in conn.execute("SELECT doc, offset, term FROM chunk_terms"):
                    out[part[doc]].append((offset, term))
                conn.execute("INSERT INTO chunks (chunks) VALUES ('delete-all')")
                conn.execute("COMMIT")
            except BaseException:
                conn.rollback()  # left open, the transaction would make every later call fail
                raise
        return {c: tuple(t for _o, t in sorted(found)) for c, found in out.items()}


def _ragged_take(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Indices start[i] .. start[i]+length[i]-1 for every i, concatenated (vectorised)."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.cumsum(lengths) - lengths
    return np.repeat(starts - offsets, lengths) + np.arange(total, dtype=np.int64)


class TermIndex:
    """BM25 postings of every passage, keyed by passage id; see the module docstring."""

    def __init__(self, tokenizer: Tokenizer, weights: Sequence[float] = WEIGHTS):
        self.tokenizer = tokenizer
        self.weights = tuple(float(w) for w in weights)
        self.seq = 0  # the last keyword_changes entry applied
        self.terms: list[str] = []
        self.vocab: dict[str, int] = {}
        self.pids = np.zeros(0, dtype=np.int64)
        self.lengths = np.zeros(0, dtype=np.float64)  # tokens in all columns (FTS5's document length)
        self.alive = np.zeros(0, dtype=bool)
        # Sorted postings: for term t, rows post_rows[indptr[t]:indptr[t+1]] with weighted frequencies.
        self.indptr = np.zeros(1, dtype=np.int64)
        self.post_rows = np.zeros(0, dtype=np.int32)
        self.post_freq = np.zeros(0, dtype=np.float32)
        # Recent additions, unsorted (term, row, freq); merged into the sorted postings now and then.
        self.tail_terms = np.zeros(0, dtype=np.int32)
        self.tail_rows = np.zeros(0, dtype=np.int32)
        self.tail_freq = np.zeros(0, dtype=np.float32)
        self._row_of: dict[int, int] = {}
        self._total_length = 0.0
        self._parts: np.ndarray | None = None
        self._sorted_terms: tuple[list[str], list[int]] | None = None  # for prefix lookups
        # Passages tokenised with positions (indexes/termquery.py checks phrases in them), by passage id;
        # a removed or edited passage leaves it, so what stays is always the passage's current text.
        self.token_cache: dict[int, tuple[list[str], ...]] = {}

    # -- building ------------------------------------------------------------------------------------
    @classmethod
    def build(cls, db: sqlite_utils.Database, weights: Sequence[float] = WEIGHTS) -> TermIndex:
        """An index of every passage in the database."""
        index = cls(Tokenizer(fts_tokenizer_spec(db)), weights)
        index.seq = _last_seq(db)  # read first: a change made meanwhile is applied again, harmlessly
        rows = db.execute(
            "SELECT p.id, p.text, coalesce(p.section, ''), d.title FROM passages p "
            "JOIN documents d ON d.id = p.document_id ORDER BY p.id"
        )
        while batch := rows.fetchmany(BATCH_ROWS):
            index._add_rows(batch)
        index.compact()
        return index

    @property
    def count(self) -> int:
        return len(self._row_of)

    def stats(self) -> tuple[int, int, int]:
        """(count, sum, max) of the passage ids held, as passage_stats() reports them for the database."""
        live = self.pids[self.alive]
        return len(live), int(live.sum()), int(live.max()) if len(live) else 0

    def _term_id(self, term: str) -> int:
        found = self.vocab.get(term)
        if found is None:
            found = self.vocab[term] = len(self.terms)
            self.terms.append(term)
        return found

    def _add_rows(self, rows: Sequence[tuple[int, str, str, str]]) -> None:
        """Tokenise (passage_id, text, section, title) rows and append them (ids must not be held)."""
        if not rows:
            return
        first_row = len(self.pids)
        cut = self.tokenizer.chunks
        pieces = [cut(r[column] or "") for r in rows for column in (1, 2, 3)]
        chunks = list(set(chain.from_iterable(pieces)))
        chunk_id = {c: i for i, c in enumerate(chunks)}
        chunk_terms = [tuple(self._term_id(t) for t in ts) for ts in self.tokenizer.terms_of(chunks)]
        per_chunk = np.fromiter((len(t) for t in chunk_terms), dtype=np.int64, count=len(chunks))
        chunk_start = np.cumsum(per_chunk) - per_chunk
        chunk_flat = np.fromiter(chain.from_iterable(chunk_terms), dtype=np.int64, count=int(per_chunk.sum()))

        sizes = np.fromiter((len(p) for p in pieces), dtype=np.int64, count=len(pieces))
        tokens = np.fromiter(
            map(chunk_id.__getitem__, chain.from_iterable(pieces)), dtype=np.int64, count=int(sizes.sum())
        )
        segment = np.repeat(np.arange(len(pieces), dtype=np.int64), sizes)  # (row, column) of each chunk
        n_terms = per_chunk[tokens]
        term = chunk_flat[_ragged_take(chunk_start[tokens], n_terms)]
        segment = np.repeat(segment, n_terms)
        row = segment // 3
        weight = np.asarray(self.weights, dtype=np.float64)[segment % 3]

        lengths = np.bincount(row, minlength=len(rows)).astype(np.float64)
        vocab_size = max(len(self.terms), 1)
        keys, inverse = np.unique(row * vocab_size + term, return_inverse=True)
        freq = np.bincount(inverse, weights=weight)
        self.tail_terms = np.concatenate([self.tail_terms, (keys % vocab_size).astype(np.int32)])
        self.tail_rows = np.concatenate([self.tail_rows, (keys // vocab_size + first_row).astype(np.int32)])
        self.tail_freq = np.concatenate([self.tail_freq, freq.astype(np.float32)])

        pids = np.fromiter((int(r[0]) for r in rows), dtype=np.int64, count=len(rows))
        self.pids = np.concatenate([self.pids, pids])
        self.lengths = np.concatenate([self.lengths, lengths])
        self.alive = np.concatenate([self.alive, np.ones(len(rows), dtype=bool)])
        self._row_of.update(zip(pids.tolist(), range(first_row, first_row + len(rows)), strict=True))
        self._total_length += float(lengths.sum())
        self._parts = None
        if len(self.tail_terms) > MAX_TAIL_SHARE * max(len(self.post_rows), 1) and len(self.post_rows):
            self._merge_tail()

    def remove(self, passage_ids: Iterable[int]) -> int:
        """Forget passages (their postings stay until compact(), masked out); returns how many were held."""
        removed = 0
        for pid in passage_ids:
            self.token_cache.pop(int(pid), None)
            row = self._row_of.pop(int(pid), None)
            if row is not None:
                self.alive[row] = False
                self._total_length -= float(self.lengths[row])
                removed += 1
        self._parts = None
        return removed

    def _merge_tail(self) -> None:
        if not len(self.tail_terms):
            return
        vocab = len(self.terms)
        old_terms = np.repeat(np.arange(len(self.indptr) - 1, dtype=np.int32), np.diff(self.indptr))
        terms = np.concatenate([old_terms, self.tail_terms])
        rows = np.concatenate([self.post_rows, self.tail_rows])
        freq = np.concatenate([self.post_freq, self.tail_freq])
        order = np.lexsort((rows, terms))
        self.post_rows, self.post_freq = rows[order], freq[order]
        self.indptr = np.concatenate([[0], np.cumsum(np.bincount(terms, minlength=vocab))]).astype(np.int64)
        self.tail_terms = np.zeros(0, dtype=np.int32)
        self.tail_rows = np.zeros(0, dtype=np.int32)
        self.tail_freq = np.zeros(0, dtype=np.float32)

    def compact(self) -> None:
        """Merge recent additions and drop removed passages for good (renumbering rows)."""
        self._merge_tail()
        if self.alive.all():
            return
        new_row = np.cumsum(self.alive) - 1
        keep = self.alive[self.post_rows]
        term_of = np.repeat(np.arange(len(self.indptr) - 1), np.diff(self.indptr))[keep]
        self.post_rows = new_row[self.post_rows[keep]].astype(np.int32)
        self.post_freq = self.post_freq[keep]
        self.indptr = np.concatenate([[0], np.cumsum(np.bincount(term_of, minlength=len(self.terms)))])
        self.pids = self.pids[self.alive]
        self.lengths = self.lengths[self.alive]
        self.alive = np.ones(len(self.pids), dtype=bool)
        self._row_of = dict(zip(self.pids.tolist(), range(len(self.pids)), strict=True))
        self._total_length = float(self.lengths.sum())
        self._parts = None

    # -- keeping up with the database ----------------------------------------------------------------
    def reconcile(self, db: sqlite_utils.Database, max_add: int | None = None) -> bool | None:
        """Apply the database's changes since this index was made; False if there were none.

        Returns None (and changes nothing) when more than max_add passages would need tokenising:
        the caller should use FTS5 until a sync rebuilds the saved index.
        """
        seq = _last_seq(db)
        if seq == self.seq and passage_stats(db) == self.stats():
            return False
        changed = {
            int(r[0]) for r in db.execute("SELECT passage_id FROM keyword_changes WHERE seq > ?", [self.seq])
        }
        db_ids = np.fromiter((r[0] for r in db.execute("SELECT id FROM passages")), dtype=np.int64)
        held = np.fromiter(self._row_of.keys(), dtype=np.int64, count=len(self._row_of))
        gone = set(np.setdiff1d(held, db_ids, assume_unique=True).tolist())
        new = set(np.setdiff1d(db_ids, held, assume_unique=True).tolist())
        # An edited passage, or a deleted id SQLite gave to a new passage, is dropped and read again.
        again = {pid for pid in changed if pid in self._row_of and pid not in gone}
        reread = sorted(new | again)
        if max_add is not None and len(reread) > max_add:
            return None
        self.remove(gone | again)
        for start in range(0, len(reread), 900):
            part = reread[start : start + 900]
            marks = ", ".join("?" for _ in part)
            rows = db.execute(
                "SELECT p.id, p.text, coalesce(p.section, ''), d.title FROM passages p "
                f"JOIN documents d ON d.id = p.document_id WHERE p.id IN ({marks}) ORDER BY p.id",
                part,
            ).fetchall()
            self._add_rows(rows)
        self.seq = seq
        return True

    # -- searching -----------------------------------------------------------------------------------
    def phrases(self, query: Query) -> list[int | None] | None:
        """Term ids of the query's words as keyword_search quotes them (None for a word never indexed).

        None when a word is more than one FTS5 term (FTS5 would match it as a phrase) or the query uses
        syntax (phrases, prefixes, AND, exclusions: indexes/query.py): FTS5 answers those.
        """
        if not query:
            return []
        query = parsed(query)
        if not query.plain:
            return None
        words = query.words
        out: list[int | None] = []
        for terms in self.tokenizer.terms_of(words):
            if len(terms) > 1:
                return None
            if terms:
                out.append(self.vocab.get(terms[0]))
        return out

    def search(self, query: Query, limit: int = 100, allowed: np.ndarray | None = None) -> Ranked | None:
        """[(passage_id, bm25 score)] best first, as keyword_search would return; None if it cannot say."""
        phrases = self.phrases(query)
        if phrases is None:
            return None
        n = len(self._row_of)
        if not phrases or limit <= 0 or n == 0:
            return []
        all_alive = n == len(self.pids)
        scores = np.zeros(len(self.pids), dtype=np.float64)
        for term in phrases:
            if term is None:
                continue
            rows, part = self._postings(term)
            if not all_alive:
                live = self.alive[rows]  # idf counts every passage holding the term, filtered or not
                rows, part = rows[live], part[live]
            hits = len(rows)
            if not hits:
                continue
            idf = math.log((n - hits + 0.5) / (hits + 0.5))
            # Dense accumulation (one pass, no sort) is faster than grouping the matched rows.
            scores += np.bincount(rows, weights=part * (idf if idf > 0 else 1e-6), minlength=len(scores))
        if allowed is not None:
            scores[~np.isin(self.pids, allowed)] = 0.0
        # Every matching passage scores > 0 (idf is floored at 1e-6), so zero means "no query word".
        matched = np.flatnonzero(scores)
        if len(matched) > limit:
            matched = matched[np.argpartition(-scores[matched], limit - 1)[:limit]]
        pids, best = self.pids[matched], scores[matched]
        order = np.lexsort((pids, -best))  # best first; equal scores by passage id, deterministically
        return [(int(p), float(s)) for p, s in zip(pids[order], best[order], strict=True)]

    def _tf_parts(self) -> np.ndarray:
        """Each sorted posting's bm25 term-frequency part: f * (k1 + 1) / (f + k1 * (1 - b + b * dl / avgdl)).

        It depends on the average length, so it is cached until passages are added or removed; a query
        then only multiplies slices of it by idf.
        """
        if self._parts is None:
            self._parts = self._tf_part(self.post_rows, self.post_freq)
        return self._parts

    def _tf_part(self, rows: np.ndarray, freq: np.ndarray) -> np.ndarray:
        avgdl = self._total_length / max(len(self._row_of), 1) or 1.0
        freq = freq.astype(np.float64)
        return (freq * (K1 + 1) / (freq + K1 * (1 - B + B * self.lengths[rows] / avgdl))).astype(np.float32)

    def _postings(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        """(rows, bm25 term-frequency parts) of one term."""
        if term + 1 < len(self.indptr):
            start, end = self.indptr[term], self.indptr[term + 1]
            rows, parts = self.post_rows[start:end], self._tf_parts()[start:end]
        else:
            rows, parts = self.post_rows[:0], self._tf_parts()[:0]
        if len(self.tail_terms):
            mask = self.tail_terms == term
            if mask.any():
                rows = np.concatenate([rows, self.tail_rows[mask]])
                parts = np.concatenate([parts, self._tf_part(self.tail_rows[mask], self.tail_freq[mask])])
        return rows, parts

    def weighted_postings(self, term: int | None) -> tuple[np.ndarray, np.ndarray]:
        """(rows, weighted frequency) of one term's live postings, rows ascending (no bm25 part applied)."""
        if term is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        if term + 1 < len(self.indptr):
            start, end = self.indptr[term], self.indptr[term + 1]
            rows, freq = self.post_rows[start:end], self.post_freq[start:end]
        else:
            rows, freq = self.post_rows[:0], self.post_freq[:0]
        if len(self.tail_terms):
            mask = self.tail_terms == term
            if mask.any():
                rows = np.concatenate([rows, self.tail_rows[mask]])
                freq = np.concatenate([freq, self.tail_freq[mask]])
        if len(self._row_of) != len(self.pids):
            live = self.alive[rows]
            rows, freq = rows[live], freq[live]
        return rows.astype(np.int64), freq.astype(np.float64)

    def terms_starting(self, prefix: str) -> list[int]:
        """Ids of the indexed terms that start with `prefix` (what an FTS5 prefix query matches)."""
        if self._sorted_terms is None or len(self._sorted_terms[0]) != len(self.terms):
            order = sorted(range(len(self.terms)), key=self.terms.__getitem__)
            self._sorted_terms = ([self.terms[i] for i in order], order)
        names, ids = self._sorted_terms
        start = bisect.bisect_left(names, prefix)
        end = start
        while end < len(names) and names[end].startswith(prefix):
            end += 1
        return ids[start:end]

    def row_of(self, passage_id: int) -> int | None:
        """The row holding a live passage, or None."""
        return self._row_of.get(int(passage_id))

    @property
    def total_length(self) -> float:
        """Tokens in every live passage: FTS5's xColumnTotalSize(-1)."""
        return self._total_length

    # -- persistence ---------------------------------------------------------------------------------
    def save(self, folder: str | Path) -> None:
        """Write keywords.npz (compacted) atomically: a temp file renamed over the old one."""
        self.compact()
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        meta = {
            "format": FORMAT_VERSION,
            "seq": self.seq,
            "weights": self.weights,
            "tokenizer": self.tokenizer.spec,
        }
        with replacing(folder / FILE) as tmp, open(tmp, "wb") as handle:
            np.savez(
                handle,
                meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
                terms=np.frombuffer("\n".join(self.terms).encode(), dtype=np.uint8),
                pids=self.pids,
                lengths=self.lengths,
                indptr=self.indptr,
                post_rows=self.post_rows,
                post_freq=self.post_freq,
            )

    @classmethod
    def load(cls, folder: str | Path, db: sqlite_utils.Database) -> TermIndex | None:
        """The saved index, or None when it is missing, unreadable, or made for another tokenizer."""
        try:
            with np.load(Path(folder) / FILE, allow_pickle=False) as data:
                meta = json.loads(data["meta"].tobytes().decode())
                raw_terms = data["terms"].tobytes().decode()
                arrays = {k: data[k] for k in ("pids", "lengths", "indptr", "post_rows", "post_freq")}
        except (OSError, ValueError, KeyError, UnicodeDecodeError):
            return None
        spec = fts_tokenizer_spec(db)
        if meta.get("format") != FORMAT_VERSION or meta.get("tokenizer") != spec:
            return None
        index = cls(Tokenizer(spec), meta.get("weights", WEIGHTS))
        terms = raw_terms.split("\n") if raw_terms else []
        pids = arrays["pids"].astype(np.int64)
        if (
            len(arrays["indptr"]) != len(terms) + 1
            or int(arrays["indptr"][-1]) != len(arrays["post_rows"])
            or len(arrays["post_rows"]) != len(arrays["post_freq"])
            or len(arrays["lengths"]) != len(pids)
            or (len(arrays["post_rows"]) and int(arrays["post_rows"].max()) >= len(pids))
        ):
            return None
        index.seq = int(meta.get("seq", 0))
        index.terms = terms
        index.vocab = {t: i for i, t in enumerate(terms)}
        index.pids, index.lengths = pids, arrays["lengths"].astype(np.float64)
        index.alive = np.ones(len(pids), dtype=bool)
        index.indptr = arrays["indptr"].astype(np.int64)
        index.post_rows = arrays["post_rows"].astype(np.int32)
        index.post_freq = arrays["post_freq"].astype(np.float32)
        index._row_of = dict(zip(pids.tolist(), range(len(pids)), strict=True))
        index._total_length = float(index.lengths.sum())
        return index


def _last_seq(db: sqlite_utils.Database) -> int:
    return int(db.execute("SELECT coalesce(max(seq), 0) FROM keyword_changes").fetchone()[0])


def passage_stats(db: sqlite_utils.Database) -> tuple[int, int, int]:
    """(count, sum, max) of the passage ids in the database."""
    row = db.execute("SELECT count(*), coalesce(sum(id), 0), coalesce(max(id), 0) FROM passages").fetchone()
    return int(row[0]), int(row[1]), int(row[2])


def sync_terms(db: sqlite_utils.Database, folder: str | Path | None) -> TermIndex:
    """Load the saved term index, bring it up to date and save it again; build it when unusable."""
    index = TermIndex.load(folder, db) if folder is not None else None
    if index is None:
        index = TermIndex.build(db)
        changed = True
    else:
        changed = bool(index.reconcile(db))
    if folder is not None and changed:
        index.save(folder)
    return index
