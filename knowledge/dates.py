"""Dates as people write them (trackers, notes, returns, file metadata) and the timestamps stored."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

_MONTH_NAMES = "january february march april may june july august september october november december".split()
MONTHS: dict[str, int] = {
    **{m: i for i, m in enumerate(_MONTH_NAMES, 1)},
    **{m[:3]: i for i, m in enumerate(_MONTH_NAMES, 1)},
    "sept": 9,
}
_ISO_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?.*)?")


def now_iso() -> str:
    """The current UTC time as an ISO string, second precision (what every table stores)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def last_day(year: int, month: int) -> int:
    """The last day of a month (28-31)."""
    return ((date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)).day


def _year(text: str) -> int:
    # Two-digit years are this century: trackers write '30/04/24'.
    return int(text) + (2000 if len(text) == 2 else 0)


def _normalise(text: str) -> str:
    """Lower case, ordinal suffixes and commas gone, a leading 'end of' / 'by' / 'due' / 'before' dropped."""
    lowered = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text.lower()).replace(",", " ")
    return " ".join(re.sub(r"^(end of|by|due|before)\s+", "", lowered).split())


def _match(lowered: str) -> date | None:
    """The date a normalised text names, or None when no pattern fits (ValueError for e.g. 31/02/2024)."""
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[t ].*)?", lowered):
        return date(int(m[1]), int(m[2]), int(m[3]))
    if m := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})", lowered):
        return date(_year(m[3]), int(m[2]), int(m[1]))  # UK order: day first
    if (m := re.fullmatch(r"(\d{1,2}) ([a-z]+)\.? (\d{2}|\d{4})", lowered)) and m[2] in MONTHS:
        return date(_year(m[3]), MONTHS[m[2]], int(m[1]))
    if (m := re.fullmatch(r"([a-z]+)\.? (\d{1,2}) (\d{4})", lowered)) and m[1] in MONTHS:
        return date(int(m[3]), MONTHS[m[1]], int(m[2]))
    if (m := re.fullmatch(r"([a-z]+)\.? (\d{4})", lowered)) and m[1] in MONTHS:
        year, month = int(m[2]), MONTHS[m[1]]
        return date(year, month, last_day(year, month))
    return None


def parse_date(value: Any) -> str | None:
    """An ISO date (YYYY-MM-DD) from ISO text, '30 April 2024', '30 Apr 24', 'April 30, 2024', '30/04/2024'
    (UK day-first), 'April 2024' or 'end of April 2024' (last day of the month). None for blank input;
    ValueError when it is not a date."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = " ".join(str(value).strip().split())
    if not text:
        return None
    try:
        found = _match(_normalise(text))
    except ValueError:
        found = None  # a pattern fitted but the day does not exist: the error below
    if found is None:
        raise ValueError(f"not a date: {text!r} (use YYYY-MM-DD or e.g. 30 April 2024)")
    return found.isoformat()


def parse_any_date(value: str | None) -> str | None:
    """An ISO date from the ways people write dates, or None when the text is not one (file metadata)."""
    if not value:
        return None
    try:
        return parse_date(value)
    except (ValueError, TypeError):
        return None


def parse_at(value: Any) -> str:
    """A timestamp for a history entry: given date/datetime/ISO text (kept as written), or now."""
    if value is None:
        return now_iso()
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if _ISO_STAMP.fullmatch(text):
        return text
    return parse_date(text) or now_iso()


def day(value: str | None) -> date | None:
    """The calendar day an ISO date or timestamp falls on; None for blank or unreadable text."""
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
