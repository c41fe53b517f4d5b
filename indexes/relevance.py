"""How close a hit is: the calibrated relevance floor and the High/Medium/Low shown instead of raw scores.

Pure functions. A semantic or hybrid result that shares no word with the query and whose cosine
similarity to it is below the floor is no close match and is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

NEAREST = 3  # results offered on request when nothing passes the floor


class Relevance(StrEnum):
    """How well a hit answers the query, as the window and `--json` show it."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


RELEVANCE_LABELS = {Relevance.HIGH: "High", Relevance.MEDIUM: "Medium", Relevance.LOW: "Low"}
_ORDER = [Relevance.LOW, Relevance.MEDIUM, Relevance.HIGH]


@dataclass(frozen=True)
class Levels:
    """Cosine similarities of one embedder: below `floor` no close match; `medium` and `high` label hits."""

    floor: float
    medium: float
    high: float


# all-MiniLM-L6-v2 through ONNX Runtime int8, calibrated by benchmarks/calibrate.py on the even half of
# SciFact's training queries (the odd half is held out) and 300 nonsense queries it makes: the floor is
# the lowest cosine no nonsense query reaches (their best: 0.388; 0.312 on the project's own corpus). It
# applies to results that share no word with the query: a real question's answer usually shares one
# ("risk" in the indemnity passage, cosine 0.38), nonsense never does. High is the median cosine of the
# judged-relevant abstracts in a top 10 (0.62), medium halfway between the floor and high.
MINILM = Levels(floor=0.40, medium=0.51, high=0.62)
# The test suite's bag-of-words encoder: any shared word is a match.
HASHING = Levels(floor=1e-6, medium=0.3, high=0.6)


def levels_for(embedder: Any) -> Levels:
    """The embedder's calibrated levels (its `relevance` attribute), else all-MiniLM-L6-v2's."""
    found = getattr(embedder, "relevance", None)
    return found if isinstance(found, Levels) else MINILM


def semantic_level(similarity: float, levels: Levels) -> Relevance:
    if similarity >= levels.high:
        return Relevance.HIGH
    if similarity >= levels.medium:
        return Relevance.MEDIUM
    return Relevance.LOW


def keyword_level(coverage: float) -> Relevance:
    """From the share of the query's words the passage holds: all of them, at least half, fewer."""
    if coverage >= 0.999:
        return Relevance.HIGH
    if coverage >= 0.5:
        return Relevance.MEDIUM
    return Relevance.LOW


def best(*levels: Relevance | None) -> Relevance:
    """The strongest of the given levels (LOW when none is given)."""
    return max((lv for lv in levels if lv is not None), key=_ORDER.index, default=Relevance.LOW)
