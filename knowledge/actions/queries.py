"""Reading actions: one or many (with RAG, overdue and stale worked out), their history and evidence.

Deleted actions (actions.deleted_at set) are left out of everything here but action_row()."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlite_utils

from knowledge.actions.parse import check_status
from knowledge.actions.rules import days_overdue, is_overdue, is_stale, rag, stale_days
from knowledge.changelog import entries
from knowledge.codebook import BUILTIN_SET
from knowledge.organisations import resolve_organisation
from knowledge.vocab import Change, Entity, LinkState

_LIST_SQL = """
SELECT a.*, o.name AS organisation, o.type AS org_type,
       (SELECT max(at) FROM progress_updates u WHERE u.action_id = a.id) AS last_update
FROM actions a LEFT JOIN organisations o ON o.id = a.organisation_id
WHERE a.deleted_at IS NULL
"""
# Few actions: filter links in SQL. Many: read every link once (SQLite caps the number of parameters).
_MAX_LINK_PARAMS = 500


def action_row(db: sqlite_utils.Database, action_id: int) -> dict[str, Any] | None:
    """The actions row with this id, deleted or not (deleted_at says); None when there is none."""
    rows = list(db.query("SELECT * FROM actions WHERE id = ?", [action_id]))
    return dict(rows[0]) if rows else None


def require_action(db: sqlite_utils.Database, action_id: int) -> dict[str, Any]:
    """The actions row with this id; LookupError when there is none, or it was deleted."""
    row = action_row(db, action_id)
    if row is None:
        raise LookupError(f"no action with id {action_id}")
    if row["deleted_at"] is not None:
        raise LookupError(f"action {action_id} was deleted; restore it first to change it")
    return row


def _links(db: sqlite_utils.Database, action_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    if not action_ids:
        return out
    wanted = set(action_ids)
    few = len(action_ids) <= _MAX_LINK_PARAMS
    where = f"WHERE ar.action_id IN ({','.join('?' * len(action_ids))})" if few else ""
    for row in db.query(
        f"""SELECT ar.action_id, ar.recommendation_id, r.number, r.title, s.slug AS set_slug, ar.state,
                   ar.score, ar.origin, ar.decided_by, ar.decided_at
            FROM action_recommendations ar JOIN recommendations r ON r.id = ar.recommendation_id
            JOIN recommendation_sets s ON s.id = r.set_id
            {where} ORDER BY s.id, r.number""",
        action_ids if few else [],
    ):
        if row["action_id"] in wanted:
            out.setdefault(row["action_id"], []).append(dict(row))
    return out


def _decorate_one(row: dict[str, Any], links: list[dict[str, Any]], today: date, days: int) -> None:
    last = row["last_update"] or row["created_at"]
    status, due = row["status"], row["due"]
    row["last_update"] = last
    row["draft"] = bool(row["draft"])
    row["links"] = links
    row["recommendations"] = [lk["number"] for lk in links if lk["state"] == LinkState.CONFIRMED]
    row["suggested"] = [lk["number"] for lk in links if lk["state"] == LinkState.SUGGESTED]
    row["overdue"] = is_overdue(status, due, today)
    row["stale"] = is_stale(status, last, today, days)
    row["rag"] = rag(status, row["percent"], due, last, today, days)
    row["days_overdue"] = days_overdue(status, due, today)


def _decorate(db: sqlite_utils.Database, rows: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    days = stale_days(db)
    links = _links(db, [r["id"] for r in rows])
    for row in rows:
        _decorate_one(row, links.get(row["id"], []), today, days)
    return rows


def get_action(
    db: sqlite_utils.Database, action_id: int, *, today: date | None = None
) -> dict[str, Any] | None:
    """One action as list_actions shapes it, plus 'evidence' (linked passages); None if there is none."""
    rows = [dict(r) for r in db.query(_LIST_SQL + " AND a.id = ?", [action_id])]
    if not rows:
        return None
    action = _decorate(db, rows, today or date.today())[0]
    action["evidence"] = list_evidence(db, action_id=action_id)
    return action


def _confirmed_for(number: int, set_slug: str | None) -> tuple[str, list[Any]]:
    """A WHERE clause: the action has a confirmed link to recommendation `number` (of one set, or any)."""
    sub = (
        "a.id IN (SELECT ar.action_id FROM action_recommendations ar JOIN recommendations r"
        " ON r.id = ar.recommendation_id JOIN recommendation_sets s ON s.id = r.set_id"
        f" WHERE ar.state = '{LinkState.CONFIRMED}' AND r.number = ?"
    )
    params: list[Any] = [int(number)]
    if set_slug:
        sub += " AND s.slug = ?"
        params.append(set_slug)
    return sub + ")", params


def _filters(
    db: sqlite_utils.Database,
    organisation: str | int | None,
    status: str | None,
    roundtable_id: int | None,
    draft: bool | None,
) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []
    if organisation is not None:
        where.append("a.organisation_id = ?")
        params.append(resolve_organisation(db, organisation))
    if status is not None:
        where.append("a.status = ?")
        params.append(check_status(status))
    if roundtable_id is not None:
        where.append("a.roundtable_id = ?")
        params.append(roundtable_id)
    if draft is not None:
        where.append("a.draft = ?")
        params.append(int(draft))
    return where, params


def list_actions(
    db: sqlite_utils.Database,
    *,
    organisation: str | int | None = None,
    recommendation_number: int | None = None,
    status: str | None = None,
    overdue: bool | None = None,
    stale: bool | None = None,
    roundtable_id: int | None = None,
    draft: bool | None = None,
    set_slug: str | None = None,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """Actions (by organisation name, then id) with: organisation, org_type, links (every recommendation
    link with number, state, score, origin), recommendations (confirmed numbers), suggested (numbers),
    rag, overdue, days_overdue, stale, last_update. Filters combine; `recommendation_number` means a
    confirmed link. Raises UnknownOrganisation / ValueError for an unknown organisation or status."""
    where, params = _filters(db, organisation, status, roundtable_id, draft)
    if recommendation_number is not None:
        clause, more = _confirmed_for(recommendation_number, set_slug)
        where.append(clause)
        params.extend(more)
    sql = _LIST_SQL + "".join(f" AND {clause}" for clause in where)
    sql += " ORDER BY o.name COLLATE NOCASE NULLS FIRST, a.id"  # no organisation first, on both back ends
    rows = _decorate(db, [dict(r) for r in db.query(sql, params)], today or date.today())
    if overdue is not None:
        rows = [r for r in rows if r["overdue"] == overdue]
    if stale is not None:
        rows = [r for r in rows if r["stale"] == stale]
    return rows


_STATE = ("status", "percent", "due")


def _history_row(entry: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
    """A log entry as a history row: old and new status, percent and due (what the entry does not name
    stays as it was), and the entry's own change, before and after."""
    before, after = entry["before"] or {}, entry["after"] or {}
    created = entry["change"] == Change.CREATED
    old = {key: None if created else before.get(key, state.get(key)) for key in _STATE}
    new = {key: after.get(key, old[key]) for key in _STATE}
    state.update(new)
    return {
        "id": entry["id"],
        "at": entry["at"],
        "recorded_at": entry["recorded_at"],
        "who": entry["who"],
        "change": entry["change"],
        **{f"old_{key}": old[key] for key in _STATE},
        **{f"new_{key}": new[key] for key in _STATE},
        "note": entry["note"],
        "before": entry["before"],
        "after": entry["after"],
    }


def action_history(
    db: sqlite_utils.Database, action_id: int, *, include_deleted: bool = False
) -> list[dict[str, Any]]:
    """An action's history from the change log, oldest first: id, at, recorded_at, who, change, old/new
    status, percent and due, note, before, after. A deleted action has none unless include_deleted."""
    row = action_row(db, action_id)
    if row is None or (row["deleted_at"] is not None and not include_deleted):
        return []
    state: dict[str, Any] = {}
    return [_history_row(e, state) for e in entries(db, entity=Entity.ACTION, entity_id=action_id)]


def deleted_actions(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Deleted actions, most recently deleted first (id, text, organisation, deleted_at, deleted_by)."""
    sql = (
        "SELECT a.id, a.text, o.name AS organisation, a.status, a.percent, a.deleted_at, a.deleted_by"
        " FROM actions a LEFT JOIN organisations o ON o.id = a.organisation_id"
        " WHERE a.deleted_at IS NOT NULL ORDER BY a.deleted_at DESC, a.id DESC"
    )
    return [dict(r) for r in db.query(sql)]


def recommendation_id(db: sqlite_utils.Database, number: int, set_slug: str | None = None) -> int:
    """The id of recommendation `number` (in the built-in set unless `set_slug` names another)."""
    row = db.execute(
        "SELECT r.id FROM recommendations r JOIN recommendation_sets s ON s.id = r.set_id"
        " WHERE s.slug = ? AND r.number = ?",
        [set_slug or BUILTIN_SET, int(number)],
    ).fetchone()
    if row is None:
        raise LookupError(f"no recommendation {number} in set {set_slug or BUILTIN_SET}")
    return row[0]


def list_evidence(
    db: sqlite_utils.Database, *, action_id: int | None = None, recommendation_id: int | None = None
) -> list[dict[str, Any]]:
    """Evidence links with the passage text, page and document title (for citations)."""
    where, params = [], []
    if action_id is not None:
        where.append("e.action_id = ?")
        params.append(action_id)
    if recommendation_id is not None:
        where.append("e.recommendation_id = ?")
        params.append(recommendation_id)
    sql = (
        "SELECT e.*, p.text, p.page, p.section, p.document_id, d.title AS document_title"
        " FROM evidence_links e"
        " JOIN passages p ON p.id = e.passage_id JOIN documents d ON d.id = p.document_id"
    )
    if where:
        sql += " WHERE " + " AND ".join(where)
    return [dict(r) for r in db.query(sql + " ORDER BY e.id", params)]


def action_counts_by_organisation(db: sqlite_utils.Database) -> dict[int | None, int]:
    """How many actions each organisation has (None: actions with no organisation)."""
    rows = db.execute(
        "SELECT organisation_id, count(*) FROM actions WHERE deleted_at IS NULL GROUP BY organisation_id"
    )
    return {org_id: n for org_id, n in rows}


def busiest_organisation(db: sqlite_utils.Database) -> str | None:
    """The name of the organisation with the most actions, None when no organisation has any."""
    row = db.execute(
        "SELECT o.name FROM organisations o JOIN actions a ON a.organisation_id = o.id"
        " WHERE a.deleted_at IS NULL GROUP BY o.id ORDER BY count(*) DESC, o.id LIMIT 1"
    ).fetchone()
    return row[0] if row else None


def document_actions(db: sqlite_utils.Database, document_id: int) -> list[dict[str, Any]]:
    """The actions taken from a document (id, text, status), in the order they were stored."""
    sql = (
        "SELECT id, text, status FROM actions WHERE source_document_id = ? AND deleted_at IS NULL ORDER BY id"
    )
    return [dict(r) for r in db.query(sql, [document_id])]


def action_choices(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Every action's id and text with its organisation's name (None when it has none), for a pick list."""
    sql = (
        "SELECT a.id, a.text, o.name FROM actions a LEFT JOIN organisations o ON o.id = a.organisation_id"
        " WHERE a.deleted_at IS NULL ORDER BY o.name NULLS FIRST, a.id"
    )
    return [dict(r) for r in db.query(sql)]


def action_wording(db: sqlite_utils.Database, action_id: int) -> tuple[str, str | None] | None:
    """An action's text and its organisation's type; None when there is no such action."""
    row = db.execute(
        "SELECT a.text, o.type FROM actions a LEFT JOIN organisations o ON o.id = a.organisation_id"
        " WHERE a.id = ? AND a.deleted_at IS NULL",
        [action_id],
    ).fetchone()
    return (row[0], row[1]) if row else None
