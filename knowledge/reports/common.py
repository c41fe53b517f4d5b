"""What several reports share: status words, dates, progress summaries, action tables, set titles."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from knowledge.reports.as_at import AsAt, reconstructs, suggested_as_at
from knowledge.vocab import LinkState, Rag, Status, status_display, values

ACTION_HEADERS = ["Organisation", "Action", "Owner", "Due", "Status", "%", "RAG"]


def status_label(status: str | None) -> str:
    """'in progress' for in_progress; a status this version does not know reads as stored."""
    if not status:
        return "–"
    return Status(status).label if status in values(Status) else status


def status_cell(status: str | None, overdue: bool = False) -> str:
    """A status in a table's Status column: the vocabulary's display words ("In progress (overdue)"), as the
    window shows them; running text keeps status_label's lower-case words ("2 in progress")."""
    return status_display(status) + (" (overdue)" if overdue else "")


def rag_label(rag: str | None) -> str:
    return Rag(rag).label if rag in values(Rag) else "–"


def day(value: Any) -> str:
    """The YYYY-MM-DD part of a stored date or timestamp, or a dash."""
    return str(value)[:10] if value else "–"


def set_title(db: sqlite_utils.Database, set_slug: str) -> str:
    row = db.execute("SELECT title FROM recommendation_sets WHERE slug = ?", [set_slug]).fetchone()
    return row[0] if row else set_slug


def progress_summary(actions: list[dict[str, Any]]) -> str:
    """'3 confirmed actions from 2 organisations: 1 planned, 2 done; average completion 70%.'"""
    if not actions:
        return "No confirmed actions yet."
    counts: dict[str, int] = {}
    for a in actions:
        counts[a["status"]] = counts.get(a["status"], 0) + 1
    live = [a for a in actions if a["status"] != Status.DROPPED]
    mean = round(sum(a["percent"] for a in live) / len(live)) if live else 0
    orgs = len({a["organisation_id"] for a in actions})
    order = values(Status)
    parts = [f"{n} {status_label(s)}" for s, n in sorted(counts.items(), key=lambda kv: order.index(kv[0]))]
    overdue = sum(a["overdue"] for a in actions)
    return (
        f"{len(actions)} confirmed action{'s' if len(actions) != 1 else ''} from {orgs} "
        f"organisation{'s' if orgs != 1 else ''}: {', '.join(parts)}; average completion {mean}%"
        f"{f'; {overdue} overdue' if overdue else ''}."
    )


def action_rows(actions: list[dict[str, Any]], *, with_org: bool = True) -> list[list[Any]]:
    """Rows under ACTION_HEADERS (without its first column when with_org is False)."""
    rows = []
    for a in actions:
        row = [a["organisation"] or "(no organisation)"] if with_org else []
        status = status_cell(a["status"], bool(a["overdue"]))
        row += [a["text"], a["owner"], day(a["due"]), status, f"{a['percent']}%", rag_label(a["rag"])]
        rows.append(row)
    return rows


def suggested_count(db: sqlite_utils.Database, rec_id: int, when: AsAt | None = None) -> int:
    """Actions suggested for a recommendation and not (yet) confirmed against it (deleted ones aside);
    as they stood on a recorded past date `when`."""
    if when is not None and reconstructs(when):
        return suggested_as_at(db, rec_id, when.day)
    return db.execute(
        "SELECT count(*) FROM action_recommendations WHERE recommendation_id = ? AND state = ?"
        " AND action_id NOT IN (SELECT action_id FROM action_recommendations"
        " WHERE recommendation_id = ? AND state = ?)"
        " AND action_id IN (SELECT id FROM actions WHERE deleted_at IS NULL)",
        [rec_id, LinkState.SUGGESTED.value, rec_id, LinkState.CONFIRMED.value],
    ).fetchone()[0]


def change_text(row: dict[str, Any]) -> str:
    """What one progress update changed: 'planned → in progress; 20% → 40%', or 'note'."""
    parts = []
    if row.get("old_status") is None and row.get("new_status"):
        parts.append(f"created as {status_label(row['new_status'])}")
    elif row.get("new_status") and row.get("old_status") != row.get("new_status"):
        parts.append(f"{status_label(row['old_status'])} → {status_label(row['new_status'])}")
    if row.get("old_percent") is not None and row.get("new_percent") != row.get("old_percent"):
        parts.append(f"{row['old_percent']}% → {row['new_percent']}%")
    if row.get("old_due") and row.get("new_due") and row["old_due"] != row["new_due"]:
        parts.append(f"due {day(row['old_due'])} → {day(row['new_due'])}")
    return "; ".join(parts) or "note"
