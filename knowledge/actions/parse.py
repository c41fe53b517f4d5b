"""Statuses and percentages as people write them in trackers, notes and returns."""

from __future__ import annotations

import re
from typing import Any

from knowledge.vocab import Status, values

# How people write each status (compared in lower case, '_'/'-' as spaces).
_STATUS_SYNONYMS = {
    Status.NOT_STARTED: "not started|not yet started|to do|todo|open|new|none",
    Status.PLANNED: "planned|scheduled|agreed|proposed|plan",
    Status.IN_PROGRESS: "in progress|ongoing|underway|started|on track|wip|active|in hand|delayed|at risk|"
    "progressing",
    Status.BLOCKED: "blocked|on hold|stalled|stuck|paused",
    Status.DONE: "done|complete|completed|closed|finished|achieved|delivered",
    Status.DROPPED: "dropped|cancelled|canceled|withdrawn|abandoned|not proceeding|superseded",
}
_STATUS_WORDS = {word: status for status, words in _STATUS_SYNONYMS.items() for word in words.split("|")}


def parse_status(value: str | None) -> Status | None:
    """A status from how people write it ('In progress', 'Complete', 'on hold'); None if not."""
    if value is None:
        return None
    key = " ".join(re.sub(r"[^a-z ]", " ", str(value).lower().replace("_", " ").replace("-", " ")).split())
    if key.replace(" ", "_") in values(Status):
        return Status(key.replace(" ", "_"))
    return _STATUS_WORDS.get(key)


def check_status(status: str) -> Status:
    """The status `status` names; ValueError listing the statuses when it names none."""
    parsed = parse_status(status)
    if parsed is None:
        raise ValueError(f"unknown status {status!r}; use one of: {', '.join(values(Status))}")
    return parsed


def parse_percent(value: Any) -> int | None:
    """0-100 from '40', '40%', 40.0; None for blank; ValueError for anything else."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip().rstrip("%").strip()
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"percent must be a number from 0 to 100, got {value!r}") from None
    if not 0 <= number <= 100:
        raise ValueError(f"percent must be from 0 to 100, got {value!r}")
    return int(round(number))
