"""Keyword search over the FTS5 passage index: safe query building, bm25 ranking, filters, snippets."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from indexes.query import MAX_TERMS, MAX_WORD_CHARS, STOP_WORDS, ParsedQuery, Term, fts_match, parse

MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"
ELLIPSIS = "…"

# bm25 column weights for (text, section, title). Titles are short and on-topic, so a word in the title
# says more than the same word in the body; section headings sit between. Tuned on SciFact train queries.
WEIGHTS = (1.0, 0.5, 2.0)

__all__ = ["MAX_TERMS", "MAX_WORD_CHARS", "STOP_WORDS", "SearchFilters", "keyword_search", "query_terms"]

Query = str | ParsedQuery | None


def parsed(query: Query) -> ParsedQuery:
    """A query parsed once (indexes/query.py); a ParsedQuery passes through unchanged."""
    return query if isinstance(query, ParsedQuery) else parse(query)


@dataclass
class SearchFilters:
    """Restrict results to documents of some kinds, a date range, an organisation, a roundtable or ids."""

    kinds: Sequence[str] = ()
    date_from: str | None = None
    date_to: str | None = None
    organisation: int | str | None = None  # id, or name (case-insensitive)
    roundtable_id: int | None = None
    document_ids: Sequence[int] = field(default_factory=tuple)

    def is_empty(self) -> bool:
        return not (
            self.kinds
            or self.date_from
            or self.date_to
            or self.organisation not in (None, "")
            or self.roundtable_id is not None
            or self.document_ids
        )


def clean_text(text: str | None) -> str:
    """User text that every layer below can encode: lone surrogates become U+FFFD.

    They arrive from undecodable bytes on the command line (Python's surrogateescape) and from JSON
    escapes such as "\\ud800"; SQLite, the model's tokenizer and a UTF-8 stdout all reject them.
    """
    if not text:
        return ""
    if text.isascii():
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def query_terms(text: Query) -> list[str]:
    """A query's searched words, lower-cased, de-duplicated, in order (indexes/query.py reads the syntax).

    Stop words are dropped from plain words if others remain; excluded words are not searched words.
    At most MAX_TERMS words, each at most MAX_WORD_CHARS long: any text makes a small, valid query."""
    if not text:
        return []
    return list(parsed(text).words)


def fts_query(text: Query, operator: str = "OR") -> str | None:
    """An FTS5 MATCH expression for any user text, its syntax read as indexes/query.py documents.

    Every word is quoted as a string, so quotes, operators, `*`, `:`, `^` and brackets in the user's
    text can never produce an FTS5 syntax error. None when the text has no words at all.
    """
    if not text:
        return None
    return fts_match(parsed(text), operator=operator)


def words_query(text: Query) -> str | None:
    """FTS5 for any of the query's searched words (what a snippet highlights), ignoring its syntax."""
    terms = query_terms(text)
    if not terms:
        return None
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


def filter_sql(
    filters: SearchFilters | None,
    doc_alias: str = "d",
    passage_alias: str | None = "p",
    *,
    db: Any = None,
    terms: Any = None,
) -> tuple[str, list]:
    """A SQL condition on documents (alias `doc_alias`) joined to passages (`passage_alias`), with its
    parameters; '' when no filter. Without a passage alias the organisation filter is documents only.

    On a PostgreSQL workspace (`db`) the passages naming an organisation are found with the term index
    (`terms`, else the workspace's own): there is no FTS5 table to ask."""
    if filters is None or filters.is_empty():
        return "", []
    d = doc_alias
    parts: list[str] = []
    params: list = []
    if filters.kinds:
        parts.append(f"{d}.kind IN ({', '.join('?' for _ in filters.kinds)})")
        params.extend(filters.kinds)
    if filters.date_from:
        parts.append(f"{d}.date >= ?")
        params.append(filters.date_from)
    if filters.date_to:
        # Dates may be stored as YYYY-MM-DD or longer; '~' sorts after every digit, so the end day counts.
        parts.append(f"{d}.date <= ?")
        params.append(filters.date_to + "~")
    if filters.organisation not in (None, ""):
        condition, values = _organisation_sql(filters.organisation, d, passage_alias, db, terms)
        parts.append(condition)
        params.extend(values)
    if filters.roundtable_id is not None:
        parts.append(f"{d}.id IN (SELECT document_id FROM roundtable_documents WHERE roundtable_id = ?)")
        params.append(int(filters.roundtable_id))
    if filters.document_ids:
        parts.append(f"{d}.id IN ({', '.join('?' for _ in filters.document_ids)})")
        params.extend(int(i) for i in filters.document_ids)
    return " AND ".join(parts), params


def _organisation_sql(
    org: int | str, d: str, p: str | None, db: Any = None, terms: Any = None
) -> tuple[str, list]:
    """Passages from the organisation's documents, and (with a passage alias) passages about it: the
    source rows of its actions (tracker rows, notes' action tables), passages linked as evidence for
    them, and passages whose text names it."""
    if isinstance(org, int) or (isinstance(org, str) and org.isdigit()):
        ids, params = "SELECT ?", [int(org)]
    else:
        ids, params = "SELECT id FROM organisations WHERE name = ? COLLATE NOCASE", [str(org).strip()]
    documents = f"{d}.organisation_id IN ({ids})"
    if p is None:
        return documents, params
    if getattr(db, "dialect", "sqlite") == "postgresql":
        named = _passages_naming(db, ids, params, terms)
        about = (
            f"{p}.id IN (SELECT a.source_passage_id FROM actions a WHERE a.organisation_id IN ({ids}))"
            f" OR {p}.id IN (SELECT e.passage_id FROM evidence_links e JOIN actions a ON a.id = e.action_id"
            f" WHERE a.organisation_id IN ({ids}))"
            f" OR {p}.id = ANY(?)"
        )
        return f"({documents} OR {about})", [*params * 3, named]
    # The name as one quoted FTS5 phrase in the text column: every character of it literal.
    phrase = "'text : \"' || replace(o.name, '\"', '\"\"') || '\"'"
    about = (
        f"{p}.id IN (SELECT a.source_passage_id FROM actions a WHERE a.organisation_id IN ({ids}))"
        f" OR {p}.id IN (SELECT e.passage_id FROM evidence_links e JOIN actions a ON a.id = e.action_id"
        f" WHERE a.organisation_id IN ({ids}))"
        f" OR {p}.id IN (SELECT f.rowid FROM passages_fts f, organisations o"
        f" WHERE o.id IN ({ids}) AND f.passages_fts MATCH {phrase})"
    )
    return f"({documents} OR {about})", params * 4


def _passages_naming(db: Any, ids: str, params: list, terms: Any) -> list[int]:
    """Ids of passages whose text names the organisation(s) (`text : "name"` in FTS5), via the term index."""
    from indexes.termquery import TEXT_COLUMN, Op, Words, evaluation

    names = [r[0] for r in db.execute(f"SELECT name FROM organisations WHERE id IN ({ids})", params)]
    if not names:
        return []
    found = evaluation(db, terms)
    # The whole name is one quoted string: FTS5 tokenises all of it, punctuation included.
    phrases = [Words((str(name),), columns=(TEXT_COLUMN,)) for name in names]
    expr = phrases[0] if len(phrases) == 1 else Op("OR", tuple(phrases))
    return [int(i) for i in found.matching(expr)]


def keyword_search(
    db: sqlite_utils.Database,
    query: Query,
    *,
    limit: int = 100,
    filters: SearchFilters | None = None,
    operator: str = "OR",
    weights: Sequence[float] = WEIGHTS,
    terms: Any = None,
) -> list[tuple[int, float]]:
    """Best passages for the query by bm25: [(passage_id, score)], higher score is better.

    On a PostgreSQL workspace FTS5's bm25 is computed over the term index (`terms`, else the workspace's
    own; indexes/termquery.py), so the same library ranks the same on both back ends."""
    match = fts_query(query, operator) if query else None
    if match is None or limit <= 0:
        return []
    if getattr(db, "dialect", "sqlite") == "postgresql":
        return _keyword_search_pg(db, parsed(query), limit, filters, operator, weights, terms)
    w = ", ".join(str(float(x)) for x in weights)
    condition, params = filter_sql(filters)
    if condition:
        sql = (
            f"SELECT f.rowid, bm25(passages_fts, {w}) AS s FROM passages_fts f "
            "JOIN passages p ON p.id = f.rowid JOIN documents d ON d.id = p.document_id "
            f"WHERE passages_fts MATCH ? AND {condition} ORDER BY s LIMIT ?"
        )
    else:
        sql = (
            f"SELECT rowid, bm25(passages_fts, {w}) AS s FROM passages_fts "
            "WHERE passages_fts MATCH ? ORDER BY s LIMIT ?"
        )
    rows = db.execute(sql, [match, *params, int(limit)]).fetchall()
    # FTS5's bm25 is negative (lower is better); flip it so every score in the project grows with relevance.
    return [(int(r[0]), -float(r[1])) for r in rows]


def _keyword_search_pg(
    db: Any,
    query: ParsedQuery,
    limit: int,
    filters: SearchFilters | None,
    operator: str,
    weights: Sequence[float],
    terms: Any,
) -> list[tuple[int, float]]:
    import numpy as np

    from indexes.termquery import evaluation, match_expr

    found = evaluation(db, terms)
    if tuple(float(w) for w in weights) != found.index.weights:
        raise ValueError("the term index of a PostgreSQL workspace ranks with the project's column weights")
    expr = match_expr(query, operator)
    if expr is None:
        return []
    allowed = None
    condition, params = filter_sql(filters, db=db, terms=found.index)
    if condition:
        rows = db.execute(
            f"SELECT p.id FROM passages p JOIN documents d ON d.id = p.document_id WHERE {condition}", params
        )
        allowed = np.fromiter((r[0] for r in rows), dtype=np.int64)
    return found.bm25(expr, limit, allowed)


def snippets(
    db: sqlite_utils.Database, query: Query, passage_ids: Sequence[int], tokens: int = 32
) -> dict[int, str]:
    """Highlighted snippets of the given passages where the query's words occur (one SQL query).

    Passages that do not contain any query word are absent from the result; callers fall back to
    the passage's opening words. A PostgreSQL workspace has no snippet(): the words are found with the
    term index and marked in Python (highlight), as search results are.
    """
    match = words_query(query)
    if match is None or not passage_ids:
        return {}
    ids = list(dict.fromkeys(int(i) for i in passage_ids))
    if getattr(db, "dialect", "sqlite") == "postgresql":
        return _snippets_pg(db, query, ids)
    placeholders = ", ".join("?" for _ in ids)
    sql = (
        f"SELECT rowid, snippet(passages_fts, 0, ?, ?, ?, ?) FROM passages_fts "
        f"WHERE passages_fts MATCH ? AND rowid IN ({placeholders})"
    )
    rows = db.execute(sql, [MARK_OPEN, MARK_CLOSE, ELLIPSIS, int(tokens), match, *ids]).fetchall()
    return {int(r[0]): r[1] for r in rows if r[1] and MARK_OPEN in r[1]}


def _snippets_pg(db: Any, query: Query, ids: list[int]) -> dict[int, str]:
    from indexes.termquery import evaluation, fetch_passages, words_expr

    holding = set(evaluation(db).matching(words_expr(query_terms(query)), ids).tolist())
    pattern = highlight_pattern(query)
    out = {}
    for pid, text, _section, _title in fetch_passages(db)(sorted(holding)):
        marked = highlight(text, pattern) if pattern is not None else None
        if marked and MARK_OPEN in marked:
            out[int(pid)] = marked
    return out


_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ers", "er", "ed", "es", "ly", "s")
SNIPPET_CHARS = 220  # about 32 words


def _stem(word: str) -> str:
    """A crude stand-in for FTS5's porter stemmer, good enough to decide which words to highlight."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    # "clarify"/"clarified", "indemnity"/"indemnities": drop a final y (porter's y -> i, then a suffix).
    return word[:-1] if word.endswith(("y", "i")) and len(word) > 4 else word


def highlight_pattern(query: Query) -> re.Pattern | None:
    """A regex matching the query's words and their common inflections (one per search, reused per hit).

    Stop words ("who", "the", "when") are not highlighted unless the query has no other word; a
    prefix (`synth*`) lights up every word starting with it."""
    if not query:
        return None
    query = parsed(query)
    prefixes = _prefixes(query)
    words = query.content_words()
    stems = sorted({w if w in prefixes else _stem(w) for w in words}, key=len, reverse=True)
    if not stems:
        return None
    alternatives = "|".join(re.escape(s) + _ending(s, s in prefixes) for s in stems)
    return re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE)


def word_patterns(query: Query) -> list[re.Pattern]:
    """One pattern per content word of the query (inflections and prefixes as highlight_pattern)."""
    if not query:
        return []
    query = parsed(query)
    prefixes = _prefixes(query)
    out = []
    for word in query.content_words():
        stem = word if word in prefixes else _stem(word)
        out.append(re.compile(rf"\b{re.escape(stem)}{_ending(stem, word in prefixes)}\b", re.IGNORECASE))
    return out


def coverage(text: str, patterns: Sequence[re.Pattern]) -> float:
    """The share of the query's content words (word_patterns) that occur in the text."""
    if not patterns:
        return 0.0
    return sum(1 for p in patterns if p.search(text)) / len(patterns)


def _ending(stem: str, prefix: bool) -> str:
    """What may follow a stem: anything after a prefix; a short ending ("clarif" -> "clarified"); after
    a three-letter stem ("rul" of "rules") a shorter one; after a shorter word only a plural, so that
    "d" (vitamin D) does not light up every word starting with d."""
    if prefix:
        return r"\w*"
    return r"\w{0,5}" if len(stem) >= 4 else r"\w{0,3}" if len(stem) == 3 else "s?"


def _prefixes(query: ParsedQuery) -> set[str]:
    found: set[str] = set()
    stack = [query.match] if query.match is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, Term):
            if node.prefix:
                found.add(node.word)
        elif hasattr(node, "parts"):
            stack.extend(node.parts)
    return found


def highlight(text: str, query: Query | re.Pattern, chars: int = SNIPPET_CHARS) -> str | None:
    """The stretch of about `chars` characters with the most query words, those <mark>ed; None if none occur.

    Done in Python on the passage text with one regex: an FTS5 snippet() query walks the posting lists
    of every matching row, which costs milliseconds per search on a large library.
    """
    pattern = query if isinstance(query, re.Pattern) else highlight_pattern(query)
    if pattern is None or not text:
        return None
    spans = [m.span() for m in pattern.finditer(text)]
    if not spans:
        return None
    best = _busiest_start(spans, chars - 40)
    start = max(0, best - 40)
    if start:
        # Begin at a word boundary.
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < best else start
    end = min(len(text), start + chars)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    parts = [ELLIPSIS + " "] if start > 0 else []
    cursor = start
    for a, b in spans:
        if a < start or b > end:
            continue
        parts.append(text[cursor:a])
        parts.append(f"{MARK_OPEN}{text[a:b]}{MARK_CLOSE}")
        cursor = b
    parts.append(text[cursor:end])
    if end < len(text):
        parts.append(" " + ELLIPSIS)
    return "".join(parts)


def _busiest_start(spans: list[tuple[int, int]], reach: int) -> int:
    """The start of the match with the most matches (itself included) starting within `reach` after it.

    Two pointers over the sorted spans: linear, so a query matching hundreds of words in a passage costs
    no more than one matching a few.
    """
    best, best_count, end = spans[0][0], 0, 0
    for i, (a, _b) in enumerate(spans):
        end = max(end, i)
        while end < len(spans) and spans[end][0] < a + reach:
            end += 1
        if end - i > best_count:
            best, best_count = a, end - i
    return best


def opening_words(text: str, words: int = 32) -> str:
    """The first few words of a passage, as the snippet of a passage that matched by meaning only."""
    parts = text.split()
    head = " ".join(parts[:words])
    return head + (" " + ELLIPSIS if len(parts) > words else "")
