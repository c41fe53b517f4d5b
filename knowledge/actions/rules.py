"""Action rules: which status changes are allowed, RAG ratings, overdue and stale, the stale-days setting.

Status transitions (anything else raises ValueError; setting the same status is not a transition):

    not_started -> planned, in_progress, blocked, done, dropped
    planned     -> not_started, in_progress, blocked, done, dropped
    in_progress -> planned, blocked, done, dropped
    blocked     -> planned, in_progress, done, dropped
    done        -> in_progress                        (a reopen: needs a note saying why)
    dropped     -> not_started, planned, in_progress  (a revival: needs a note)

Dropping needs a note too. `done` means 100 percent (set automatically; another explicit percent is an
error). 100 percent with a status other than done is allowed: the work may be finished but not signed off.

RAG, first rule that applies: dropped -> grey; done -> green; blocked or overdue -> red; stale, or due
within 14 days with less than 50 percent -> amber; otherwise green.
Overdue = due date before today and not done/dropped. Stale = not done/dropped and no update for
`stale_days` days (settings key "stale_days", default 90); the creation counts as the first update.
"""

from __future__ import annotations

from datetime import date

import sqlite_utils

from knowledge.dates import day
from knowledge.db import get_setting, set_setting
from knowledge.vocab import CLOSED_STATUSES, Rag, Status

S = Status
TRANSITIONS: dict[Status, tuple[Status, ...]] = {
    S.NOT_STARTED: (S.PLANNED, S.IN_PROGRESS, S.BLOCKED, S.DONE, S.DROPPED),
    S.PLANNED: (S.NOT_STARTED, S.IN_PROGRESS, S.BLOCKED, S.DONE, S.DROPPED),
    S.IN_PROGRESS: (S.PLANNED, S.BLOCKED, S.DONE, S.DROPPED),
    S.BLOCKED: (S.PLANNED, S.IN_PROGRESS, S.DONE, S.DROPPED),
    S.DONE: (S.IN_PROGRESS,),
    S.DROPPED: (S.NOT_STARTED, S.PLANNED, S.IN_PROGRESS),
}
DEFAULT_STALE_DAYS = 90
AMBER_WINDOW_DAYS = 14
_STALE_DAYS_KEY = "stale_days"


def stale_days(db: sqlite_utils.Database) -> int:
    """Days without an update after which an open action is stale (settings key 'stale_days', default 90)."""
    try:
        return max(1, int(get_setting(db, _STALE_DAYS_KEY, str(DEFAULT_STALE_DAYS)) or DEFAULT_STALE_DAYS))
    except ValueError:
        return DEFAULT_STALE_DAYS


def set_stale_days(db: sqlite_utils.Database, days: int) -> None:
    """Change how many days without an update make an open action stale."""
    if int(days) < 1:
        raise ValueError("stale days must be at least 1")
    set_setting(db, _STALE_DAYS_KEY, str(int(days)))


def check_transition(old: str, new: str, note: str | None) -> None:
    """Raise ValueError when going from `old` to `new` is not allowed (or needs a note that is missing)."""
    if old == new:
        return
    if new not in TRANSITIONS.get(old, ()):
        allowed = ", ".join(TRANSITIONS.get(old, ())) or "nothing"
        raise ValueError(f"cannot go from {old} to {new} (from {old}: {allowed})")
    if not (note or "").strip():
        if new == S.DROPPED:
            raise ValueError("dropping an action needs a note saying why")
        if old == S.DONE:
            raise ValueError("reopening a done action needs a note saying why")
        if old == S.DROPPED:
            raise ValueError("reviving a dropped action needs a note saying why")


def is_overdue(status: str, due: str | None, today: date) -> bool:
    """Due date passed and the action is neither done nor dropped."""
    due_day = day(due)
    return bool(due_day and due_day < today and status not in CLOSED_STATUSES)


def is_stale(status: str, last_update: str | None, today: date, days: int = DEFAULT_STALE_DAYS) -> bool:
    """Open and not updated for `days` days."""
    last = day(last_update)
    return bool(status not in CLOSED_STATUSES and last and (today - last).days >= days)


def days_overdue(status: str, due: str | None, today: date) -> int:
    """How many days past its due date an overdue action is (0 when it is not overdue)."""
    due_day = day(due)
    return (today - due_day).days if due_day and is_overdue(status, due, today) else 0


def _due_soon_and_behind(percent: int, due: str | None, today: date) -> bool:
    due_day = day(due)
    return bool(due_day and (due_day - today).days <= AMBER_WINDOW_DAYS and (percent or 0) < 50)


def rag(
    status: str,
    percent: int,
    due: str | None,
    last_update: str | None,
    today: date,
    days: int = DEFAULT_STALE_DAYS,
) -> Rag:
    """Green, amber, red or grey by the rule in this module's docstring."""
    if status == S.DROPPED:
        return Rag.GREY
    if status == S.DONE:
        return Rag.GREEN
    if status == S.BLOCKED or is_overdue(status, due, today):
        return Rag.RED
    if is_stale(status, last_update, today, days) or _due_soon_and_behind(percent, due, today):
        return Rag.AMBER
    return Rag.GREEN
