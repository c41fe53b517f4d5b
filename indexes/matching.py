"""Suggest the recommendations an action serves: codebook anchors, keywords, addressees, confirmed links."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlite_utils

from knowledge.codebook import BUILTIN_SET, Recommendation, list_recommendations
from knowledge.dates import now_iso

# The few parameters of the model, chosen on principle (not fitted to the sample actions):
# - the semantic score of a recommendation is the mean of its best anchor and of its profile (the centroid
#   of all its anchors), so one lucky sentence cannot win alone and one long text cannot blur everything;
SEMANTIC_MAX_WEIGHT = 0.5
# - each matched keyword adds a little (keywords shared by several recommendations count for less), capped;
KEYWORD_WEIGHT = 0.04
KEYWORD_CAP = 2.0
# - being addressed to the action's organisation type is a soft prior, worth about one keyword;
PRIOR_WEIGHT = 0.04
# - cosine similarities are spread over a few hundredths, so the softmax temperature is small.
TEMPERATURE = 0.03
# An action confirmed by a person counts as one more anchor of its recommendation, plus a vote when close.
NEIGHBOUR_MIN_SIM = 0.65  # only near-paraphrases vote; any confirmed action is still an anchor
NEIGHBOUR_WEIGHT = 0.1
# suggest_for_pending stores at most this many suggestions, each above this calibrated score.
PENDING_TOP = 3
PENDING_MIN_SCORE = 0.15


@dataclass(frozen=True)
class Suggestion:
    """One recommendation an action may serve, with a calibrated score (a set's scores sum to 1)."""

    rec_id: int
    number: int
    title: str
    score: float

    def as_dict(self) -> dict[str, Any]:
        return {"rec": self.number, "rec_id": self.rec_id, "title": self.title, "score": round(self.score, 4)}


# ---- text helpers ------------------------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z0-9]+")
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ers", "er", "ed", "es", "s")
_REC_REF = re.compile(r"\(recommendations? (\d+)(?: or (\d+))?\)", re.I)


def _stem(word: str) -> str:
    """A crude suffix stripper: enough for 'pilots'/'pilot', 'procuring'/'procurement' is not its job."""
    word = word.lower()
    for suffix in _SUFFIXES:
        if len(word) - len(suffix) >= 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _tokens(text: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(text)]


def _keyword_pattern(keyword: str) -> tuple[tuple[str, ...], bool]:
    """A keyword as a stemmed token sequence; all-capitals keywords (IT, PA, EPR) must match in capitals."""
    acronym = keyword.isupper()
    words = _WORD.findall(keyword)
    return (tuple(words) if acronym else tuple(_stem(w) for w in words)), acronym


def _contains(seq: Sequence[str], pattern: tuple[str, ...]) -> bool:
    n = len(pattern)
    return any(tuple(seq[i : i + n]) == pattern for i in range(len(seq) - n + 1))


# ---- the codebook model, cached per process and per codebook version ---------------------------------------


@dataclass
class _Model:
    recs: list[Recommendation]
    anchor_vectors: np.ndarray  # all anchors, normalised
    anchor_rec: np.ndarray  # index into recs for each anchor row
    profiles: np.ndarray  # one normalised centroid per rec
    keywords: list[list[tuple[tuple[str, ...], bool, float]]]  # per rec: (pattern, acronym, weight)


_cache: dict[tuple[str, int, str], _Model] = {}
_vector_cache: dict[tuple[str, int, str], np.ndarray] = {}
_cache_lock = threading.Lock()


def _anchors(recs: list[Recommendation]) -> list[tuple[int, str]]:
    """Sentences that stand for each recommendation: its title and summary, each include and example action,
    and the exclusion notes of other recommendations that point at it (they describe it in other words)."""
    index = {rec.number: i for i, rec in enumerate(recs)}
    out: list[tuple[int, str]] = []
    for i, rec in enumerate(recs):
        out.append((i, f"{rec.title}. {rec.summary}"))
        out.extend((i, line) for line in rec.includes + rec.example_actions if line.strip())
    for rec in recs:
        for line in rec.excludes:
            for match in _REC_REF.finditer(line):
                for number in match.groups():
                    if number and int(number) in index:
                        out.append((index[int(number)], _REC_REF.sub("", line).strip()))
    return out


def _codebook_version(recs: list[Recommendation]) -> str:
    payload = json.dumps([rec.as_dict() | {"keywords": rec.keywords} for rec in recs], sort_keys=True)
    return hashlib.sha1(payload.encode()).hexdigest()


def _keyword_table(recs: list[Recommendation]) -> list[list[tuple[tuple[str, ...], bool, float]]]:
    patterns = [{_keyword_pattern(k) for k in rec.keywords if _WORD.search(k)} for rec in recs]
    # A keyword several recommendations share says less about which one an action serves.
    spread: dict[tuple[tuple[str, ...], bool], int] = {}
    for rec_patterns in patterns:
        for pattern in rec_patterns:
            spread[pattern] = spread.get(pattern, 0) + 1
    return [
        [(p, acr, 1.0 / spread[(p, acr)]) for p, acr in sorted(rec_patterns)] for rec_patterns in patterns
    ]


def _model(db: sqlite_utils.Database, embedder: Any, set_slug: str) -> _Model:
    recs = list_recommendations(db, set_slug)
    if not recs:
        raise ValueError(f"no recommendations in set {set_slug!r}")
    key = (getattr(embedder, "name", "?"), id(embedder), _codebook_version(recs))
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        # Ids differ between databases holding the same codebook: keep the vectors, take this db's rows.
        return _Model(recs, cached.anchor_vectors, cached.anchor_rec, cached.profiles, cached.keywords)
    anchors = _anchors(recs)
    vectors = embedder.encode([text for _, text in anchors])
    owners = np.array([i for i, _ in anchors])
    profiles = np.vstack([vectors[owners == i].mean(axis=0) for i in range(len(recs))])
    profiles /= np.linalg.norm(profiles, axis=1, keepdims=True)
    model = _Model(recs, vectors, owners, profiles, _keyword_table(recs))
    with _cache_lock:
        _cache[key] = model
    return model


def _encode_cached(embedder: Any, texts: list[str]) -> np.ndarray:
    """Vectors of confirmed actions' texts, remembered per process so each is encoded once."""
    name, ident = getattr(embedder, "name", "?"), id(embedder)
    missing = [t for t in dict.fromkeys(texts) if (name, ident, t) not in _vector_cache]
    if missing:
        for text, vector in zip(missing, embedder.encode(missing), strict=True):
            _vector_cache[(name, ident, text)] = vector
    if not texts:
        return np.zeros((0, getattr(embedder, "dim", 384)), dtype=np.float32)
    return np.vstack([_vector_cache[(name, ident, t)] for t in texts])


# ---- scoring ----------------------------------------------------------------------------------------------


def _keyword_scores(model: _Model, text: str) -> np.ndarray:
    stems, raw = _tokens(text), _WORD.findall(text)
    scores = np.zeros(len(model.recs))
    for i, table in enumerate(model.keywords):
        hit = sum(
            weight for pattern, acronym, weight in table if _contains(raw if acronym else stems, pattern)
        )
        scores[i] = min(hit, KEYWORD_CAP)
    return scores


def _prior(model: _Model, org_type: str | None) -> np.ndarray:
    if not org_type:
        return np.zeros(len(model.recs))
    return np.array([1.0 if org_type in rec.addressed_to else 0.0 for rec in model.recs])


def _confirmed(db: sqlite_utils.Database, model: _Model) -> tuple[list[int], list[str], list[int]]:
    """Confirmed (action id, action text, rec index) triples of this set: what people have taught us."""
    index = {rec.id: i for i, rec in enumerate(model.recs)}
    rows = db.execute(
        "SELECT a.id, a.text, ar.recommendation_id FROM action_recommendations ar "
        "JOIN actions a ON a.id = ar.action_id WHERE ar.state = 'confirmed'"
    ).fetchall()
    rows = [r for r in rows if r[2] in index and r[1] and r[1].strip()]
    return [r[0] for r in rows], [r[1] for r in rows], [index[r[2]] for r in rows]


def _logits(
    model: _Model,
    vector: np.ndarray,
    text: str,
    org_type: str | None,
    learned: tuple[np.ndarray, np.ndarray],
) -> np.ndarray:
    n = len(model.recs)
    sims = model.anchor_vectors @ vector
    best = np.full(n, -1.0)
    np.maximum.at(best, model.anchor_rec, sims)
    learned_vectors, learned_rec = learned
    votes = np.zeros(n)
    if len(learned_rec):
        learned_sims = learned_vectors @ vector
        np.maximum.at(best, learned_rec, learned_sims)
        close = learned_sims >= NEIGHBOUR_MIN_SIM
        np.add.at(votes, learned_rec[close], learned_sims[close] - NEIGHBOUR_MIN_SIM)
    semantic = SEMANTIC_MAX_WEIGHT * best + (1 - SEMANTIC_MAX_WEIGHT) * (model.profiles @ vector)
    return (
        semantic
        + KEYWORD_WEIGHT * _keyword_scores(model, text)
        + PRIOR_WEIGHT * _prior(model, org_type)
        + NEIGHBOUR_WEIGHT * np.minimum(votes, 1.0)
    )


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = (logits - logits.max()) / TEMPERATURE
    e = np.exp(z)
    return e / e.sum()


def _rejected(db: sqlite_utils.Database, action_id: int | None) -> set[int]:
    if action_id is None:
        return set()
    rows = db.execute(
        "SELECT recommendation_id FROM action_recommendations WHERE action_id = ? AND state = 'rejected'",
        [action_id],
    ).fetchall()
    return {r[0] for r in rows}


def suggest_batch(
    db: sqlite_utils.Database,
    items: Iterable[dict[str, Any] | tuple[str, str | None] | str],
    *,
    embedder: Any = None,
    limit: int = 9,
    set_slug: str = BUILTIN_SET,
) -> list[list[Suggestion]]:
    """Suggestions for many actions, encoding all their texts in one model call.

    Each item is a text, a (text, org_type) pair, or a dict with "text" and optional "org_type" and
    "action_id" (recommendations a person rejected for that action are never suggested again)."""
    parsed = [_parse_item(item) for item in items]
    if not parsed:
        return []
    if embedder is None:
        from indexes.embedder import get_embedder

        embedder = get_embedder()
    model = _model(db, embedder, set_slug)
    action_ids, texts, recs = _confirmed(db, model)
    learned_vectors = _encode_cached(embedder, texts)
    vectors = embedder.encode([text for text, _, _ in parsed])
    results = []
    for (text, org_type, action_id), vector in zip(parsed, vectors, strict=True):
        # An action never votes for itself (re-suggesting an already confirmed action).
        keep = np.array([aid != action_id for aid in action_ids], dtype=bool)
        learned = (
            (learned_vectors[keep], np.array(recs, dtype=int)[keep])
            if action_ids
            else (learned_vectors, np.zeros(0, dtype=int))
        )
        scores = _softmax(_logits(model, vector, text, org_type, learned))
        rejected = _rejected(db, action_id)
        ranked = [
            Suggestion(rec.id, rec.number, rec.title, float(scores[i]))
            for i, rec in enumerate(model.recs)
            if rec.id not in rejected
        ]
        ranked.sort(key=lambda s: (-s.score, s.number))
        results.append(ranked[:limit])
    return results


def _parse_item(item: dict[str, Any] | tuple[str, str | None] | str) -> tuple[str, str | None, int | None]:
    if isinstance(item, str):
        return item, None, None
    if isinstance(item, tuple):
        return item[0], item[1], None
    return str(item.get("text") or ""), item.get("org_type") or None, item.get("action_id")


def suggest(
    db: sqlite_utils.Database,
    text: str,
    org_type: str | None = None,
    *,
    embedder: Any = None,
    limit: int = 9,
    action_id: int | None = None,
    set_slug: str = BUILTIN_SET,
) -> list[Suggestion]:
    """The recommendations one action text serves, best first, with calibrated scores."""
    item = {"text": text, "org_type": org_type, "action_id": action_id}
    return suggest_batch(db, [item], embedder=embedder, limit=limit, set_slug=set_slug)[0]


def suggest_for_pending(db: sqlite_utils.Database, *, embedder: Any = None) -> int:
    """Add model suggestions to actions with no recommendation links yet; returns how many were stored."""
    rows = db.execute(
        "SELECT a.id, a.text, o.type FROM actions a LEFT JOIN organisations o ON o.id = a.organisation_id "
        "WHERE NOT EXISTS (SELECT 1 FROM action_recommendations ar WHERE ar.action_id = a.id) "
        "AND trim(a.text) != '' ORDER BY a.id"
    ).fetchall()
    if not rows:
        return 0
    items = [{"text": text, "org_type": org_type, "action_id": aid} for aid, text, org_type in rows]
    if embedder is None:
        from indexes.embedder import EmbedderUnavailable, get_embedder

        try:
            embedder = get_embedder()
        except EmbedderUnavailable:
            return 0  # suggestions wait for a run where the model loads; the import itself stands
    ranked = suggest_batch(db, items, embedder=embedder, limit=PENDING_TOP)
    stored = 0
    created = now_iso()
    with db.atomic():
        for (action_id, _, _), suggestions in zip(rows, ranked, strict=True):
            for rank, suggestion in enumerate(suggestions):
                # The best one is always offered; the runners-up only when the model is not sure.
                if rank and suggestion.score < PENDING_MIN_SCORE:
                    break
                db.execute(
                    "INSERT OR IGNORE INTO action_recommendations "
                    "(action_id, recommendation_id, state, score, origin, created_at) "
                    "VALUES (?, ?, 'suggested', ?, 'model', ?)",
                    [action_id, suggestion.rec_id, round(suggestion.score, 4), created],
                )
                stored += 1
    return stored


# ---- evidence: passages that discuss a recommendation ------------------------------------------------------


def evidence_query(rec: Recommendation) -> str:
    """What to search for a recommendation: title, summary and keywords (two-letter ones are too noisy)."""
    words = [k for k in rec.keywords if len(k) > 2]
    return f"{rec.title}. {rec.summary} {' '.join(words)}"


def evidence_passages(
    db: sqlite_utils.Database,
    db_path: Any,
    numbers: Sequence[int],
    *,
    mode: str = "auto",
    limit: int = 12,
    set_slug: str = BUILTIN_SET,
    searcher: Any = None,
) -> tuple[dict[int, list[dict[str, Any]]], str | None]:
    """Candidate passages to quote for each recommendation number, best first, as the report builders of
    knowledge.reports take them (which keep the relevant few, one per document); and a warning to show
    when semantic search was wanted but could not run.

    One search per recommendation with its title, summary and keywords: hybrid when `mode` is "auto"
    and passages have vectors (keyword when the model cannot load), else keyword. Tracker rows and the
    passages actions were extracted from are left out: reports list those as actions already."""
    from indexes.keyword import SearchFilters
    from indexes.search import Searcher
    from knowledge.codebook import get_recommendation
    from knowledge.vocab import DocumentKind, values

    recs = [r for r in (get_recommendation(db, n, set_slug) for n in numbers) if r is not None]
    if not recs or not db.execute("SELECT 1 FROM passages LIMIT 1").fetchone():
        return {}, None
    has_vectors = db.execute("SELECT 1 FROM passage_vectors LIMIT 1").fetchone() is not None
    search_mode = "hybrid" if mode == "auto" and has_vectors else "keyword"
    filters = SearchFilters(kinds=tuple(k for k in values(DocumentKind) if k != DocumentKind.TRACKER))
    action_sources = {
        r[0] for r in db.execute("SELECT DISTINCT source_passage_id FROM actions WHERE source_passage_id")
    }
    searcher = searcher or Searcher(db, db_path)
    # Deeper than `limit`: action sources are dropped after the search.
    results = searcher.search_many(
        [evidence_query(r) for r in recs],
        mode=search_mode,
        limit=limit + min(len(action_sources), 50),
        filters=filters,
    )
    found = {
        rec.number: [_hit_passage(h) for h in result.hits if h.passage_id not in action_sources][:limit]
        for rec, result in zip(recs, results, strict=True)
    }
    return found, results[0].warning if results else None


def _hit_passage(hit: Any) -> dict[str, Any]:
    return {
        "passage_id": hit.passage_id,
        "document_id": hit.document_id,
        "title": hit.title,
        "page": hit.page,
        "section": hit.section,
        "date": hit.date,
        "text": hit.text,
    }
