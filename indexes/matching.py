"""Suggest the recommendations an action serves, and say when it serves none of them.

A recommendation is known by what its set gives: its title and summary; the organisation types it is
addressed to (given, or read from who its summary says "should" act); the built-in codebook's includes,
example actions and keywords; the passages of its source document that discuss it; and every action a
person has confirmed for it. Each action is scored against every recommendation of one set by meaning
(the model), by the distinctive words they share, and by its organisation type; then its fit is compared
with how generic NHS actions (resources/matching.json) fit the same recommendations, and an action that
fits no better than those serves none of them.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import sqlite_utils

from knowledge.codebook import BUILTIN_SET, Recommendation, list_recommendations, set_source
from resources import resource_path

# The parameters of the model. The first five were chosen on principle for the built-in codebook; the
# lexical weight and the "none" thresholds were tuned on the tune half of benchmarks/data only.
# - the semantic score of a recommendation is the mean of its best anchor and of its profile (the centroid
#   of all its anchors), so one lucky sentence cannot win alone and one long text cannot blur everything;
SEMANTIC_MAX_WEIGHT = 0.5
# - each matched codebook keyword adds a little (keywords shared by several recommendations count less);
KEYWORD_WEIGHT = 0.04
KEYWORD_CAP = 2.0
# - being addressed to the action's organisation type is a soft prior, worth about one keyword;
PRIOR_WEIGHT = 0.04
# - cosine similarities are spread over a few hundredths, so the softmax temperature is small;
TEMPERATURE = 0.03
# - an action confirmed by a person teaches its recommendation twice. It joins the recommendation's profile
#   at a quarter of an anchor's weight (many confirmations then move the profile towards what serving it
#   looks like in practice; one does not drown the recommendation's own words). And it votes for it, by
#   how much nearer the action comes to it than generic NHS actions do, in their standard deviations: an
#   example near everything (a terse "policy agreed" line) counts for little, a distinctive one for much.
#   Measured as the mean over 30 random draws of one confirmation per recommendation on the tune sets
#   (Berwick, and the nine read as title + summary): top-1 on the rest rises by 2.6 and 3.0 points, where the
#   earlier scheme (a whole anchor's weight, plus a raw nearness vote) cost 1.6 and 4.9 points, although one
#   lucky draw had shown it helping. Votes of 0.0125-0.025 per deviation and profile weights of 0-0.5 all
#   did about as well there; these learn visibly from one close example (a vaguer wording of a confirmed
#   line follows it), where a vote alone of 0.0125 hardly moved it. On the three held-out sets one
#   confirmation still costs 0.5-5 points on the rest (a vote alone of 0.0125 cost 0-3).
CONFIRMED_PROFILE_WEIGHT = 0.25
NEIGHBOUR_WEIGHT = 0.025
# Words an action shares with a recommendation's own text, each worth its rarity (idf) among the set's
# recommendations and generic NHS actions: "staffing", "indemnity" say much, "patients" little.
LEXICAL_WEIGHT = 0.025
# A source document's passages that discuss a recommendation (closest to it, clearly ahead of the next)
# join its profile as one more anchor. "Closest" after taking away how near generic NHS actions come to
# each recommendation (SOURCE_CENTRED): a broad recommendation is otherwise near every passage and leaves a
# narrow one with none (Berwick's "transparency" section went to "leaders put quality first").
SOURCE_MIN_SIM = 0.35
SOURCE_MARGIN = 0.03
SOURCE_CENTRED = True
# "None of these": an action's fit is its best score, in standard deviations above the scores of generic
# NHS actions for the same recommendation. A set that only has titles and summaries says "none" only
# below NONE_Z_THIN; as its recommendations gain examples (codebook includes and example actions, confirmed
# actions) the matcher knows better what serving them looks like, and the threshold rises to NONE_Z_RICH.
NONE_Z_THIN = 1.0
NONE_Z_RICH = 2.5
EXAMPLES_FOR_RICH = 3  # examples a recommendation needs before its share of the threshold is NONE_Z_RICH
SIGMA_FLOOR = 0.02  # a near-constant background (the hashing test embedder) must not divide by zero
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


@dataclass(frozen=True)
class Match:
    """The ranked suggestions for one action, and whether it serves none of them (`fit` below the set's
    threshold: how many background deviations its best recommendation stands out by)."""

    suggestions: list[Suggestion]
    none: bool
    fit: float


# ---- text helpers ------------------------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z0-9]+")
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ers", "er", "ed", "es", "s")
_REC_REF = re.compile(r"\(recommendations? (\d+)(?: or (\d+))?\)", re.I)
# Words too common to say which recommendation an action serves (the rest get their weight from idf).
_STOP = frozenset(
    "the and for with from that this their them they its into onto over under than then when where which who"
    " whom what how all any each every should must will would can could may might not but also both such"
    " been being was were are has have had our your out per via about across after before between"
    " through within without more most less least other others own same very".split()
)


def _stem(word: str) -> str:
    """A crude suffix stripper: enough for 'pilots'/'pilot', 'procuring'/'procurement' is not its job."""
    word = word.lower()
    for suffix in _SUFFIXES:
        if len(word) - len(suffix) >= 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _tokens(text: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(text)]


def _content_stems(text: str) -> set[str]:
    """The stems that can carry meaning: no stop words, nothing shorter than three letters."""
    return {_stem(w) for w in _WORD.findall(text) if len(w) > 2 and w.lower() not in _STOP}


def _keyword_pattern(keyword: str) -> tuple[tuple[str, ...], bool]:
    """A keyword as a stemmed token sequence; all-capitals keywords (IT, PA, EPR) must match in capitals."""
    acronym = keyword.isupper()
    words = _WORD.findall(keyword)
    return (tuple(words) if acronym else tuple(_stem(w) for w in words)), acronym


def _contains(seq: Sequence[str], pattern: tuple[str, ...]) -> bool:
    n = len(pattern)
    return any(tuple(seq[i : i + n]) == pattern for i in range(len(seq) - n + 1))


@cache
def _resources() -> dict[str, Any]:
    return json.loads(resource_path("matching.json").read_text(encoding="utf-8"))


def background_actions() -> list[str]:
    """Generic NHS actions of every kind: the null an action's fit to a set is measured against."""
    return list(_resources()["background"])


_SHORTHAND = re.compile(r"(?<![\w/])([A-Za-z][A-Za-z/]*)(?![\w/])")


def expand_shorthand(text: str) -> str:
    """Tracker shorthand spelled out beside itself ("1 PA" -> "1 PA (programmed activity)"), so the model
    and the word match see what a terse tracker line means; all-capitals forms match only in capitals."""
    table: dict[str, str] = _resources()["abbreviations"]

    def spell(match: re.Match[str]) -> str:
        word = match.group(1)
        key = word if word in table else word.lower() if word.lower() in table and not word.isupper() else ""
        if not key or (key.isupper() and word != key):
            return word
        return f"{word} ({table[key]})"

    return _SHORTHAND.sub(spell, text)


# Who a summary says should act, when a set does not list organisation types: the words before "should".
_ADDRESSEES = (
    (re.compile(r"\b(government|DHSC|department of health|ministers?)\b", re.I), "government"),
    (re.compile(r"\b(regulat\w*|MHRA|NICE|CQC|inspector\w*)\b", re.I), "regulator"),
    (
        re.compile(r"\b(NHS England|Health Education England|HEE|NHS Resolution|national bod\w*)\b", re.I),
        "national_body",
    ),
    (re.compile(r"\b(trusts?|hospitals?|providers?|boards?)\b", re.I), "trust"),
    (re.compile(r"\b(ICBs?|integrated care boards?|commissioners?)\b", re.I), "icb"),
    (re.compile(r"\b(ICSs?|integrated care systems?)\b", re.I), "ics"),
    (re.compile(r"\b(vendors?|suppliers?|industry|developers?|manufacturers?)\b", re.I), "vendor"),
    (re.compile(r"\b(royal colleges?|professional bod\w*|colleges?)\b", re.I), "professional_body"),
    (re.compile(r"\bimaging networks?\b", re.I), "imaging_network"),
)
_SHOULD = re.compile(r"\b(should|must|need to|ought to)\b", re.I)


def addressees(rec: Recommendation) -> list[str]:
    """The organisation types a recommendation is addressed to: as given, else as its summary names them
    before "should" ("AI suppliers should ..." -> vendor); [] when it names nobody we know."""
    if rec.addressed_to:
        return list(rec.addressed_to)
    found = _SHOULD.search(rec.summary)
    subject = rec.summary[: found.start()] if found else ""
    return [org_type for pattern, org_type in _ADDRESSEES if pattern.search(subject)]


# ---- the set's model, cached per process and per codebook (and source document) version -------------------


@dataclass
class _Model:
    recs: list[Recommendation]
    anchor_vectors: np.ndarray  # all anchors, normalised
    anchor_rec: np.ndarray  # index into recs for each anchor row
    profile_sums: np.ndarray  # per rec: the sum of its anchors (and source passages), not normalised
    keywords: list[list[tuple[tuple[str, ...], bool, float]]]  # per rec: (pattern, acronym, weight)
    words: list[set[str]]  # per rec: the content stems of its own text
    idf: dict[str, float]
    addressed: list[list[str]]
    examples: np.ndarray  # per rec: how many action-like anchors the codebook gives (includes, examples)
    background: np.ndarray  # the generic NHS actions, normalised

    def for_recs(self, recs: list[Recommendation]) -> _Model:
        """The same vectors with this database's rows (ids differ between databases)."""
        return _Model(recs, *[getattr(self, f) for f in _MODEL_ARRAYS])


_MODEL_ARRAYS = (
    "anchor_vectors",
    "anchor_rec",
    "profile_sums",
    "keywords",
    "words",
    "idf",
    "addressed",
    "examples",
    "background",
)
_cache: dict[tuple[Any, ...], _Model] = {}
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


def _word_tables(recs: list[Recommendation]) -> tuple[list[set[str]], dict[str, float]]:
    """Each recommendation's content stems (title, summary, includes, examples) and every stem's idf among
    the recommendations and the background actions."""
    words = [
        _content_stems(" ".join([rec.title, rec.summary, *rec.includes, *rec.example_actions]))
        for rec in recs
    ]
    documents = words + [_content_stems(text) for text in background_actions()]
    df: dict[str, int] = {}
    for document in documents:
        for stem in document:
            df[stem] = df.get(stem, 0) + 1
    return words, {stem: float(np.log(1 + len(documents) / n)) for stem, n in df.items()}


def _source_passages(db: sqlite_utils.Database, embedder: Any, set_slug: str) -> tuple[Any, np.ndarray]:
    """(a cache key, vectors) of the passages of the set's source document; (None, empty) without one."""
    document_id = set_source(db, set_slug)
    if document_id is None:
        return None, np.zeros((0, getattr(embedder, "dim", 384)), dtype=np.float32)
    from knowledge.library import document_passages

    texts = [p["text"] for p in document_passages(db, document_id) if len(p["text"].split()) >= 8]
    key = (document_id, hashlib.sha1("\n".join(texts).encode()).hexdigest())
    return key, _encode_cached(embedder, texts)


def _add_source(
    vectors: np.ndarray, anchors: np.ndarray, owners: np.ndarray, sums: np.ndarray, background: np.ndarray
) -> np.ndarray:
    """Add to each recommendation's profile the centroid of the source passages that discuss it: closest
    to its title and summary (the first anchor of each), and clearly closer than to any other.

    "Closest" is measured after taking away how close generic NHS actions come to each recommendation: a
    broad recommendation ("leaders put quality first") is near every passage, and would otherwise be the
    runner-up of all of them and leave the narrower ones without a passage."""
    if not len(vectors):
        return sums
    heads = np.vstack([anchors[np.flatnonzero(owners == i)[0]] for i in range(len(sums))])
    sims = vectors @ heads.T
    centred = sims - (background @ heads.T).mean(axis=0) if SOURCE_CENTRED and len(background) else sims
    order = np.sort(centred, axis=1)
    best = centred.argmax(axis=1)
    margin = order[:, -1] - (order[:, -2] if sims.shape[1] > 1 else 0.0)
    keep = (sims.max(axis=1) >= SOURCE_MIN_SIM) & (margin >= SOURCE_MARGIN)
    out = sums.copy()
    for i in range(len(sums)):
        mine = vectors[keep & (best == i)]
        if len(mine):
            centroid = mine.mean(axis=0)
            out[i] += centroid / np.linalg.norm(centroid)
    return out


def _model(db: sqlite_utils.Database, embedder: Any, set_slug: str) -> _Model:
    recs = list_recommendations(db, set_slug)
    if not recs:
        raise ValueError(f"no recommendations in set {set_slug!r}")
    source_key, source_vectors = _source_passages(db, embedder, set_slug)
    key = (getattr(embedder, "name", "?"), id(embedder), _codebook_version(recs), source_key)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached.for_recs(recs)
    anchors = _anchors(recs)
    vectors = _encode_cached(embedder, [text for _, text in anchors])
    owners = np.array([i for i, _ in anchors])
    sums = np.vstack([vectors[owners == i].sum(axis=0) for i in range(len(recs))])
    background = _encode_cached(embedder, background_actions())
    with_source = _add_source(source_vectors, vectors, owners, sums, background)
    words, idf = _word_tables(recs)
    model = _Model(
        recs,
        vectors,
        owners,
        with_source,
        _keyword_table(recs),
        words,
        idf,
        [addressees(rec) for rec in recs],
        np.array([len(rec.includes) + len(rec.example_actions) for rec in recs], dtype=float),
        background,
    )
    with _cache_lock:
        _cache[key] = model
    return model


def _encode_cached(embedder: Any, texts: list[str]) -> np.ndarray:
    """Vectors of texts the matcher sees again and again (anchors, confirmed actions, the background),
    remembered per process so each is encoded once."""
    name, ident = getattr(embedder, "name", "?"), id(embedder)
    missing = [t for t in dict.fromkeys(texts) if (name, ident, t) not in _vector_cache]
    if missing:
        for text, vector in zip(missing, embedder.encode(missing), strict=True):
            _vector_cache[(name, ident, text)] = vector
    if not texts:
        return np.zeros((0, getattr(embedder, "dim", 384)), dtype=np.float32)
    return np.vstack([_vector_cache[(name, ident, t)] for t in texts])


# ---- what people taught: confirmed actions -----------------------------------------------------------------


@dataclass
class _Learned:
    """The confirmed actions of one set: their ids, vectors and recommendation (index into the model)."""

    action_ids: np.ndarray
    vectors: np.ndarray
    rec: np.ndarray
    texts: list[str]
    _nulls: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False, compare=False)

    def null(self, background: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """How near generic NHS actions come to each confirmed action (mean, deviation): worked out once,
        not again for every action a batch scores."""
        key = id(background)
        if key not in self._nulls:
            generic = background @ self.vectors.T
            self._nulls[key] = (generic.mean(axis=0), np.maximum(generic.std(axis=0), SIGMA_FLOOR))
        return self._nulls[key]

    def without(self, action_id: int | None) -> _Learned:
        """An action never teaches its own suggestion (re-suggesting an already confirmed action)."""
        if action_id is None or action_id not in self.action_ids:
            return self
        keep = self.action_ids != action_id
        texts = [t for t, k in zip(self.texts, keep, strict=True) if k]
        return _Learned(self.action_ids[keep], self.vectors[keep], self.rec[keep], texts)


def _confirmed(db: sqlite_utils.Database, model: _Model, embedder: Any) -> _Learned:
    """Confirmed (action, recommendation) pairs of this set: what people have taught us."""
    index = {rec.id: i for i, rec in enumerate(model.recs)}
    rows = db.execute(
        "SELECT a.id, a.text, ar.recommendation_id FROM action_recommendations ar "
        "JOIN actions a ON a.id = ar.action_id WHERE ar.state = 'confirmed'"
    ).fetchall()
    rows = [r for r in rows if r[2] in index and r[1] and r[1].strip()]
    texts = [expand_shorthand(r[1]) for r in rows]
    return _Learned(
        np.array([r[0] for r in rows], dtype=int),
        _encode_cached(embedder, texts),
        np.array([index[r[2]] for r in rows], dtype=int),
        texts,
    )


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


def _word_scores(model: _Model, text: str) -> np.ndarray:
    """The summed idf of the distinctive words the text shares with each recommendation's own text."""
    stems = _content_stems(text)
    return np.array([sum(model.idf.get(s, 0.0) for s in stems & words) for words in model.words])


def _prior(model: _Model, org_type: str | None) -> np.ndarray:
    if not org_type:
        return np.zeros(len(model.recs))
    return np.array([1.0 if org_type in addressed else 0.0 for addressed in model.addressed])


def _semantic(model: _Model, vectors: np.ndarray, learned: _Learned) -> np.ndarray:
    """(texts x recs): the mean of the best anchor and of the profile (confirmed actions in it); plus, for
    each recommendation people have taught, the vote of its nearest confirmed action (NEIGHBOUR_WEIGHT)."""
    n = len(model.recs)
    sims = vectors @ model.anchor_vectors.T
    best = np.full((len(vectors), n), -1.0)
    for i in range(n):
        best[:, i] = sims[:, model.anchor_rec == i].max(axis=1)
    sums = model.profile_sums.copy()
    np.add.at(sums, learned.rec, CONFIRMED_PROFILE_WEIGHT * learned.vectors)
    profiles = sums / np.linalg.norm(sums, axis=1, keepdims=True)
    semantic = SEMANTIC_MAX_WEIGHT * best + (1 - SEMANTIC_MAX_WEIGHT) * (vectors @ profiles.T)
    return semantic + NEIGHBOUR_WEIGHT * _votes(model, vectors, learned)


def _votes(model: _Model, vectors: np.ndarray, learned: _Learned) -> np.ndarray:
    """(texts x recs): how much nearer each text comes to a recommendation's nearest confirmed action than
    generic NHS actions come to that same action, in their standard deviations; 0 for a recommendation
    nobody has taught yet, so one confirmation does not pull every action its way."""
    votes = np.zeros((len(vectors), len(model.recs)))
    if not len(learned.rec):
        return votes
    mean, spread = learned.null(model.background)
    nearness = (vectors @ learned.vectors.T - mean) / spread
    for i in np.unique(learned.rec):
        votes[:, i] = nearness[:, learned.rec == i].max(axis=1)
    return votes


def _content(model: _Model, vectors: np.ndarray, texts: list[str], learned: _Learned) -> np.ndarray:
    """(texts x recs): how well each text's content fits each recommendation (no organisation prior)."""
    lexical = np.vstack([_word_scores(model, t) for t in texts]) if texts else np.zeros((0, len(model.recs)))
    keywords = np.vstack([_keyword_scores(model, t) for t in texts]) if texts else lexical
    return _semantic(model, vectors, learned) + KEYWORD_WEIGHT * keywords + LEXICAL_WEIGHT * lexical


@dataclass
class _Null:
    """How generic NHS actions fit each recommendation (mean, deviation), and the set's "none" threshold."""

    mean: np.ndarray
    sd: np.ndarray
    threshold: float

    def fit(self, content: np.ndarray, allowed: np.ndarray) -> float:
        z = (content - self.mean) / self.sd
        return float(z[allowed].max()) if allowed.any() else float("-inf")


def _null(model: _Model, learned: _Learned) -> _Null:
    scores = _content(model, model.background, background_actions(), learned)
    taught = model.examples + np.bincount(learned.rec, minlength=len(model.recs))
    coverage = float(np.minimum(taught / EXAMPLES_FOR_RICH, 1.0).mean())
    return _Null(
        scores.mean(axis=0),
        np.maximum(scores.std(axis=0), SIGMA_FLOOR),
        NONE_Z_THIN + (NONE_Z_RICH - NONE_Z_THIN) * coverage,
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


def _embedder_or_default(embedder: Any) -> Any:
    if embedder is None:
        from indexes.embedder import get_embedder

        embedder = get_embedder()
    return embedder


def match_batch(
    db: sqlite_utils.Database,
    items: Iterable[dict[str, Any] | tuple[str, str | None] | str],
    *,
    embedder: Any = None,
    limit: int | None = None,
    set_slug: str = BUILTIN_SET,
) -> list[Match]:
    """Suggestions for many actions against one set, all their texts encoded in one model call, each with
    the judgement whether it serves none of the set's recommendations.

    Each item is a text, a (text, org_type) pair, or a dict with "text" and optional "org_type" and
    "action_id" (recommendations a person rejected for that action are never suggested again). `limit`
    keeps the best few (default: every recommendation of the set)."""
    parsed = [_parse_item(item) for item in items]
    if not parsed:
        return []
    embedder = _embedder_or_default(embedder)
    model = _model(db, embedder, set_slug)
    learned = _confirmed(db, model, embedder)
    texts = [expand_shorthand(text) for text, _, _ in parsed]
    vectors = embedder.encode(texts)
    nulls: dict[int | None, _Null] = {}
    results = []
    for (_, org_type, action_id), text, vector in zip(parsed, texts, vectors, strict=True):
        mine = learned.without(action_id)
        key = action_id if mine is not learned else None
        if key not in nulls:
            nulls[key] = _null(model, mine)
        content = _content(model, vector[None, :], [text], mine)[0]
        scores = _softmax(content + PRIOR_WEIGHT * _prior(model, org_type))
        rejected = _rejected(db, action_id)
        allowed = np.array([rec.id not in rejected for rec in model.recs])
        ranked = [
            Suggestion(rec.id, rec.number, rec.title, float(scores[i]))
            for i, rec in enumerate(model.recs)
            if allowed[i]
        ]
        ranked.sort(key=lambda s: (-s.score, s.number))
        fit = nulls[key].fit(content, allowed)
        results.append(Match(ranked[:limit], fit < nulls[key].threshold, round(fit, 3)))
    return results


def suggest_batch(
    db: sqlite_utils.Database,
    items: Iterable[dict[str, Any] | tuple[str, str | None] | str],
    *,
    embedder: Any = None,
    limit: int | None = None,
    set_slug: str = BUILTIN_SET,
) -> list[list[Suggestion]]:
    """The ranked suggestions of match_batch, without the "none" judgement."""
    return [m.suggestions for m in match_batch(db, items, embedder=embedder, limit=limit, set_slug=set_slug)]


def _parse_item(item: dict[str, Any] | tuple[str, str | None] | str) -> tuple[str, str | None, int | None]:
    if isinstance(item, str):
        return item, None, None
    if isinstance(item, tuple):
        return item[0], item[1], None
    return str(item.get("text") or ""), item.get("org_type") or None, item.get("action_id")


def match(
    db: sqlite_utils.Database,
    text: str,
    org_type: str | None = None,
    *,
    embedder: Any = None,
    limit: int | None = None,
    action_id: int | None = None,
    set_slug: str = BUILTIN_SET,
) -> Match:
    """The recommendations one action text serves, best first, and whether it serves none of them."""
    item = {"text": text, "org_type": org_type, "action_id": action_id}
    return match_batch(db, [item], embedder=embedder, limit=limit, set_slug=set_slug)[0]


def suggest(
    db: sqlite_utils.Database,
    text: str,
    org_type: str | None = None,
    *,
    embedder: Any = None,
    limit: int | None = None,
    action_id: int | None = None,
    set_slug: str = BUILTIN_SET,
) -> list[Suggestion]:
    """The recommendations one action text serves, best first, with calibrated scores."""
    return match(
        db, text, org_type, embedder=embedder, limit=limit, action_id=action_id, set_slug=set_slug
    ).suggestions


def suggest_for_pending(
    db: sqlite_utils.Database, *, embedder: Any = None, set_slug: str | None = None
) -> int:
    """Suggest recommendations, set by set (or one set), for actions with no link into that set and no
    judgement yet: the best few are stored as suggestions, or, when the action serves none of the set's
    recommendations, that judgement is stored and the action stays unmapped. Returns how many suggestions
    were stored."""
    from knowledge.codebook import list_sets, pending_for_set, record_match_checks

    slugs = [set_slug] if set_slug else [s["slug"] for s in list_sets(db)]
    work = [(slug, pending_for_set(db, slug)) for slug in slugs]
    if not any(rows for _, rows in work):
        return 0
    if embedder is None:
        from indexes.embedder import EmbedderUnavailable, get_embedder

        try:
            embedder = get_embedder()
        except EmbedderUnavailable:
            return 0  # suggestions wait for a run where the model loads; the import itself stands
    stored = 0
    for slug, rows in work:
        if rows:
            stored += _store_pending(db, embedder, slug, rows, record_match_checks)
    return stored


def _store_pending(db: sqlite_utils.Database, embedder: Any, slug: str, rows: list[Any], record: Any) -> int:
    items = [{"text": text, "org_type": org_type, "action_id": aid} for aid, text, org_type in rows]
    matches = match_batch(db, items, embedder=embedder, limit=PENDING_TOP, set_slug=slug)
    from knowledge.actions import store_suggestions

    stored = 0
    with db.atomic():
        for (action_id, _, _), found in zip(rows, matches, strict=True):
            record(db, slug, action_id, fits_none=found.none, fit=found.fit)
            if found.none:
                continue  # no recommendation fits: the action stays unmapped
            # The best one is always offered; the runners-up only when the model is not sure.
            offered = [
                (action_id, suggestion.rec_id, round(suggestion.score, 4))
                for rank, suggestion in enumerate(found.suggestions)
                if not rank or suggestion.score >= PENDING_MIN_SCORE
            ]
            stored += store_suggestions(db, offered)  # each new one an entry in the change log
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
    from indexes.keyword import SearchFilters, clean_text
    from indexes.query import plain_words
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
        r[0] for r in db.execute("SELECT DISTINCT source_passage_id FROM actions WHERE source_passage_id > 0")
    }
    searcher = searcher or Searcher(db, db_path)
    # Deeper than `limit`: action sources are dropped after the search.
    # A title and summary are prose, not typed syntax: read as words only, so an upper-case NOT, OR or AND,
    # a quoted phrase or a hyphen in them is never taken as an operator (NOT would exclude passages).
    results = searcher.search_many(
        [plain_words(clean_text(evidence_query(r))) for r in recs],
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
