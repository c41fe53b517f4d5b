"""The change log, read for the History page and `roundtable log`: filtered entries and who is in them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop.operations.changes import Result
from knowledge.vocab import Change, status_display


@dataclass(frozen=True)
class LogFilter:
    """What to show: dates inclusive (YYYY-MM-DD), who in any case, one entity kind, one entity id."""

    since: str | None = None
    until: str | None = None
    who: str | None = None
    entity: str | None = None
    entity_id: int | None = None
    limit: int | None = None


def log_entries(db: Any, log_filter: LogFilter | None = None) -> Result[list[dict[str, Any]]]:
    """The log entries the filter lets through, oldest first (knowledge.changelog.entries shapes them).
    Raises ValueError for a date or entity that is not one."""
    from knowledge.changelog import entries

    f = log_filter or LogFilter()
    found = entries(db, f.since, f.until, f.who, f.entity, f.entity_id, limit=f.limit)
    return Result(found)


def log_people(db: Any) -> list[str]:
    """Everyone the log names (for the who filter)."""
    from knowledge.changelog import people

    return people(db)


def describe(entry: dict[str, Any]) -> str:
    """One line saying what an entry changed ("status In progress -> Done", "name A -> B"), values as
    people read them (statuses in words, percentages with %)."""
    before, after = entry["before"] or {}, entry["after"] or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return ""
    changed = [key for key in after if key in before and before[key] != after[key]]
    if changed:
        return "; ".join(f"{key} {_value(key, before[key])} -> {_value(key, after[key])}" for key in changed)
    # A delete or removal says what went; anything else what it is now.
    shown = before if entry["change"] in (Change.DELETED, Change.REMOVED) else after or before
    named = ("title", "name", "login", "text", "recommendation", "state", "status", "role")
    keys = [key for key in named if key in shown]
    return ", ".join(f"{key} {_value(key, shown[key])}" for key in keys[:2])


def _value(key: str, value: Any) -> str:
    if key == "status" and value is not None:
        return status_display(str(value))
    if key == "percent" and isinstance(value, int | float):
        return f"{value:g}%"
    return _short(value)


def _short(value: Any, width: int = 40) -> str:
    text = "-" if value is None else str(value)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
