"""Fusing ranked candidate lists (keyword and semantic) into one ranking: pure functions, no I/O."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

Ranked = Sequence[tuple[Hashable, float]]  # (key, score), best first

RRF_K = 60


def reciprocal_rank_fusion(
    lists: Sequence[Ranked], *, k: int = RRF_K, weights: Sequence[float] | None = None
) -> list[tuple[Hashable, float]]:
    """Reciprocal rank fusion: score(key) = sum over lists of weight / (k + rank), rank from 1.

    Only ranks matter, so lists with incomparable scores (bm25, cosine) combine fairly. Ties are
    broken by first appearance, so the result is deterministic.
    """
    weights = list(weights) if weights is not None else [1.0] * len(lists)
    if len(weights) != len(lists):
        raise ValueError("one weight per list")
    fused: dict[Hashable, float] = {}
    for ranked, weight in zip(lists, weights, strict=True):
        seen = set()
        rank = 0
        for key, _score in ranked:
            if key in seen:  # a key listed twice counts at its best rank only
                continue
            seen.add(key)
            rank += 1
            fused[key] = fused.get(key, 0.0) + weight / (k + rank)
    return sorted(fused.items(), key=lambda item: -item[1])


def _minmax(ranked: Ranked) -> dict[Hashable, float]:
    scores = {}
    for key, score in ranked:
        if key not in scores:
            scores[key] = float(score)
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    span = high - low
    if span <= 0:
        return {key: 1.0 for key in scores}
    return {key: (value - low) / span for key, value in scores.items()}


def score_fusion(
    lists: Sequence[Ranked], *, weights: Sequence[float] | None = None
) -> list[tuple[Hashable, float]]:
    """Convex combination of min-max normalised scores; a key absent from a list scores 0 there."""
    weights = list(weights) if weights is not None else [1.0 / len(lists)] * len(lists)
    if len(weights) != len(lists):
        raise ValueError("one weight per list")
    fused: dict[Hashable, float] = {}
    order: dict[Hashable, int] = {}
    for ranked, weight in zip(lists, weights, strict=True):
        for key, value in _minmax(ranked).items():
            order.setdefault(key, len(order))
            fused[key] = fused.get(key, 0.0) + weight * value
    return sorted(fused.items(), key=lambda item: (-item[1], order[item[0]]))


def collapse(ranked: Ranked, group_of: dict) -> list[tuple[Hashable, float, Hashable]]:
    """Keep the best entry of each group, in order: [(group, score, key)] (for per-document ranking)."""
    out = []
    seen = set()
    for key, score in ranked:
        group = group_of.get(key)
        if group is None or group in seen:
            continue
        seen.add(group)
        out.append((group, score, key))
    return out
