"""Quoting evidence: the part of a passage worth quoting, and which passages a recommendation quotes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import sqlite_utils

from knowledge.actions import list_evidence
from knowledge.codebook import Recommendation
from knowledge.reports.as_at import AsAt, reconstructs

QUOTE_WORDS = 90  # a quoted passage is cut to about this many words: enough to read, short enough to scan
# A passage found by search is quoted only if it shares this many distinct words with the recommendation's
# title and keywords: search always returns something, and a quote that is off the subject misleads.
MIN_SHARED_TERMS = 2
EVIDENCE_LIMIT = 4  # passages quoted in a recommendation report (linked evidence may add more)

_SENTENCE = re.compile(r"(?<=[.!?;:])\s+(?=\S)")
_STOPWORDS = frozenset(
    "about after also and are been before but can each for from has have into its more not only other "
    "should such than that the their them then there these they this those through what when which "
    "while who will with would".split()
)


def stems(text: str) -> set[str]:
    """The distinct content words of a text, cut to six-letter prefixes.

    'procurement'/'procuring' and 'strategy'/'strategies' meet; good enough to choose which sentences of
    a passage to quote."""
    return {w.lower()[:6] for w in re.findall(r"[A-Za-z]{3,}", text) if w.lower() not in _STOPWORDS}


def excerpt(text: str, terms: Sequence[str] = (), words: int = QUOTE_WORDS) -> str:
    """About `words` words of a passage: the whole of a short one; of a long one, the run of sentences
    around the sentence sharing most `terms` (the start when there are none), marked with ellipses."""
    all_words = text.split()
    if len(all_words) <= words:
        return " ".join(all_words)
    sentences = [s for s in _SENTENCE.split(" ".join(all_words)) if s]
    wanted = stems(" ".join(terms))
    scores = [len(stems(s) & wanted) for s in sentences]
    best = max(range(len(sentences)), key=lambda i: (scores[i], -i)) if wanted else 0
    start = end = best
    count = len(sentences[best].split())
    # Read on from the best sentence first (what follows explains it); look back only with room to spare.
    while end + 1 < len(sentences) and count + len(sentences[end + 1].split()) <= words:
        end += 1
        count += len(sentences[end].split())
    while start > 0 and count + len(sentences[start - 1].split()) <= words:
        start -= 1
        count += len(sentences[start].split())
    chosen = " ".join(sentences[start : end + 1]).split()
    body = " ".join(chosen[:words])
    return (
        ("… " if start > 0 else "") + body + (" …" if end < len(sentences) - 1 or len(chosen) > words else "")
    )


def rec_terms(rec: Recommendation) -> list[str]:
    """Words that say what a recommendation is about (to pick the part of a passage worth quoting)."""
    return [rec.title, *rec.keywords]


def passage_key(passage: dict[str, Any]) -> Any:
    """What makes two passages the same one, whether they came from a link or from search."""
    return passage.get("passage_id") or passage.get("id") or passage.get("text")


def _dated_by(db: sqlite_utils.Database, passages: list[dict[str, Any]], when: AsAt | None) -> list[dict]:
    """The passages whose document is dated on or before a recorded past date (or undated): a report as
    at a date cannot quote a paper published after it."""
    if when is None or not reconstructs(when):
        return passages
    ids = sorted({p["document_id"] for p in passages if p.get("document_id") is not None})
    dates = dict(
        db.execute(f"SELECT id, date FROM documents WHERE id IN ({','.join('?' * len(ids))})", ids).fetchall()
        if ids
        else []
    )
    day = when.day.isoformat()
    return [p for p in passages if str(dates.get(p.get("document_id")) or p.get("date") or "")[:10] <= day]


def evidence_passages(
    db: sqlite_utils.Database,
    rec: Recommendation,
    passages: list[dict[str, Any]] | None,
    *,
    limit: int = EVIDENCE_LIMIT,
    when: AsAt | None = None,
) -> list[dict[str, Any]]:
    """Linked evidence first (a person chose it, so all of it), then up to `limit` in all with passages
    found for the report: those sharing at least MIN_SHARED_TERMS words with the recommendation's title
    and keywords, one per document, in the order given. For a recorded past date `when`, documents dated
    after it are left out."""
    out = _dated_by(db, list_evidence(db, recommendation_id=rec.id), when)
    passages = _dated_by(db, list(passages or []), when)
    seen = {passage_key(p) for p in out}
    documents = {p.get("document_id") for p in out}
    wanted = stems(" ".join(rec_terms(rec)))
    for passage in passages or []:
        if len(out) >= limit:
            break
        key, document = passage_key(passage), passage.get("document_id") or passage.get("title")
        if key in seen or document in documents:
            continue
        if len(stems(str(passage.get("text") or "")) & wanted) < MIN_SHARED_TERMS:
            continue
        seen.add(key)
        documents.add(document)
        out.append(passage)
    return out
